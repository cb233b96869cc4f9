package adapters

import (
	"net/http"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// Purpose fields every personal lookup of these tests states.
const (
	basis   = "Luật Cư trú 2020, Điều 22"
	caseRef = "000.00.14.H56-261130-0001"
)

// TestContract calls every adapter against the simulator: a record found
// and mapped, one the national database does not hold (404), and input
// refused before anything left (no call reached NGSP).
func TestContract(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		d := e.demo
		ctx := dept()

		t.Run("business", func(t *testing.T) {
			got, err := e.api.GetEnterprise(ctx, &pb.GetEnterpriseRequest{EnterpriseCode: d.MSDN})
			if err != nil || got.GetEnterprise().GetEnterpriseCode() != d.MSDN || got.GetEnterprise().GetName() == "" ||
				got.GetEnterprise().GetHeadOffice().GetProvinceCode() == "" || len(got.GetEnterprise().GetLegalRepresentatives()) == 0 {
				t.Fatalf("GetEnterprise: %v %v", got, err)
			}
			if fo := got.GetEnterprise().GetFoundedOn(); len(fo) != 10 || fo[4] != '-' {
				t.Errorf("foundedOn %q is not an ISO date", fo)
			}
			if got.GetAnswer().GetSource() != pb.Source_SOURCE_NATIONAL {
				t.Errorf("first answer from %v", got.GetAnswer().GetSource())
			}
			branch, err := e.api.GetEnterprise(ctx, &pb.GetEnterpriseRequest{EnterpriseCode: d.BranchMSDN})
			if err != nil || branch.GetEnterprise().GetParentCode() != d.MSDN {
				t.Fatalf("branch: %v %v", branch, err)
			}
			inc, err := e.api.GetEnterprise(ctx, &pb.GetEnterpriseRequest{EnterpriseCode: d.IncompleteMSDN})
			if err != nil || !inc.GetAnswer().GetIncomplete() {
				t.Fatalf("incomplete record: %v %v", inc, err)
			}
			if _, err := e.api.GetEnterprise(ctx, &pb.GetEnterpriseRequest{EnterpriseCode: "0999999999"}); errCode(err) != "national_record_not_found" || httpStatus(err) != http.StatusNotFound {
				t.Fatalf("unknown enterprise: %v", err)
			}
			found, err := e.api.SearchEnterprises(ctx, &pb.SearchEnterprisesRequest{Name: d.SearchName, Limit: 5})
			if err != nil || found.GetTotal() < 1 || len(found.GetEnterprises()) == 0 {
				t.Fatalf("search: %v %v", found, err)
			}
			from, _ := time.Parse("02/01/2006", d.ChangesFrom)
			to, _ := time.Parse("02/01/2006", d.ChangesTo)
			ch, err := e.api.ListEnterpriseChanges(ctx, &pb.ListEnterpriseChangesRequest{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)})
			if err != nil || ch.GetTotal() == 0 || ch.GetEnterprises()[0].GetLastChangedOn() == "" {
				t.Fatalf("changes %s…%s: %v %v", d.ChangesFrom, d.ChangesTo, ch, err)
			}
		})

		t.Run("population", func(t *testing.T) {
			got, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef, OfficerId: "cb01"})
			c := got.GetCitizen()
			if err != nil || c.GetCitizenId() != d.SoDinhDanh || c.GetFullName() == "" || c.GetPermanentResidence().GetFull() == "" || c.GetGender().GetName() == "" {
				t.Fatalf("GetCitizen: %v %v", got, err)
			}
			// A declared identity that matches, and one that does not.
			if _, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: d.SoDinhDanh, FullName: c.GetFullName(), BirthDate: c.GetBirthDate(), LegalBasis: basis, CaseRef: caseRef}); err != nil {
				t.Fatalf("matching identity: %v", err)
			}
			if _, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: d.SoDinhDanh, FullName: "Nguyễn Văn Không Khớp", LegalBasis: basis, CaseRef: caseRef}); errCode(err) != "national_invalid_request" || httpStatus(err) != http.StatusBadRequest {
				t.Fatalf("mismatching identity: %v", err)
			}
			inc, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: d.IncompleteSoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			if err != nil || !inc.GetAnswer().GetIncomplete() {
				t.Fatalf("incomplete: %v %v", inc, err)
			}
			if _, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: "001099000001", LegalBasis: basis, CaseRef: caseRef}); errCode(err) != "national_record_not_found" {
				t.Fatalf("unknown citizen: %v", err)
			}
		})

		t.Run("civil status", func(t *testing.T) {
			b, err := e.api.GetBirthRecord(ctx, &pb.GetBirthRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			if err != nil || b.GetRecord().GetCitizenId() != d.SoDinhDanh || b.GetRecord().GetRegistration().GetNumber() == "" {
				t.Fatalf("birth: %v %v", b, err)
			}
			m, err := e.api.GetMarriageRecord(ctx, &pb.GetMarriageRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			if err != nil || m.GetRecord().GetHusband().GetFullName() == "" || m.GetRecord().GetWife().GetFullName() == "" || m.GetRecord().GetStatus() == "" {
				t.Fatalf("marriage: %v %v", m, err)
			}
			if _, err := e.api.GetMarriageRecord(ctx, &pb.GetMarriageRecordRequest{CitizenId: d.UnmarriedSoDinhDanh, LegalBasis: basis, CaseRef: caseRef}); errCode(err) != "national_record_not_found" {
				t.Fatalf("unmarried: %v", err)
			}
			dr, err := e.api.GetDeathRecord(ctx, &pb.GetDeathRecordRequest{CitizenId: d.DeceasedSoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			if err != nil || dr.GetRecord().GetDiedOn() == "" || dr.GetRecord().GetRegistration().GetNumber() == "" {
				t.Fatalf("death: %v %v", dr, err)
			}
			if _, err := e.api.GetDeathRecord(ctx, &pb.GetDeathRecordRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef}); errCode(err) != "national_record_not_found" {
				t.Fatalf("living person's death record: %v", err)
			}
			st, err := e.api.GetCivilRegistrationStatus(ctx, &pb.GetCivilRegistrationStatusRequest{DossierNumber: d.SoHoSo})
			if err != nil || st.GetStatus().GetStatus().GetCode() == "" || st.GetStatus().GetReceivedOn() == "" {
				t.Fatalf("registration status: %v %v", st, err)
			}
		})

		t.Run("judicial", func(t *testing.T) {
			c, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: d.SoDinhDanh, LegalBasis: basis, CaseRef: caseRef})
			if err != nil {
				t.Fatal(err)
			}
			req := &pb.SubmitJudicialRequestRequest{RequestId: "req-1", CitizenId: d.SoDinhDanh, FullName: c.GetCitizen().GetFullName(),
				BirthDate: c.GetCitizen().GetBirthDate(), CertificateType: 1, Phone: "0912345678", LegalBasis: "Luật Lý lịch tư pháp 2009, Điều 45", CaseRef: caseRef}
			first, err := e.api.SubmitJudicialRequest(ctx, req)
			if err != nil || first.GetRequest().GetReceiptNumber() == "" || first.GetRequest().GetStatus().GetCode() == "" {
				t.Fatalf("submit: %v %v", first, err)
			}
			if r := e.report(d.SoDinhDanh); r[0].GetResult() != resultSubmitted || r[0].GetApi() != apiJudicial {
				t.Fatalf("access log of the submission: %v", r[0])
			}
			again, err := e.api.SubmitJudicialRequest(ctx, req)
			if err != nil || again.GetRequest().GetReceiptNumber() != first.GetRequest().GetReceiptNumber() {
				t.Fatalf("the same request_id filed twice: %v then %v (%v)", first, again, err)
			}
			st, err := e.api.GetJudicialRequest(ctx, &pb.GetJudicialRequestRequest{ReceiptNumber: first.GetRequest().GetReceiptNumber()})
			if err != nil || st.GetRequest().GetRequestId() != "req-1" || st.GetRequest().GetStatus().GetCode() == "" {
				t.Fatalf("status: %v %v", st, err)
			}
			if _, err := e.api.GetJudicialRequest(ctx, &pb.GetJudicialRequestRequest{ReceiptNumber: "LLTP-999999"}); errCode(err) != "national_record_not_found" {
				t.Fatalf("unknown receipt: %v", err)
			}
		})

		t.Run("insurance", func(t *testing.T) {
			h, err := e.api.GetInsuranceHistory(ctx, &pb.GetInsuranceHistoryRequest{InsuranceNumber: d.MaSoBHXH, LegalBasis: basis, CaseRef: caseRef})
			if err != nil || h.GetHistory().GetInsuranceNumber() != d.MaSoBHXH || len(h.GetHistory().GetPeriods()) == 0 {
				t.Fatalf("insurance: %v %v", h, err)
			}
			if p := h.GetHistory().GetPeriods()[0].GetFromMonth(); len(p) != 7 || p[4] != '-' {
				t.Errorf("fromMonth %q is not yyyy-MM", p)
			}
			if _, err := e.api.GetInsuranceHistory(ctx, &pb.GetInsuranceHistoryRequest{InsuranceNumber: "0000000001", LegalBasis: basis, CaseRef: caseRef}); errCode(err) != "national_record_not_found" {
				t.Fatalf("unknown number: %v", err)
			}
		})

		t.Run("catalogs", func(t *testing.T) {
			list, err := e.api.ListCatalogs(ctx, &pb.ListCatalogsRequest{})
			if err != nil || len(list.GetCatalogs()) == 0 {
				t.Fatalf("list: %v %v", list, err)
			}
			code := list.GetCatalogs()[0].GetCode()
			cat, err := e.api.GetCatalog(ctx, &pb.GetCatalogRequest{Code: code})
			if err != nil || cat.GetInfo().GetCode() != code || len(cat.GetItems()) == 0 {
				t.Fatalf("catalog %s: %v %v", code, cat, err)
			}
			if _, err := e.api.GetCatalog(ctx, &pb.GetCatalogRequest{Code: "NO_SUCH_CATALOG"}); errCode(err) != "national_record_not_found" {
				t.Fatalf("unknown catalog: %v", err)
			}
		})
	})
}

