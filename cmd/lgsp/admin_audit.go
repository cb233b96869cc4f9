package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
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

	var dbURL string
	verify := &cobra.Command{
		Use:   "verify",
		Short: "Check the audit log's hash chain (exit status 2 when broken)",
		Long: `Recompute the hash chain of the registry's audit log. With --database-url
(or LGSP_DATABASE_URL) it reads the database directly, which also works
while the platform is down; otherwise it asks the admin API.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.output != "table" && o.output != "json" {
				return fmt.Errorf("--output must be table or json, not %q", o.output)
			}
			var r *registryv1.VerifyAuditChainResponse
			if u := firstNonEmpty(dbURL, os.Getenv(sqlstore.EnvURL)); u != "" {
				rep, err := verifyInDatabase(cmd.Context(), u)
				if err != nil {
					return err
				}
				r = &registryv1.VerifyAuditChainResponse{Ok: rep.OK, Entries: rep.Entries, FirstBrokenSeq: rep.FirstBrokenSeq, Problem: rep.Problem}
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
			} else if r.GetOk() {
				fmt.Fprintf(p.w, "OK: %d entries, chain intact / chuỗi toàn vẹn\n", r.GetEntries())
			} else {
				fmt.Fprintf(p.w, "BROKEN at entry %d: %s\n", r.GetFirstBrokenSeq(), r.GetProblem())
			}
			if !r.GetOk() {
				return errChainBroken{seq: r.GetFirstBrokenSeq()}
			}
			return nil
		},
	}
	verify.Flags().StringVar(&dbURL, "database-url", "", "verify directly in this database ("+sqlstore.EnvURL+")")
	cmd.AddCommand(verify, o.command(auditListOp))
	return cmd
}

func verifyInDatabase(ctx context.Context, rawURL string) (registry.ChainReport, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	db, err := sqlstore.Open(ctx, rawURL)
	if err != nil {
		return registry.ChainReport{}, err
	}
	defer db.Close()
	rep, err := registry.VerifyChain(ctx, db)
	if err != nil {
		return rep, errors.Join(errors.New("the database has no registry audit log (wrong --database-url?)"), err)
	}
	return rep, nil
}
