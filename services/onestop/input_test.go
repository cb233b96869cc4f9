package onestop

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
)

// TestConcurrentCodes creates dossiers from many goroutines at two
// agencies: each agency's numbers of the day are 1…n, no gap, no
// duplicate, on both engines.
func TestConcurrentCodes(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		const per = 60
		var mu sync.Mutex
		got := map[string][]string{}
		var wg sync.WaitGroup
		for _, ag := range []string{commune1, commune2} {
			for range per {
				wg.Add(1)
				go func() {
					defer wg.Done()
					resp, err := e.api.CreateDossier(as(ag), &pb.CreateDossierRequest{ProcedureCode: procCode, Applicant: citizen()})
					if err != nil {
						t.Error(err)
						return
					}
					mu.Lock()
					got[ag] = append(got[ag], resp.GetDossier().GetCode())
					mu.Unlock()
				}()
			}
		}
		wg.Wait()
		day := time.Now().In(hcm).Format("060102")
		for _, ag := range []string{commune1, commune2} {
			codes := got[ag]
			slices.Sort(codes)
			if len(codes) != per {
				t.Fatalf("%s: %d codes, want %d", ag, len(codes), per)
			}
			for i, c := range codes {
				if want := fmt.Sprintf("%s-%s-%04d", ag, day, i+1); c != want {
					t.Fatalf("%s: code %d is %s, want %s", ag, i, c, want)
				}
			}
		}
	})
}

// TestCreateOnce: the same request_id answers the first dossier, also
// when the two creates race.
func TestCreateOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		var wg sync.WaitGroup
		codes := make([]string, 8)
		created := make([]bool, 8)
		for i := range codes {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resp, err := e.api.CreateDossier(as(commune1), &pb.CreateDossierRequest{RequestId: "mc-2026-000123", ProcedureCode: procCode, Applicant: citizen()})
				if err != nil {
					t.Error(err)
					return
				}
				codes[i], created[i] = resp.GetDossier().GetCode(), resp.GetCreated()
			}()
		}
		wg.Wait()
		n := 0
		for i := range codes {
			if codes[i] != codes[0] {
				t.Errorf("request %d got %s, request 0 got %s", i, codes[i], codes[0])
			}
			if created[i] {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d answers say created, want 1", n)
		}
		// The next dossier of the day has number 2: no number was burnt.
		d := e.create(commune1, time.Time{})
		if want := fmt.Sprintf("%s-%s-0002", commune1, time.Now().In(hcm).Format("060102")); d.GetCode() != want {
			t.Errorf("next code %s, want %s", d.GetCode(), want)
		}
		// Another agency's same request id is its own.
		other, err := e.api.CreateDossier(as(commune2), &pb.CreateDossierRequest{RequestId: "mc-2026-000123", ProcedureCode: procCode, Applicant: citizen()})
		if err != nil || !other.GetCreated() {
			t.Errorf("other agency, same request id: %v %v", other, err)
		}
	})
}

