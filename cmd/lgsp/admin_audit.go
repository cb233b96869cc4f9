package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
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

// NewAuditCommand is `lgsp audit`: verify the audit log's hash chain and
// list entries.
func NewAuditCommand() *cobra.Command {
	o := &adminOptions{}
	cmd := &cobra.Command{Use: "audit", Short: "Audit log / Nhật ký kiểm toán"}
	f := cmd.PersistentFlags()
	f.StringVar(&o.server, "server", "", "admin API base URL (LGSP_ADMIN_URL, default "+defaultAdminURL+")")
	f.StringVar(&o.token, "token", "", "session token (LGSP_ADMIN_TOKEN, default: the saved login)")
	f.StringVarP(&o.output, "output", "o", "table", "output format: table or json")

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
				if err := p.print(r, nil, nil); err != nil {
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

	var (
		actor, kind, id, action string
		since, until            string
		limit                   int
	)
	list := &cobra.Command{
		Use:   "list",
		Short: "List audit entries, newest first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := o.client(true)
			if err != nil {
				return err
			}
			q := url.Values{}
			for k, v := range map[string]string{"actor": actor, "resource_kind": kind, "resource_id": id, "action": action} {
				if v != "" {
					q.Set(k, v)
				}
			}
			for k, v := range map[string]string{"start_time": since, "end_time": until} {
				if v == "" {
					continue
				}
				at, err := time.Parse(time.RFC3339, v)
				if err != nil {
					d, derr := time.ParseDuration(v)
					if derr != nil {
						return fmt.Errorf("--since/--until: want RFC 3339 or a duration ago such as 24h")
					}
					at = time.Now().Add(-d)
				}
				q.Set(k, at.UTC().Format(time.RFC3339Nano))
			}
			entries, err := listAll(cmd, c, "/admin/v1/audit-entries", q, limit, (*registryv1.ListAuditEntriesResponse).GetEntries)
			if err != nil {
				return err
			}
			all := &registryv1.ListAuditEntriesResponse{Entries: entries}
			var rows [][]string
			for _, e := range all.GetEntries() {
				rows = append(rows, []string{fmt.Sprint(e.GetSeq()), ts(e.GetTime(), e.GetTime() != nil), e.GetActor(), e.GetRole(),
					e.GetAction(), e.GetResourceKind(), e.GetResourceId(), orDash(e.GetSourceAddress())})
			}
			return o.printer(cmd).print(all, []string{"SEQ", "TIME", "ACTOR", "ROLE", "ACTION", "KIND", "RESOURCE", "SOURCE"}, rows)
		},
	}
	lf := list.Flags()
	lf.StringVar(&actor, "actor", "", "only this user's entries")
	lf.StringVar(&kind, "kind", "", "resource kind: agency, api, tier, application, credential, subscription, user, key, session")
	lf.StringVar(&id, "resource", "", "resource id")
	lf.StringVar(&action, "action", "", "action: create, update, transition, revoke, approve, login, ...")
	lf.StringVar(&since, "since", "", "from this time (RFC 3339) or this long ago (e.g. 24h)")
	lf.StringVar(&until, "until", "", "before this time (RFC 3339) or this long ago")
	lf.IntVar(&limit, "limit", 100, "at most this many entries")
	cmd.AddCommand(verify, list)
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