// TestInputRefusedLocally: bad identifiers and parameters are refused
// with their own code before anything leaves the province.
func TestInputRefusedLocally(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	ctx := dept()
	e.sim.ResetStats()
	for _, c := range []struct {
		name string
		call func() error
		code string
	}{
		{"enterprise 9 digits", func() error {
			_, err := e.api.GetEnterprise(ctx, &pb.GetEnterpriseRequest{EnterpriseCode: "010954900"})
			return err
		}, "invalid_enterprise_code"},
		{"enterprise branch 10-2", func() error {
			_, err := e.api.GetEnterprise(ctx, &pb.GetEnterpriseRequest{EnterpriseCode: "0109549006-01"})
			return err
		}, "invalid_enterprise_code"},
		{"search one letter", func() error {
			_, err := e.api.SearchEnterprises(ctx, &pb.SearchEnterprisesRequest{Name: "a"})
			return err
		}, "invalid_search_name"},
		{"search province", func() error {
			_, err := e.api.SearchEnterprises(ctx, &pb.SearchEnterprisesRequest{Name: "sao mai", ProvinceCode: "95"})
			return err
		}, "invalid_province_code"},
		{"search limit", func() error {
			_, err := e.api.SearchEnterprises(ctx, &pb.SearchEnterprisesRequest{Name: "sao mai", Limit: 101})
			return err
		}, "invalid_limit"},
		{"changes over 5 days", func() error {
			_, err := e.api.ListEnterpriseChanges(ctx, &pb.ListEnterpriseChangesRequest{From: "2026-11-01", To: "2026-11-07"})
			return err
		}, "invalid_date_range"},
		{"changes 6 days counting both ends", func() error {
			_, err := e.api.ListEnterpriseChanges(ctx, &pb.ListEnterpriseChangesRequest{From: "2026-11-01", To: "2026-11-06"})
			return err
		}, "invalid_date_range"},
		{"changes reversed", func() error {
			_, err := e.api.ListEnterpriseChanges(ctx, &pb.ListEnterpriseChangesRequest{From: "2026-11-05", To: "2026-11-01"})
			return err
		}, "invalid_date_range"},
		{"changes bad date", func() error {
			_, err := e.api.ListEnterpriseChanges(ctx, &pb.ListEnterpriseChangesRequest{From: "2026-13-01", To: "2026-11-01"})
			return err
		}, "invalid_date"},
		{"citizen 11 digits", func() error {
			_, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: "00108573625", LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_citizen_id"},
		{"citizen bad province", func() error {
			_, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: "003085736253", LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_citizen_id"},
		{"citizen born in the future", func() error {
			_, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: "001299736253", LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_citizen_id"},
		{"citizen bad birth date", func() error {
			_, err := e.api.GetCitizen(ctx, &pb.GetCitizenRequest{CitizenId: e.demo.SoDinhDanh, BirthDate: "31/02/1990", LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_birth_date"},
		{"birth record bad id", func() error {
			_, err := e.api.GetBirthRecord(ctx, &pb.GetBirthRecordRequest{CitizenId: "abc", LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_citizen_id"},
		{"dossier number", func() error {
			_, err := e.api.GetCivilRegistrationStatus(ctx, &pb.GetCivilRegistrationStatusRequest{DossierNumber: "x y"})
			return err
		}, "invalid_dossier_number"},
		{"judicial no request id", func() error {
			_, err := e.api.SubmitJudicialRequest(ctx, &pb.SubmitJudicialRequestRequest{CitizenId: e.demo.SoDinhDanh, FullName: "A", BirthDate: "1990-01-01", CertificateType: 1, LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_request_id"},
		{"judicial certificate type", func() error {
			_, err := e.api.SubmitJudicialRequest(ctx, &pb.SubmitJudicialRequestRequest{RequestId: "r", CitizenId: e.demo.SoDinhDanh, FullName: "A", BirthDate: "1990-01-01", CertificateType: 3, LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_certificate_type"},
		{"judicial phone", func() error {
			_, err := e.api.SubmitJudicialRequest(ctx, &pb.SubmitJudicialRequestRequest{RequestId: "r", CitizenId: e.demo.SoDinhDanh, FullName: "A", BirthDate: "1990-01-01", CertificateType: 1, Phone: "12345", LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_phone"},
		{"receipt number", func() error {
			_, err := e.api.GetJudicialRequest(ctx, &pb.GetJudicialRequestRequest{ReceiptNumber: "a b"})
			return err
		}, "invalid_receipt_number"},
		{"insurance 9 digits", func() error {
			_, err := e.api.GetInsuranceHistory(ctx, &pb.GetInsuranceHistoryRequest{InsuranceNumber: "012345678", LegalBasis: basis, CaseRef: caseRef})
			return err
		}, "invalid_insurance_number"},
		{"catalog code", func() error {
			_, err := e.api.GetCatalog(ctx, &pb.GetCatalogRequest{Code: "tinh thanh"})
			return err
		}, "invalid_catalog_code"},
	} {
		err := c.call()
		if errCode(err) != c.code || httpStatus(err) != http.StatusBadRequest {
			t.Errorf("%s: %v (HTTP %d), want %s 400", c.name, err, httpStatus(err), c.code)
		}
		b, _ := apierr.FromError(err)
		if b.Message == "" || b.MessageVI == "" {
			t.Errorf("%s: the message is not in both languages: %+v", c.name, b)
		}
	}
	// The catalog warm-up is not running in this test: nothing reached NGSP.
	if n := e.sim.Stats().Total; n != 0 {
		t.Errorf("%d calls reached NGSP, want none", n)
	}
}
