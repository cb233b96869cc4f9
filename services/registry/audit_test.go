package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/migrations"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

func TestAuditChainTamperDetection(t *testing.T) {
	cases := []struct {
		name      string
		tamper    string
		wantSeq   func(n int64) int64
		wantWords string
	}{
		{"content edited", `UPDATE registry_audit_log SET after_json = '{"name":"forged"}' WHERE seq = 3`, func(int64) int64 { return 3 }, "hash"},
		{"actor edited", `UPDATE registry_audit_log SET actor = 'someone-else' WHERE seq = 2`, func(int64) int64 { return 2 }, "hash"},
		{"row deleted", `DELETE FROM registry_audit_log WHERE seq = 4`, func(int64) int64 { return 4 }, "missing"},
		{"tail deleted", `DELETE FROM registry_audit_log WHERE seq = (SELECT MAX(seq) FROM registry_audit_log)`, func(n int64) int64 { return n }, "head"},
		// Re-hashing an edited row is not enough: the next row's link breaks.
		{"row edited and re-hashed", `UPDATE registry_audit_log SET action = 'noop', hash = prev_hash WHERE seq = 2`, func(int64) int64 { return 2 }, "hash"},
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		for _, c := range cases {
			t.Run(strings.ReplaceAll(c.name, " ", "_"), func(t *testing.T) {
				e := newEnv(t, sqltest.Open(t, engineOf(db)), nil)
				e.fixture(t)
				ctx := context.Background()
				rep := must(VerifyChain(ctx, e.db, e.s.auditKey))(t)
				if !rep.OK || rep.Entries < 8 {
					t.Fatalf("untouched chain: %+v", rep)
				}
				n := rep.Entries
				must(e.db.ExecContext(ctx, c.tamper))(t)
				rep = must(VerifyChain(ctx, e.db, e.s.auditKey))(t)
				if rep.OK || rep.FirstBrokenSeq != c.wantSeq(n) || !strings.Contains(rep.Problem, c.wantWords) {
					t.Fatalf("after tampering: %+v, want first broken seq %d (%s)", rep, c.wantSeq(n), c.wantWords)
				}
				// The RPC reports the same.
				r := must(e.s.VerifyAuditChain(adminCtx(), &registryv1.VerifyAuditChainRequest{}))(t)
				if r.GetOk() || r.GetFirstBrokenSeq() != rep.FirstBrokenSeq {
					t.Fatalf("VerifyAuditChain = %v", r)
				}
			})
		}
	})
}

func engineOf(db *sqlstore.DB) string {
	if db.Dialect == sqlstore.Postgres {
		return sqltest.Postgres
	}
	return sqltest.SQLite
}

