package adapters

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// TestPurposeRequired: every lookup of a person's data without a legal
// basis or a case is refused with purpose_required, nothing is asked of
// NGSP, and the refusal is in the access log.
func TestPurposeRequired(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	d := e.demo
	e.sim.ResetStats()
	calls := map[string]func(basis, caseRef string) error{
		"citizen": func(b, c string) error {
			_, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: d.SoDinhDanh, LegalBasis: b, CaseRef: c})
			return err
		},
		"birth": func(b, c string) error {
			_, err := e.api.GetBirthRecord(dept(), &pb.GetBirthRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: b, CaseRef: c})
			return err
		},
		"marriage": func(b, c string) error {
			_, err := e.api.GetMarriageRecord(dept(), &pb.GetMarriageRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: b, CaseRef: c})
			return err
		},
		"death": func(b, c string) error {
			_, err := e.api.GetDeathRecord(dept(), &pb.GetDeathRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: b, CaseRef: c})
			return err
		},
		"judicial": func(b, c string) error {
			_, err := e.api.SubmitJudicialRequest(dept(), &pb.SubmitJudicialRequestRequest{RequestId: "p1", CitizenId: d.SoDinhDanh,
				FullName: "Hồ Quang Long", BirthDate: "1985-04-02", CertificateType: 1, LegalBasis: b, CaseRef: c})
			return err
		},
	}
	for name, call := range calls {
		for _, p := range [][2]string{{"", ""}, {basis, ""}, {"", caseRef}, {"   ", "  "}} {
			err := call(p[0], p[1])
			if errCode(err) != "purpose_required" || httpStatus(err) != http.StatusBadRequest {
				t.Errorf("%s with basis %q case %q: %v", name, p[0], p[1], err)
			}
		}
		if err := call(strings.Repeat("x", 301), caseRef); errCode(err) != "invalid_purpose" {
			t.Errorf("%s with a 301-character basis: %v", name, err)
		}
	}
	if _, err := e.api.GetInsuranceHistory(dept(), &pb.GetInsuranceHistoryRequest{InsuranceNumber: d.MaSoBHXH}); errCode(err) != "purpose_required" {
		t.Errorf("insurance: %v", err)
	}
	if n := e.sim.Stats().Total; n != 0 {
		t.Fatalf("%d calls reached NGSP without a purpose", n)
	}
	rep := e.report(d.SoDinhDanh)
	if len(rep) != 5*5 {
		t.Fatalf("%d refusals logged, want 25", len(rep))
	}
	for _, a := range rep {
		if a.GetResult() != resultNoPurpose || a.GetAgency() != agency || a.GetApplicationId() != "app-"+agency {
			t.Fatalf("refusal entry %v", a)
		}
		if len(a.GetLegalBasis()) > 300 {
			t.Fatalf("an oversized basis was kept: %d bytes", len(a.GetLegalBasis()))
		}
	}
}

