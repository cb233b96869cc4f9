package registry

import (
	"context"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
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