func TestAuditEntries(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		f := e.fixture(t)
		start := e.clock.Now()
		e.clock.Advance(time.Minute)
		a := must(e.s.CreateApi(adminCtx(), &registryv1.CreateApiRequest{Api: &registryv1.Api{Name: "Secretive", Context: "secretive", Version: "1",
			OwnerAgency: agencyA, Endpoints: []*registryv1.UpstreamEndpoint{{Url: loopbackURL}},
			UpstreamAuth: &registryv1.UpstreamAuth{Type: registryv1.UpstreamAuthType_UPSTREAM_AUTH_TYPE_BASIC, Username: "svc", Password: "upstream-pass-123"}}}))(t).GetApi()
		if !a.GetUpstreamAuth().GetHasSecret() || a.GetUpstreamAuth().GetPassword() != "" {
			t.Fatalf("upstream auth echoed = %v", a.GetUpstreamAuth())
		}
		cred := must(e.s.CreateCredential(adminCtx(), &registryv1.CreateCredentialRequest{ApplicationId: f.appA.GetId(), Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT}))(t)

		all := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{PageSize: 500}))(t).GetEntries()
		for _, en := range all {
			if strings.Contains(en.GetAfterJson()+en.GetBeforeJson(), "upstream-pass-123") || strings.Contains(en.GetAfterJson(), cred.GetSecret()) {
				t.Fatalf("audit entry %d carries a secret", en.GetSeq())
			}
			if en.GetHash() == "" || en.GetActor() == "" || (en.GetActor() != "system" && en.GetSourceAddress() != "192.0.2.7") {
				t.Fatalf("entry %d incomplete: %v", en.GetSeq(), en)
			}
		}
		for i := 1; i < len(all); i++ {
			if all[i-1].GetSeq() <= all[i].GetSeq() || all[i-1].GetPrevHash() != all[i].GetHash() {
				t.Fatal("entries not newest first or not chained")
			}
		}

		byRes := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{ResourceKind: "api", ResourceId: a.GetId()}))(t).GetEntries()
		if len(byRes) != 1 || byRes[0].GetAction() != "create" || byRes[0].GetBeforeJson() != "" || !strings.Contains(byRes[0].GetAfterJson(), "secretive") {
			t.Fatalf("by resource: %v", byRes)
		}
		trans := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{Action: "transition"}))(t).GetEntries()
		if len(trans) != 2 {
			t.Fatalf("transitions: %d, want 2", len(trans))
		}
		if !strings.Contains(trans[0].GetBeforeJson(), "DRAFT") || !strings.Contains(trans[0].GetAfterJson(), "PUBLISHED") {
			t.Fatalf("transition before/after: %s → %s", trans[0].GetBeforeJson(), trans[0].GetAfterJson())
		}
		late := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{StartTime: timestamppb.New(start.Add(time.Second))}))(t).GetEntries()
		if len(late) != 2 {
			t.Fatalf("entries after the minute: %d, want 2 (api and credential)", len(late))
		}
		early := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{EndTime: timestamppb.New(start.Add(time.Second))}))(t).GetEntries()
		if len(early)+len(late) != len(all) {
			t.Fatalf("time ranges split %d into %d + %d", len(all), len(early), len(late))
		}
		actor := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{Actor: "nobody"}))(t).GetEntries()
		if len(actor) != 0 {
			t.Fatalf("actor filter: %d", len(actor))
		}

		// Paging walks every entry exactly once.
		seen, tok := 0, ""
		for {
			r := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{PageSize: 3, PageToken: tok}))(t)
			seen += len(r.GetEntries())
			if tok = r.GetNextPageToken(); tok == "" {
				break
			}
		}
		if seen != len(all) {
			t.Fatalf("paging saw %d of %d", seen, len(all))
		}
	})
}

// TestAuditAppendOnly checks that no statement in the package's source
// updates or deletes audit rows.
func TestAuditAppendOnly(t *testing.T) {
	for _, f := range []string{"write.go", "audit.go"} {
		src := string(must(readFile(f))(t))
		for _, bad := range []string{"UPDATE registry_audit_log", "DELETE FROM registry_audit_log"} {
			if strings.Contains(src, bad) {
				t.Errorf("%s contains %q", f, bad)
			}
		}
	}
}

// rewriteChain does what someone who can write the database can do to the
// whole log: edit entry 3, then recompute every hash with hash, relink
// the entries and move the recorded head.
func rewriteChain(t *testing.T, db *sqlstore.DB, hash func(auditRow) string) {
	t.Helper()
	ctx := context.Background()
	rows := must(db.QueryContext(ctx, `SELECT `+auditColumns+` FROM registry_audit_log ORDER BY seq`))(t)
	var all []auditRow
	for rows.Next() {
		all = append(all, must(scanAudit(rows))(t))
	}
	rows.Close()
	prev := ""
	for _, r := range all {
		if r.Seq == 3 {
			r.After = `{"name":"forged"}`
		}
		r.PrevHash = prev
		r.Hash = hash(r)
		must(db.ExecContext(ctx, db.Rebind(`UPDATE registry_audit_log SET after_json = ?, prev_hash = ?, hash = ? WHERE seq = ?`), r.After, r.PrevHash, r.Hash, r.Seq))(t)
		prev = r.Hash
	}
	must(db.ExecContext(ctx, db.Rebind(`UPDATE registry_state SET audit_head = ? WHERE id = 1`), prev))(t)
}

