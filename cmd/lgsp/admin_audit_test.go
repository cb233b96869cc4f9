package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	"github.com/lgsp-vn/lgsp/services/registry"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

// `lgsp audit verify --database-url` checks the keyed hashes only with the
// master key, and says so when it has none; a chain rewritten with the
// unkeyed hash anyone can compute passes the structural check only.
func TestAuditVerifyMasterKey(t *testing.T) {
	for _, engine := range sqltest.Engines {
		t.Run(engine, func(t *testing.T) {
			dbURL := sqltest.URL(t, engine)
			t.Setenv("LGSP_DATABASE_URL", "")
			t.Setenv(envMasterKey, "")
			db := sqltest.OpenURL(t, dbURL)
			cfg := registry.DefaultConfig()
			cfg.MasterKey = secretbox.GenerateKey()
			s, err := registry.New(context.Background(), cfg, db, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.EnsureAdmin(context.Background(), cliAdminPassword); err != nil {
				t.Fatal(err)
			}
			keyFile := filepath.Join(t.TempDir(), "master.key")
			if err := os.WriteFile(keyFile, []byte(cfg.MasterKey+"\n"), 0o600); err != nil {
				t.Fatal(err)
			}

			out := mustCLI(t, "audit", "verify", "--database-url", dbURL)
			if !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "NOT checked") || !strings.Contains(out, "head: entry") {
				t.Fatalf("without the master key: %s", out)
			}
			out = mustCLI(t, "audit", "verify", "--database-url", dbURL, "--master-key-file", keyFile)
			if !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "keyed hashes checked") {
				t.Fatalf("with --master-key-file: %s", out)
			}
			t.Setenv(envMasterKey, cfg.MasterKey)
			if out := mustCLI(t, "audit", "verify", "--database-url", dbURL); !strings.Contains(out, "keyed hashes checked") {
				t.Fatalf("with %s: %s", envMasterKey, out)
			}

			// Rewrite the whole chain with unkeyed hashes, as anyone who can
			// write the database could: before keyed chains, `lgsp audit
			// verify` called the result intact.
			rewriteUnkeyed(t, dbURL)
			t.Setenv(envMasterKey, "")
			if out := mustCLI(t, "audit", "verify", "--database-url", dbURL); !strings.HasPrefix(out, "OK: ") || !strings.Contains(out, "NOT checked") {
				t.Fatalf("rewritten chain without the key: %s", out)
			}
			out, err = runCLI(t, "", "audit", "verify", "--database-url", dbURL, "--master-key-file", keyFile)
			var ec exitCoder
			if !errors.As(err, &ec) || ec.ExitCode() != 2 || !strings.Contains(out, "BROKEN at entry 1") {
				t.Fatalf("rewritten chain with the key: %v %s", err, out)
			}
			t.Setenv(envMasterKey, "not-base64!")
			if _, err := runCLI(t, "", "audit", "verify", "--database-url", dbURL); err == nil || !strings.Contains(err.Error(), envMasterKey) {
				t.Fatalf("a bad master key: %v", err)
			}
		})
	}
}

// rewriteUnkeyed recomputes every audit entry's hash with the unkeyed
// (version 1) encoding, relinks the entries and moves the recorded head.
func rewriteUnkeyed(t *testing.T, dbURL string) {
	t.Helper()
	ctx := context.Background()
	db := sqltest.OpenURL(t, dbURL)
	rows, err := db.QueryContext(ctx, `SELECT seq, at_ms, actor, role, action, resource_kind, resource_id, before_json, after_json, source FROM registry_audit_log ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		seq, at                                              int64
		actor, role, action, kind, id, before, after, source string
	}
	var all []row
	for rows.Next() {
		var r row
		if err := rows.Scan(&r.seq, &r.at, &r.actor, &r.role, &r.action, &r.kind, &r.id, &r.before, &r.after, &r.source); err != nil {
			t.Fatal(err)
		}
		all = append(all, r)
	}
	rows.Close()
	prev := ""
	for _, r := range all {
		canon, _ := json.Marshal([]any{"lgsp-audit-v1", r.seq, r.at, r.actor, r.role, r.action, r.kind, r.id, r.before, r.after, r.source, prev})
		sum := sha256.Sum256(canon)
		h := hex.EncodeToString(sum[:])
		if _, err := db.ExecContext(ctx, db.Rebind(`UPDATE registry_audit_log SET prev_hash = ?, hash = ? WHERE seq = ?`), prev, h, r.seq); err != nil {
			t.Fatal(err)
		}
		prev = h
	}
	if _, err := db.ExecContext(ctx, db.Rebind(`UPDATE registry_state SET audit_head = ? WHERE id = 1`), prev); err != nil {
		t.Fatal(err)
	}
}
