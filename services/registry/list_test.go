package registry

import (
	"fmt"
	"sort"
	"testing"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// TestListPaging walks a text-keyed list and an integer-keyed one page by
// page, and refuses a token whose key has the wrong type.
func TestListPaging(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		for i := range 5 {
			must(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: fmt.Sprintf("T%d", 4-i), RatePerSecond: 1, Burst: 1}}))(t)
		}
		var names []string
		for tok, pages := "", 0; ; pages++ {
			r := must(e.s.ListTiers(adminCtx(), &registryv1.ListTiersRequest{PageSize: 2, PageToken: tok}))(t)
			for _, tr := range r.GetTiers() {
				names = append(names, tr.GetName())
			}
			if tok = r.GetNextPageToken(); tok == "" {
				if pages != 2 {
					t.Fatalf("%d pages of 2 for 5 tiers, want 3", pages+1)
				}
				break
			}
		}
		if len(names) != 5 || !sort.StringsAreSorted(names) {
			t.Fatalf("tiers by page: %v", names)
		}

		e.agency(t, agencyA)
		for _, n := range []string{"one", "two", "three"} {
			must(e.s.UpdateAgency(adminCtx(), &registryv1.UpdateAgencyRequest{Agency: &registryv1.Agency{Code: agencyA, Name: n}, UpdateMask: mask("name")}))(t)
		}
		var history []string
		for tok := ""; ; {
			r := must(e.s.ListAgencyHistory(adminCtx(), &registryv1.ListAgencyHistoryRequest{Code: agencyA, PageSize: 1, PageToken: tok}))(t)
			for _, h := range r.GetEntries() {
				history = append(history, h.GetName())
			}
			if tok = r.GetNextPageToken(); tok == "" {
				break
			}
		}
		if fmt.Sprint(history) != "[Agency "+agencyA+" one two three]" {
			t.Fatalf("agency history by page: %v", history)
		}

		// A text key where an integer is expected.
		_, err := e.s.ListAgencyHistory(adminCtx(), &registryv1.ListAgencyHistoryRequest{Code: agencyA, PageToken: encodeKey("T1")})
		wantErr(t, err, codes.InvalidArgument, "invalid_page_token")
	})
}
