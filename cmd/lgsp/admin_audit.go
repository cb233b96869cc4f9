package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// errChainBroken makes `lgsp audit verify` exit with status 2 when the
// chain is broken, distinct from 1 for errors.
type errChainBroken struct{ seq int64 }

func (e errChainBroken) Error() string {
	return fmt.Sprintf("audit chain broken at entry %d / chuỗi nhật ký kiểm toán bị phá vỡ tại bản ghi %d", e.seq, e.seq)
}
func (errChainBroken) ExitCode() int { return 2 }

// auditListOp is `lgsp audit list`.
var auditListOp = op{
	use: "list", short: "List audit entries, newest first",
	rpc: "ListAuditEntries", route: "GET /admin/v1/audit-entries", limit: 100,
	flags: []param{
		flag("actor", "actor", "only this user's entries"),
		flag("kind", "resource_kind", "resource kind: agency, api, tier, application, credential, subscription, user, key, session"),
		flag("resource", "resource_id", "resource id"),
		flag("action", "action", "action: create, update, transition, revoke, approve, login, ..."),
		flag("since", "start_time", "from this time (RFC 3339) or this long ago (e.g. 24h)").as(timeAgo),
		flag("until", "end_time", "before this time (RFC 3339) or this long ago").as(timeAgo),
	},
	show: table(&registryv1.AuditEntry{}, "seq time actor role action resourceKind resourceId sourceAddress"),
}

// NewAuditCommand is `lgsp audit`: verify the audit log's hash chain and
// list entries.
func NewAuditCommand() *cobra.Command {
	o := &adminOptions{}
	cmd := &cobra.Command{Use: "audit", Short: "Audit log / Nhật ký kiểm toán"}
	o.register(cmd.PersistentFlags())

	var dbURL, keyFile string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain (exit status 2 when broken)",
		Long: `Recompute the hash chain of the registry's audit log. With --database-url
(or LGSP_DATABASE_URL) it reads the database directly, which also works
while the platform is down; otherwise it asks the admin API, and the
registry checks the chain with its own key.

Entries are keyed with an HMAC under a key derived from the master key,
which the database does not hold. Reading the database directly, the keyed
hashes are checked only with the master key (LGSP_MASTER_KEY, or
--master-key-file; in dev mode <data>/master.key). Without it only the
unkeyed structure is checked, which does not detect a rewrite of the whole
chain by someone who can write the database; the output says so.

The output ends with the hash of the last entry: keep it outside the
database, since removing entries from the end of the log and moving the
recorded head back with them is only visible against an earlier head.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.output != "table" && o.output != "json" {
				return fmt.Errorf("--output must be table or json, not %q", o.output)
			}
			var r *registryv1.VerifyAuditChainResponse
			if u := firstNonEmpty(dbURL, os.Getenv(sqlstore.EnvURL)); u != "" {
				key, err := auditKey(keyFile)
				if err != nil {
					return err
				}
				rep, err := verifyInDatabase(cmd.Context(), u, key)
				if err != nil {
					return err
				}
				r = registry.ChainResponse(rep)
			} else {
				c, err := o.client(true)
				if err != nil {
					return err
				}
				r = &registryv1.VerifyAuditChainResponse{}
				if err := c.call(cmd.Context(), http.MethodGet, "/admin/v1/audit-entries:verify", nil, nil, r); err != nil {
					return err
				}
			}
			p := o.printer(cmd)
			if p.format == "json" {
				if err := p.json(r); err != nil {
					return err
				}
			} else {
				printChain(p.w, r)
			}
			if !r.GetOk() {
				return errChainBroken{seq: r.GetFirstBrokenSeq()}
			}
			return nil
		},
	}
	verify.Flags().StringVar(&dbURL, "database-url", "", "verify directly in this database ("+sqlstore.EnvURL+")")
	verify.Flags().StringVar(&keyFile, "master-key-file", "", "file holding the master key, to check the keyed hashes with --database-url (or set "+envMasterKey+")")
	cmd.AddCommand(verify, o.command(auditListOp))
	return cmd
}

// envMasterKey is the registry's master key setting.
const envMasterKey = "LGSP_MASTER_KEY"

// auditKey returns the audit chain key from --master-key-file or
// LGSP_MASTER_KEY, or nil when neither is given.
func auditKey(file string) ([]byte, error) {
	mk := os.Getenv(envMasterKey)
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return nil, fmt.Errorf("--master-key-file: %w", err)
		}
		mk = string(b)
	}
	if strings.TrimSpace(mk) == "" {
		return nil, nil
	}
	return registry.AuditKey(mk)
}

func printChain(w io.Writer, r *registryv1.VerifyAuditChainResponse) {
	if !r.GetOk() {
		fmt.Fprintf(w, "BROKEN at entry %d: %s\n", r.GetFirstBrokenSeq(), r.GetProblem())
		return
	}
	switch {
	case r.GetEntries() == 0:
		fmt.Fprintf(w, "OK: the audit log is empty / nhật ký kiểm toán trống\n")
		return
	case r.GetKeyed():
		fmt.Fprintf(w, "OK: %d entries, chain intact, keyed hashes checked / chuỗi toàn vẹn, đã kiểm tra mã khóa (HMAC)\n", r.GetEntries())
	default:
		fmt.Fprintf(w, "OK: %d entries, structure intact; keyed hashes NOT checked without the master key (%s or --master-key-file): "+
			"a rewrite of the whole chain would not show / cấu trúc chuỗi toàn vẹn; CHƯA kiểm tra mã khóa vì thiếu khóa chủ: "+
			"chuỗi bị viết lại toàn bộ sẽ không bị phát hiện\n", r.GetEntries(), envMasterKey)
	}
	if from := r.GetKeyedFromSeq(); from > 1 {
		fmt.Fprintf(w, "entries 1 to %d predate keyed hashes; they are protected by entry %d's link to them / "+
			"các bản ghi 1 đến %d có trước khi dùng mã khóa; chúng được bảo vệ bởi liên kết của bản ghi %d\n", from-1, from, from-1, from)
	}
	fmt.Fprintf(w, "head: entry %d, hash %s (keep it outside the database / lưu giá trị này bên ngoài cơ sở dữ liệu)\n", r.GetEntries(), r.GetHeadHash())
}

func verifyInDatabase(ctx context.Context, rawURL string, key []byte) (registry.ChainReport, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	db, err := sqlstore.Open(ctx, rawURL)
	if err != nil {
		return registry.ChainReport{}, err
	}
	defer db.Close()
	rep, err := registry.VerifyChain(ctx, db, key)
	if err != nil {
		return rep, errors.Join(errors.New("the database has no registry audit log (wrong --database-url?)"), err)
	}
	return rep, nil
}
