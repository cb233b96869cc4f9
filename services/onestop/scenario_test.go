package onestop

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
)

// TestScenario runs a dossier from receipt at a commune through a transfer
// to the district, a supplement request across the Lunar New Year and the
// result, and checks that the portal simulator received every change once
// and in order, that each level sees what it handles, that the events
// reached NATS and that the statistics add up with the portal's.
func TestScenario(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		// Wednesday before Tết 2026 (the break is 14–22 February): 3
		// working days are Thursday 12, Friday 13 and Monday 23.
		d := e.create(commune1, hcmTime(2026, 2, 11, 9, 0))
		if want := hcmTime(2026, 2, 23, 17, 0); !d.GetDueAt().AsTime().Equal(want) {
			t.Fatalf("due %v, want %v", d.GetDueAt().AsTime().In(dvcqg.Zone), want)
		}
		code := d.GetCode()
		if want := commune1 + "-260211-0001"; code != want {
			t.Fatalf("code %s, want %s", code, want)
		}
		e.status(commune1, code, stProcessing, hcmTime(2026, 2, 11, 10, 0), "Thụ lý")
		if _, err := e.api.AddStep(as(commune1), &pb.AddStepRequest{Code: code, Content: "Kiểm tra thành phần hồ sơ", At: tsOf(hcmTime(2026, 2, 11, 11, 0)),
			Actor: &pb.Actor{Name: "Trần Văn B", Title: "Công chức tư pháp", Department: "Tư pháp - Hộ tịch"}}); err != nil {
			t.Fatal(err)
		}
		tr, err := e.api.TransferDossier(as(commune1), &pb.TransferDossierRequest{Code: code, ToAgency: district, At: tsOf(hcmTime(2026, 2, 12, 8, 0)), Note: "Thuộc thẩm quyền cấp huyện"})
		if err != nil {
			t.Fatal(err)
		}
		if tr.GetDossier().GetHandlingAgency() != district || tr.GetDossier().GetHandlingLevel() != "district" {
			t.Fatalf("after transfer: %s at %s", tr.GetDossier().GetHandlingAgency(), tr.GetDossier().GetHandlingLevel())
		}
		// The commune no longer changes it; a second transfer to the
		// district is a duplicate; the province is two levels up from
		// the commune but one from the district, so it would be legal.
		if _, err := e.api.ChangeStatus(as(commune1), &pb.ChangeStatusRequest{Code: code, Status: stFinished}); errCode(err) != "not_handling_agency" {
			t.Errorf("commune after transfer: %v", err)
		}
		if _, err := e.api.TransferDossier(as(district), &pb.TransferDossierRequest{Code: code, ToAgency: district}); errCode(err) != "duplicate_transfer" {
			t.Errorf("duplicate transfer: %v", err)
		}
		if _, err := e.api.TransferDossier(as(district), &pb.TransferDossierRequest{Code: code, ToAgency: otherDis}); errCode(err) != "transfer_level" {
			t.Errorf("same-level transfer: %v", err)
		}

		// Supplement on Thursday 12: Friday 13 and Monday 23 are left.
		p := e.status(district, code, stSupplement, hcmTime(2026, 2, 12, 9, 0), "Bổ sung giấy chứng sinh bản chính")
		if !p.GetPaused() || p.GetPausedDaysLeft() != 2 {
			t.Fatalf("paused %v with %d days left, want 2", p.GetPaused(), p.GetPausedDaysLeft())
		}
		if _, err := e.api.ChangeStatus(as(district), &pb.ChangeStatusRequest{Code: code, Status: stFinished}); errCode(err) != "illegal_transition" {
			t.Errorf("5 → 9: %v", err)
		}
		// Supplied on Tuesday 24: due Thursday 26.
		r := e.status(district, code, stProcessing, hcmTime(2026, 2, 24, 9, 0), "Đã bổ sung")
		if want := hcmTime(2026, 2, 26, 17, 0); !r.GetDueAt().AsTime().Equal(want) {
			t.Fatalf("due after the supplement %v, want %v", r.GetDueAt().AsTime().In(dvcqg.Zone), want)
		}
		f := e.status(district, code, stFinished, hcmTime(2026, 2, 26, 15, 0), "Đã ký giấy khai sinh")
		if f.GetTimeliness() != pb.Timeliness_TIMELINESS_ON_TIME {
			t.Errorf("timeliness %v, want on time", f.GetTimeliness())
		}
		if r := e.status(district, code, stReturned, hcmTime(2026, 2, 27, 8, 0), "Trả kết quả"); len(r.GetTrail()) != 0 || r.GetSyncState() != "pending" {
			t.Errorf("a change's answer: trail %d entries, sync %s (the trail is GetDossier's)", len(r.GetTrail()), r.GetSyncState())
		}
		read, err := e.api.GetDossier(as(district), &pb.GetDossierRequest{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		last := read.GetDossier()
		// The dates are in the past: the overdue loop may have found the
		// dossier past its due time on the way, and said so once.
		changes := 0
		for _, ev := range last.GetTrail() {
			if ev.GetKind() != kindOverdue {
				changes++
			}
		}
		if changes != 8 || len(last.GetTrail()) > 9 || len(last.GetNextStatuses()) != 0 {
			t.Fatalf("trail %d entries (%d changes), next %v", len(last.GetTrail()), changes, last.GetNextStatuses())
		}

		// The portal has every change, in order, once.
		got := e.waitSynced(code)
		wantCalls := []string{"DongBoHoSoMC", "DongBoHoSoMC", "CapNhatTienDoHoSoMC", "CapNhatTienDoHoSoMC", "DongBoHoSoMC",
			"DongBoHoSoMC", "DongBoHoSoMC", "DongBoHoSoMC", "DongBoHoSoMC"}
		if len(got.History) != len(wantCalls) {
			t.Fatalf("portal holds %d changes, want %d", len(got.History), len(wantCalls))
		}
		for i, rec := range got.History {
			if rec.PhienBan != int64(i+1) || rec.Kind != wantCalls[i] || rec.OutOfOrder || rec.Gap {
				t.Errorf("portal change %d: %s v%d (out of order %v, gap %v), want %s v%d", i, rec.Kind, rec.PhienBan, rec.OutOfOrder, rec.Gap, wantCalls[i], i+1)
			}
		}
		h := got.Latest
		if h == nil || h.TrangThaiHoSo != "10" || h.DonViXuLy != district || h.NgayHenTra != "20260226170000" ||
			h.NgayTiepNhan != "20260211090000" || h.NgayKetThucXuLy != "20260226150000" || len(h.DanhSachHoSoBoSung) != 1 ||
			h.DanhSachHoSoBoSung[0].NgayHenTraMoi != "20260226170000" || h.LoaiDoiTuong != "1" || h.MaDoiTuong != "056090001234" {
			t.Errorf("portal's latest state: %+v", h)
		}
		if st := e.sim.Stats(); st.OutOfOrder != 0 || st.Gaps != 0 {
			t.Errorf("portal counted %d out of order, %d gaps", st.OutOfOrder, st.Gaps)
		}

		// Each level sees what it handles.
		for _, ag := range []string{commune1, district} {
			if _, err := e.api.GetDossier(as(ag), &pb.GetDossierRequest{Code: code}); err != nil {
				t.Errorf("%s reads: %v", ag, err)
			}
		}
		for _, ag := range []string{commune2, province} {
			if _, err := e.api.GetDossier(as(ag), &pb.GetDossierRequest{Code: code}); errCode(err) != "dossier_not_found" {
				t.Errorf("%s reads: %v", ag, err)
			}
		}
		mine, err := e.api.ListDossiers(as(commune1), &pb.ListDossiersRequest{HandlingOnly: true})
		if err != nil || len(mine.GetDossiers()) != 0 {
			t.Errorf("commune handling now: %v %v", mine.GetDossiers(), err)
		}
		theirs, err := e.api.ListDossiers(as(district), &pb.ListDossiersRequest{HandlingOnly: true})
		if err != nil || len(theirs.GetDossiers()) != 1 {
			t.Errorf("district handling now: %v %v", theirs.GetDossiers(), err)
		}

		// The public lookup shows no personal data.
		pub, err := e.api.GetPublicDossier(context.Background(), &pb.GetPublicDossierRequest{Code: code})
		if err != nil || pub.GetDossier().GetStatus() != stReturned {
			t.Fatalf("public: %v %v", pub, err)
		}
		raw, _ := json.Marshal(pub)
		for _, secret := range []string{"056090001234", "Nguyễn Thị Lan", "0901234567"} {
			if strings.Contains(string(raw), secret) {
				t.Errorf("the public lookup shows %q", secret)
			}
		}

		// The statistics add up with what the portal received.
		stats, err := e.api.GetStatistics(admin(), &pb.GetStatisticsRequest{From: tsOf(hcmTime(2026, 1, 1, 0, 0)), To: tsOf(hcmTime(2027, 1, 1, 0, 0))})
		if err != nil {
			t.Fatal(err)
		}
		portal := e.sim.Stats().Agencies[commune1]
		tot := stats.GetTotal()
		if tot.GetReceived() != portal.Received || tot.GetFinished() != portal.Finished || tot.GetEarly()+tot.GetOnTime() != portal.OnTime || tot.GetLate() != portal.Late {
			t.Errorf("statistics %+v, portal %+v", tot, portal)
		}

		// Every trail entry reached NATS, in order.
		events := readEvents(t, e.bus, code, len(last.GetTrail()))
		if len(events) != len(last.GetTrail()) {
			t.Fatalf("%d events on NATS, the trail has %d entries", len(events), len(last.GetTrail()))
		}
		for i, ev := range events {
			if ev.Seq != int64(i+1) || ev.Kind != last.GetTrail()[i].GetKind() {
				t.Errorf("event %d is %s seq %d, the trail's is %s", i, ev.Kind, ev.Seq, last.GetTrail()[i].GetKind())
			}
		}
		if events[0].Kind != kindCreated {
			t.Errorf("events: %+v", events)
		}
	})
}

// readEvents reads the dossier's events from the stream, waiting for them
// to be published.
func readEvents(t *testing.T, bus *natsx.Bus, code string, want int) []Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		c, err := bus.JS.OrderedConsumer(ctx, natsx.OneStopStream, jetstream.OrderedConsumerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		var out []Event
		for {
			msgs, err := c.FetchNoWait(500)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for m := range msgs.Messages() {
				n++
				var ev Event
				if err := json.Unmarshal(m.Data(), &ev); err != nil {
					t.Fatal(err)
				}
				if ev.Code == code {
					out = append(out, ev)
				}
			}
			if n == 0 {
				break
			}
		}
		if len(out) >= want || ctx.Err() != nil {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
}