// TestBadInput: every refusal has its stable code, and nothing is written.
func TestBadInput(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		d := e.create(commune1, time.Time{})
		base := func() *pb.CreateDossierRequest {
			return &pb.CreateDossierRequest{ProcedureCode: procCode, Applicant: citizen()}
		}
		cases := []struct {
			name string
			mut  func(r *pb.CreateDossierRequest)
			want string
		}{
			{"unknown procedure", func(r *pb.CreateDossierRequest) { r.ProcedureCode = "1.999999.000.00.00.H56" }, "unknown_procedure"},
			{"malformed procedure", func(r *pb.CreateDossierRequest) { r.ProcedureCode = "TT-01" }, "invalid_procedure_code"},
			{"citizen ID of 11 digits", func(r *pb.CreateDossierRequest) { r.Applicant.Id = "05609000123" }, "invalid_citizen_id"},
			{"citizen ID with letters", func(r *pb.CreateDossierRequest) { r.Applicant.Id = "05609000123A" }, "invalid_citizen_id"},
			{"citizen ID of no province", func(r *pb.CreateDossierRequest) { r.Applicant.Id = "099090001234" }, "invalid_citizen_id"},
			{"citizen born in the future", func(r *pb.CreateDossierRequest) { r.Applicant.Id = "056399001234" }, "invalid_citizen_id"},
			{"enterprise code", func(r *pb.CreateDossierRequest) {
				r.Applicant = &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_BUSINESS, Id: "01234567-01", Name: "Công ty TNHH A"}
			}, "invalid_enterprise_code"},
			{"no applicant kind", func(r *pb.CreateDossierRequest) { r.Applicant.Kind = 0 }, "invalid_applicant_kind"},
			{"no applicant name", func(r *pb.CreateDossierRequest) { r.Applicant.Name = " " }, "missing_applicant_name"},
			{"received tomorrow", func(r *pb.CreateDossierRequest) { r.ReceivedAt = tsOf(time.Now().Add(24 * time.Hour)) }, "date_in_future"},
			{"initial status 4", func(r *pb.CreateDossierRequest) { r.Status = 4 }, "invalid_initial_status"},
			{"receiving agency of another", func(r *pb.CreateDossierRequest) { r.ReceivingAgency = commune2 }, "forbidden"},
		}
		for _, c := range cases {
			r := base()
			c.mut(r)
			if _, err := e.api.CreateDossier(as(commune1), r); errCode(err) != c.want {
				t.Errorf("%s: %v, want %s", c.name, err, c.want)
			}
		}
		// An agency that is not a one-stop unit.
		if _, err := e.api.CreateDossier(as(otherAgencyNoUnit), base()); errCode(err) != "unknown_agency" {
			t.Errorf("unknown agency: %v", err)
		}
		// Businesses: 10 digits, or 10-3 for a branch.
		for _, id := range []string{"0312345678", "0312345678-001"} {
			r := base()
			r.Applicant = &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_BUSINESS, Id: id, Name: "Công ty TNHH A"}
			if _, err := e.api.CreateDossier(as(commune1), r); err != nil {
				t.Errorf("enterprise %s: %v", id, err)
			}
		}
		changes := []struct {
			name string
			call func() error
			want string
		}{
			{"malformed code", func() error {
				_, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: "HS-1", Status: 4})
				return err
			}, "invalid_dossier_code"},
			{"unknown code", func() error {
				_, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: commune1 + "-200101-0001", Status: 4})
				return err
			}, "dossier_not_found"},
			{"status 11", func() error {
				_, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: d.GetCode(), Status: 11})
				return err
			}, "invalid_status"},
			{"2 → 9", func() error {
				_, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: d.GetCode(), Status: 9})
				return err
			}, "illegal_transition"},
			{"change dated tomorrow", func() error {
				_, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: d.GetCode(), Status: 4, At: tsOf(time.Now().Add(24 * time.Hour))})
				return err
			}, "date_in_future"},
			{"change before receipt", func() error {
				_, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: d.GetCode(), Status: 4, At: tsOf(time.Now().Add(-48 * time.Hour))})
				return err
			}, "date_before_receipt"},
			{"another agency's dossier", func() error {
				_, err := e.api.ChangeStatus(as(commune2), &pb.ChangeStatusRequest{Code: d.GetCode(), Status: 4})
				return err
			}, "dossier_not_found"},
			{"empty step", func() error {
				_, err := e.api.AddStep(as(commune1), &pb.AddStepRequest{Code: d.GetCode()})
				return err
			}, "missing_step_content"},
			{"transfer to the same agency", func() error {
				_, err := e.api.TransferDossier(as(commune1), &pb.TransferDossierRequest{Code: d.GetCode(), ToAgency: commune1})
				return err
			}, "duplicate_transfer"},
			{"transfer two levels up", func() error {
				_, err := e.api.TransferDossier(as(commune1), &pb.TransferDossierRequest{Code: d.GetCode(), ToAgency: province})
				return err
			}, "transfer_level"},
			{"transfer to an unknown unit", func() error {
				_, err := e.api.TransferDossier(as(commune1), &pb.TransferDossierRequest{Code: d.GetCode(), ToAgency: otherAgencyNoUnit})
				return err
			}, "unknown_agency"},
		}
		for _, c := range changes {
			if err := c.call(); errCode(err) != c.want {
				t.Errorf("%s: %v, want %s", c.name, err, c.want)
			}
		}
		// Illegal transitions name the current state and the next ones.
		_, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: d.GetCode(), Status: 10})
		if msg := err.Error(); !containsAll(msg, "status 2", "3, 4, 5, 7, 8") {
			t.Errorf("illegal transition message: %s", msg)
		}
		// Nothing half-written: the first dossier is as created, and only
		// the two business dossiers were added.
		got, err := e.api.GetDossier(as(commune1), &pb.GetDossierRequest{Code: d.GetCode()})
		if err != nil || len(got.GetDossier().GetTrail()) != 1 || got.GetDossier().GetStatus() != stReceived {
			t.Errorf("after refusals: %v %v", got, err)
		}
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM onestop_dossiers`).Scan(&n); err != nil || n != 3 {
			t.Errorf("%d dossiers stored, want 3 (%v)", n, err)
		}
		if err := db.QueryRow(`SELECT COUNT(*) FROM onestop_sync`).Scan(&n); err != nil || n != 3 {
			t.Errorf("%d outbox items, want 3 (%v)", n, err)
		}
	})
}

// otherAgencyNoUnit is in the registry but not a one-stop unit.
const otherAgencyNoUnit = "000.00.00.G22"

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