// TestAccessLog: a thousand lookups by concurrent callers (and refusals,
// failures and an admin) all land in the chain, which verifies; the
// report finds a person's entries with who, when, why and the result,
// paged and as CSV; the person's identifier is nowhere in the database or
// the logs in plain text.
func TestAccessLog(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		d := e.demo
		ids := []string{d.SoDinhDanh, d.UnmarriedSoDinhDanh, d.DeceasedSoDinhDanh, d.IncompleteSoDinhDanh}
		const workers, each = 8, 125
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ctx := as(fmt.Sprintf("000.00.%02d.H56", 30+w))
				for i := range each {
					id := ids[(w+i)%len(ids)]
					_, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: id, LegalBasis: basis,
						CaseRef: fmt.Sprintf("HS-%d-%d", w, i), OfficerId: fmt.Sprintf("cb%d", w)})
					if err != nil && errCode(err) != "national_record_not_found" {
						errs <- err
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		// An admin's lookup goes out as the province's agency.
		if _, err := e.api.GetInsuranceHistory(admin(), &pb.GetInsuranceHistoryRequest{InsuranceNumber: d.MaSoBHXH, LegalBasis: basis, CaseRef: "THANH-TRA-01"}); err != nil {
			t.Fatal(err)
		}
		v, err := e.api.VerifyAccessLog(auditor(), &pb.VerifyAccessLogRequest{})
		if err != nil || !v.GetOk() || v.GetEntries() != workers*each+1 {
			t.Fatalf("verify after %d lookups: %v %v", workers*each+1, v, err)
		}

		// The report of one person: every lookup of them, newest first.
		all := e.report(d.SoDinhDanh)
		if len(all) != workers*each/len(ids) {
			t.Fatalf("report has %d entries, want %d", len(all), workers*each/len(ids))
		}
		for i, a := range all {
			if a.GetApi() != apiCitizen || a.GetResult() != resultFound || a.GetLegalBasis() != basis ||
				!strings.HasPrefix(a.GetCaseRef(), "HS-") || !strings.HasPrefix(a.GetAgency(), "000.00.") || a.GetOfficerId() == "" || a.GetRequestId() == "" {
				t.Fatalf("entry %v", a)
			}
			if i > 0 && a.GetSeq() >= all[i-1].GetSeq() {
				t.Fatal("report not newest first")
			}
		}
		if got := e.report(d.IncompleteSoDinhDanh)[0].GetResult(); got != resultIncomplete {
			t.Fatalf("incomplete record logged as %q", got)
		}
		if got := e.report(d.MaSoBHXH); len(got) != 1 || got[0].GetAgency() != "" || got[0].GetCaseRef() != "THANH-TRA-01" {
			t.Fatalf("insurance report %v", got)
		}

		// Paging and a time window.
		var paged []*pb.AccessEntry
		tok := ""
		for {
			r, err := e.api.GetAccessReport(auditor(), &pb.GetAccessReportRequest{SubjectKind: pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID, Subject: d.SoDinhDanh, PageSize: 70, PageToken: tok})
			if err != nil {
				t.Fatal(err)
			}
			paged = append(paged, r.GetEntries()...)
			if tok = r.GetNextPageToken(); tok == "" {
				break
			}
		}
		if len(paged) != len(all) || paged[len(paged)-1].GetSeq() != all[len(all)-1].GetSeq() {
			t.Fatalf("paged %d entries, want %d", len(paged), len(all))
		}
		future := timestamppb.New(time.Now().Add(time.Hour))
		if r, _ := e.api.GetAccessReport(auditor(), &pb.GetAccessReportRequest{SubjectKind: pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID, Subject: d.SoDinhDanh, From: future}); len(r.GetEntries()) != 0 {
			t.Fatalf("entries after an hour from now: %d", len(r.GetEntries()))
		}

		// The CSV: the same entries, every page.
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodGet, AccessReportCSVPath+"?subjectKind=SUBJECT_KIND_CITIZEN_ID&subject="+d.SoDinhDanh, nil)
		e.s.serveAccessReportCSV(rec, req.WithContext(auditor()))
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\ufeff"))).ReadAll()
		if err != nil || rec.Code != http.StatusOK || len(rows) != len(all)+1 || rows[1][5] != apiCitizen || rows[1][6] != basis {
			t.Fatalf("CSV: HTTP %d, %d rows, %v", rec.Code, len(rows), err)
		}
		rec = httptest.NewRecorder()
		e.s.serveAccessReportCSV(rec, req.WithContext(dept()))
		if rec.Code != http.StatusForbidden {
			t.Fatalf("a department read the CSV: HTTP %d", rec.Code)
		}

		// Never in plain text.
		dump := tables(t, db)
		for _, id := range append(ids, d.MaSoBHXH) {
			if strings.Contains(dump, id) {
				t.Fatalf("the database holds %s in plain text", id)
			}
			if strings.Contains(e.logs.String(), id) {
				t.Fatalf("the logs hold %s in plain text", id)
			}
		}
		if !strings.Contains(dump, e.s.keys.subjectHash(subjectCitizen, d.SoDinhDanh)) {
			t.Fatal("the keyed hash of the subject is not in the log table")
		}
	})
}

// TestAccessLogTamper: an entry edited, removed or added without the key,
// or the last entries cut off, breaks the chain at that entry.
func TestAccessLogTamper(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		for i := range 6 {
			if _, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: fmt.Sprint("HS-", i)}); err != nil {
				t.Fatal(err)
			}
		}
		ctx := context.Background()
		exec := func(q string, args ...any) {
			t.Helper()
			if _, err := db.ExecContext(ctx, db.Rebind(q), args...); err != nil {
				t.Fatal(err)
			}
		}
		verify := func() *pb.VerifyAccessLogResponse {
			t.Helper()
			v, err := e.api.VerifyAccessLog(admin(), &pb.VerifyAccessLogRequest{})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		head := verify()
		if !head.GetOk() || head.GetEntries() != 6 || head.GetHeadSeq() != 6 || len(head.GetHeadHash()) != 64 {
			t.Fatalf("untouched: %v", head)
		}
		// The head an auditor wrote down still verifies; a wrong hash for it
		// does not.
		known := func(seq int64, hash string) *pb.VerifyAccessLogResponse {
			t.Helper()
			v, err := e.api.VerifyAccessLog(auditor(), &pb.VerifyAccessLogRequest{KnownSeq: seq, KnownHash: hash})
			if err != nil {
				t.Fatal(err)
			}
			return v
		}
		if v := known(6, head.GetHeadHash()); !v.GetOk() {
			t.Fatalf("known head: %v", v)
		}
		if v := known(6, strings.Repeat("0", 64)); v.GetOk() || v.GetFirstBadSeq() != 6 {
			t.Fatalf("wrong known hash: %v", v)
		}
		if _, err := e.api.VerifyAccessLog(auditor(), &pb.VerifyAccessLogRequest{KnownSeq: 3}); errCode(err) != "invalid_known_head" {
			t.Fatalf("known seq without hash: %v", err)
		}
		// Whoever covers their tracks changes the case of entry 3.
		exec(`UPDATE adapters_access_log SET case_ref = 'khác' WHERE seq = 3`)
		if v := verify(); v.GetOk() || v.GetFirstBadSeq() != 3 {
			t.Fatalf("edited entry: %v", v)
		}
		exec(`UPDATE adapters_access_log SET case_ref = 'HS-2' WHERE seq = 3`)
		if v := verify(); !v.GetOk() {
			t.Fatalf("restored: %v", v)
		}
		// Removing an entry.
		exec(`DELETE FROM adapters_access_log WHERE seq = 4`)
		if v := verify(); v.GetOk() || v.GetFirstBadSeq() != 4 {
			t.Fatalf("removed entry: %v", v)
		}
		exec(`DELETE FROM adapters_access_log WHERE seq >= 4`)
		// Cutting the end off: the head still names entry 6.
		if v := verify(); v.GetOk() || !strings.Contains(v.GetProblem(), "head") {
			t.Fatalf("cut end: %v", v)
		}
		// Cutting it off and moving the head back too: only the head the
		// auditor wrote down shows it.
		var h3 string
		if err := db.QueryRowContext(ctx, `SELECT hash FROM adapters_access_log WHERE seq = 3`).Scan(&h3); err != nil {
			t.Fatal(err)
		}
		exec(`UPDATE adapters_access_chain SET seq = 3, head = ? WHERE id = 1`, h3)
		if v := verify(); !v.GetOk() {
			t.Fatalf("a consistent shorter chain: %v", v)
		}
		if v := known(6, head.GetHeadHash()); v.GetOk() || !strings.Contains(v.GetProblem(), "gone") {
			t.Fatalf("cut end against the known head: %v", v)
		}
		e.sim.ResetStats()
	})
}