// Rewriting the whole chain, with the unkeyed hash anyone can compute or
// with a key that is not the registry's, passes a check of the structure
// but not a check with the master key's audit key.
func TestAuditChainRewrite(t *testing.T) {
	attackerKey := must(AuditKey(secretbox.GenerateKey()))(t)
	cases := []struct {
		name string
		hash func(auditRow) string
		want string
	}{
		{"unkeyed", func(r auditRow) string { return r.computeHash() }, "no entry has a keyed hash"},
		{"other_key", func(r auditRow) string { return r.keyedHash(attackerKey) }, "keyed hash does not match"},
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				e := newEnv(t, sqltest.Open(t, engineOf(db)), nil)
				e.fixture(t)
				ctx := context.Background()
				rep := must(VerifyChain(ctx, e.db, e.s.auditKey))(t)
				if !rep.OK || !rep.Keyed || rep.KeyedFrom != 1 || rep.HeadHash == "" {
					t.Fatalf("untouched chain: %+v", rep)
				}
				rewriteChain(t, e.db, c.hash)
				structure := must(VerifyChain(ctx, e.db, nil))(t)
				if !structure.OK || structure.Keyed {
					t.Fatalf("without the key the rewritten chain's structure is intact, and the report must say the keyed hashes were not checked: %+v", structure)
				}
				rep = must(VerifyChain(ctx, e.db, e.s.auditKey))(t)
				if rep.OK || rep.FirstBrokenSeq != 1 || !strings.Contains(rep.Problem, c.want) {
					t.Fatalf("rewritten chain checked with the key: %+v, want broken at 1 (%s)", rep, c.want)
				}
				r := must(e.s.VerifyAuditChain(adminCtx(), &registryv1.VerifyAuditChainRequest{}))(t)
				if r.GetOk() || !r.GetKeyed() || r.GetFirstBrokenSeq() != 1 {
					t.Fatalf("VerifyAuditChain = %v", r)
				}
			})
		}
	})
}

// A log written before the chain was keyed keeps verifying; the registry
// marks the switch with a keyed entry linked to the last unkeyed one, which
// then protects the older entries.
func TestAuditChainUpgrade(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		must(0, db.Migrate(ctx, migrations.FS, ServiceName))(t)
		// The write path as it was: no audit key, unkeyed hashes.
		legacy := &Service{db: db, log: quietLog(), now: time.Now, metrics: newMetrics()}
		for i := range 3 {
			must(legacy.write(ctx, systemActor, func(ctx context.Context, t *wtx) error {
				t.audit("user", fmt.Sprintf("old-%d", i), "create", nil, nil)
				return nil
			}))(t)
		}
		old := must(VerifyChain(ctx, db, nil))(t)
		if !old.OK || old.Entries != 3 || old.KeyedFrom != 0 {
			t.Fatalf("legacy log: %+v", old)
		}

		e := newEnv(t, db, nil)
		rep := must(VerifyChain(ctx, db, e.s.auditKey))(t)
		if !rep.OK || rep.KeyedFrom != 4 || rep.Entries < 4 {
			t.Fatalf("upgraded log: %+v, want keyed from entry 4", rep)
		}
		marker := must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{Action: "key_chain"}))(t).GetEntries()
		if len(marker) != 1 || marker[0].GetSeq() != 4 || marker[0].GetPrevHash() != old.HeadHash {
			t.Fatalf("marker entries: %v", marker)
		}
		// A restart on the keyed log adds no second marker.
		newEnv(t, db, nil, func(c *Config) { c.MasterKey = e.cfg.MasterKey })
		if n := len(must(e.s.ListAuditEntries(adminCtx(), &registryv1.ListAuditEntriesRequest{Action: "key_chain"}))(t).GetEntries()); n != 1 {
			t.Fatalf("%d markers after a restart", n)
		}
		// Another master key does not verify the keyed entries.
		other := must(AuditKey(secretbox.GenerateKey()))(t)
		if rep := must(VerifyChain(ctx, db, other))(t); rep.OK || rep.FirstBrokenSeq != 4 {
			t.Fatalf("checked with another key: %+v", rep)
		}

		// An old entry edited and the unkeyed entries re-hashed: the
		// marker's link (and its keyed hash) no longer match.
		rows := must(db.QueryContext(ctx, `SELECT `+auditColumns+` FROM registry_audit_log WHERE seq <= 3 ORDER BY seq`))(t)
		var olds []auditRow
		for rows.Next() {
			olds = append(olds, must(scanAudit(rows))(t))
		}
		rows.Close()
		prev := ""
		for _, r := range olds {
			if r.Seq == 2 {
				r.Actor = "mallory"
			}
			r.PrevHash = prev
			r.Hash = r.computeHash()
			must(db.ExecContext(ctx, db.Rebind(`UPDATE registry_audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?`), r.Actor, r.PrevHash, r.Hash, r.Seq))(t)
			prev = r.Hash
		}
		if rep := must(VerifyChain(ctx, db, e.s.auditKey))(t); rep.OK || rep.FirstBrokenSeq != 4 {
			t.Fatalf("old entry rewritten: %+v, want broken at the marker", rep)
		}
		// Relinking the marker means recomputing the unkeyed part of its
		// hash and of every later one; their HMACs cannot be recomputed
		// without the key.
		relinkKeyed(t, db, 4, prev)
		if rep := must(VerifyChain(ctx, db, nil))(t); !rep.OK {
			t.Fatalf("test premise: the relinked chain should pass the structural check: %+v", rep)
		}
		if rep := must(VerifyChain(ctx, db, e.s.auditKey))(t); rep.OK || rep.FirstBrokenSeq != 4 || !strings.Contains(rep.Problem, "keyed hash") {
			t.Fatalf("old entry rewritten and the marker relinked: %+v", rep)
		}
	})
}