// TestAuditFailureWithholdsData: when the access log cannot be written,
// the person's data does not leave.
func TestAuditFailureWithholdsData(t *testing.T) {
	db := sqltest.Open(t, "sqlite")
	e := newEnv(t, db)
	if _, err := db.ExecContext(context.Background(), `ALTER TABLE adapters_access_log RENAME TO adapters_access_log_gone`); err != nil {
		t.Fatal(err)
	}
	got, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
	if errCode(err) != "audit_unavailable" || httpStatus(err) != http.StatusServiceUnavailable || got != nil {
		t.Fatalf("%v %v, want audit_unavailable 503 and no data", got, err)
	}
	// Business data is not personal: it is answered.
	if _, err := e.api.GetEnterprise(dept(), &pb.GetEnterpriseRequest{EnterpriseCode: e.demo.MSDN}); err != nil {
		t.Fatal(err)
	}
}

// TestSubjectKey: the keyed hash depends on the key, and a service
// started again with the same key finds the entries; New refuses to
// start without a key.
func TestSubjectKey(t *testing.T) {
	db := sqltest.Open(t, "sqlite")
	e := newEnv(t, db)
	if _, err := e.api.GetCitizen(dept(), &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef}); err != nil {
		t.Fatal(err)
	}
	e.start()
	if n := len(e.report(e.demo.SoDinhDanh)); n != 1 {
		t.Fatalf("after a restart with the same key: %d entries", n)
	}
	e.cfg.AuditKey = testKey()
	e.start()
	if n := len(e.report(e.demo.SoDinhDanh)); n != 0 {
		t.Fatalf("another key found %d entries", n)
	}
	if v, _ := e.api.VerifyAccessLog(auditor(), &pb.VerifyAccessLogRequest{}); v.GetOk() {
		t.Fatal("the chain verified under another key")
	}
	cfg := e.cfg
	cfg.AuditKey = ""
	if _, err := New(context.Background(), cfg, db, nil, nil); err == nil || !strings.Contains(err.Error(), "LGSP_ADAPTERS_AUDIT_KEY") {
		t.Fatalf("New without a key: %v", err)
	}
}

// TestReportInput: the report's own refusals.
func TestReportInput(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	now := time.Now()
	for _, c := range []struct {
		req  *pb.GetAccessReportRequest
		code string
	}{
		{&pb.GetAccessReportRequest{Subject: e.demo.SoDinhDanh}, "invalid_subject_kind"},
		{&pb.GetAccessReportRequest{SubjectKind: pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID, Subject: "123"}, "invalid_citizen_id"},
		{&pb.GetAccessReportRequest{SubjectKind: pb.SubjectKind_SUBJECT_KIND_INSURANCE_NUMBER, Subject: "123"}, "invalid_insurance_number"},
		{&pb.GetAccessReportRequest{SubjectKind: pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID, Subject: e.demo.SoDinhDanh, PageToken: "x"}, "invalid_page_token"},
		{&pb.GetAccessReportRequest{SubjectKind: pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID, Subject: e.demo.SoDinhDanh, PageSize: 1001}, "invalid_page_size"},
		{&pb.GetAccessReportRequest{SubjectKind: pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID, Subject: e.demo.SoDinhDanh,
			From: timestamppb.New(now), To: timestamppb.New(now.Add(-time.Hour))}, "invalid_time_range"},
	} {
		if _, err := e.api.GetAccessReport(auditor(), c.req); errCode(err) != c.code || httpStatus(err) != http.StatusBadRequest {
			t.Errorf("%v: %v, want %s", c.req, err, c.code)
		}
	}
}