// relinkKeyed links entry from to prev and recomputes the unkeyed part of
// the hashes from there on, keeping each entry's HMAC, and moves the head:
// all that can be done without the audit key.
func relinkKeyed(t *testing.T, db *sqlstore.DB, from int64, prev string) {
	t.Helper()
	ctx := context.Background()
	rows := must(db.QueryContext(ctx, db.Rebind(`SELECT `+auditColumns+` FROM registry_audit_log WHERE seq >= ? ORDER BY seq`), from))(t)
	var all []auditRow
	for rows.Next() {
		all = append(all, must(scanAudit(rows))(t))
	}
	rows.Close()
	for _, r := range all {
		mac := r.Hash[strings.LastIndex(r.Hash, ":")+1:]
		r.PrevHash = prev
		sum := sha256.Sum256(r.canonV2())
		r.Hash = keyedPrefix + hex.EncodeToString(sum[:]) + ":" + mac
		must(db.ExecContext(ctx, db.Rebind(`UPDATE registry_audit_log SET prev_hash = ?, hash = ? WHERE seq = ?`), r.PrevHash, r.Hash, r.Seq))(t)
		prev = r.Hash
	}
	must(db.ExecContext(ctx, db.Rebind(`UPDATE registry_state SET audit_head = ? WHERE id = 1`), prev))(t)
}

// An entry after the first keyed one cannot go back to an unkeyed hash.
func TestAuditChainNoDowngrade(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		e.fixture(t)
		ctx := context.Background()
		n := must(VerifyChain(ctx, db, e.s.auditKey))(t).Entries
		last := must(scanAudit(db.QueryRowContext(ctx, db.Rebind(`SELECT `+auditColumns+` FROM registry_audit_log WHERE seq = ?`), n)))(t)
		last.Actor = "mallory"
		last.Hash = last.computeHash()
		must(db.ExecContext(ctx, db.Rebind(`UPDATE registry_audit_log SET actor = ?, hash = ? WHERE seq = ?`), last.Actor, last.Hash, n))(t)
		must(db.ExecContext(ctx, db.Rebind(`UPDATE registry_state SET audit_head = ? WHERE id = 1`), last.Hash))(t)
		for _, key := range [][]byte{nil, e.s.auditKey} {
			if rep := must(VerifyChain(ctx, db, key))(t); rep.OK || rep.FirstBrokenSeq != n || !strings.Contains(rep.Problem, "unkeyed after keyed") {
				t.Fatalf("downgraded last entry (key %v): %+v", key != nil, rep)
			}
		}
	})
}
