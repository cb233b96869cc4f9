package onestop

import (
	"testing"
	"time"

	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
)

// checkInOrder fails unless the portal holds versions 1…n of the dossier,
// each once, in order.
func checkInOrder(t *testing.T, got simdvcqg.Dossier, n int) {
	t.Helper()
	if len(got.History) != n {
		t.Fatalf("%s: portal holds %d changes, want %d", got.MaHoSo, len(got.History), n)
	}
	for i, rec := range got.History {
		if rec.PhienBan != int64(i+1) || rec.OutOfOrder || rec.Gap {
			t.Fatalf("%s: portal change %d is v%d (out of order %v, gap %v)", got.MaHoSo, i, rec.PhienBan, rec.OutOfOrder, rec.Gap)
		}
	}
}

// TestPortalOutage: changes made while the portal is down wait in the
// outbox and reach it in order once it is back; nothing is lost, nothing
// dead-lettered, session expiry and malformed answers included.
func TestPortalOutage(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, func(c *Config) { c.SyncAttempts = 3 })
		d := e.create(commune1, time.Time{})
		e.waitSynced(d.GetCode())

		if err := e.sim.SetFaults(simdvcqg.Faults{Outage: true}); err != nil {
			t.Fatal(err)
		}
		e.status(commune1, d.GetCode(), stProcessing, time.Time{}, "")
		other := e.create(commune2, time.Time{})
		for i := range 5 {
			if _, err := e.api.AddStep(as(commune1), &pb.AddStepRequest{Code: d.GetCode(), Content: "Bước " + string(rune('A'+i))}); err != nil {
				t.Fatal(err)
			}
		}
		// Longer than SyncAttempts rounds of backoff: an outage is not
		// the items' fault and sends none of them to the dead letter.
		time.Sleep(800 * time.Millisecond)
		st, err := e.api.GetSyncState(admin(), &pb.GetSyncStateRequest{Code: d.GetCode()})
		if err != nil || st.GetState() != "pending" {
			t.Fatalf("during the outage: %v %v", st.GetState(), err)
		}
		// Back, with sessions lasting one call and some truncated answers.
		if err := e.sim.SetFaults(simdvcqg.Faults{ExpireSessions: true, MalformedRate: 0.3, Seed: 7}); err != nil {
			t.Fatal(err)
		}
		checkInOrder(t, e.waitSynced(d.GetCode()), 7)
		checkInOrder(t, e.waitSynced(other.GetCode()), 1)
		if st := e.sim.Stats(); st.OutOfOrder != 0 || st.Gaps != 0 {
			t.Errorf("portal counted %d out of order, %d gaps", st.OutOfOrder, st.Gaps)
		}
		dl, err := e.api.ListDeadLetters(admin(), &pb.ListDeadLettersRequest{})
		if err != nil || len(dl.GetDeadLetters()) != 0 {
			t.Errorf("dead letters after an outage: %v %v", dl.GetDeadLetters(), err)
		}
	})
}

// TestDeadLetterAndReplay: a change the portal refuses for good goes to
// the dead letter at once and holds the dossier's later changes; other
// dossiers go on; after the cause is fixed an admin replays it and the
// portal receives everything in order.
func TestDeadLetterAndReplay(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		d := e.create(commune1, time.Time{})
		code := d.GetCode()
		e.waitSynced(code)
		if err := e.sim.SetFaults(simdvcqg.Faults{Reject: []string{code}}); err != nil {
			t.Fatal(err)
		}
		e.status(commune1, code, stProcessing, time.Time{}, "")
		waitState(t, e, code, "dead")
		// Later changes are held behind it; another dossier syncs.
		e.status(commune1, code, stFinished, time.Time{}, "")
		other := e.create(commune1, time.Time{})
		e.waitSynced(other.GetCode())
		st, err := e.api.GetSyncState(admin(), &pb.GetSyncStateRequest{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		states := map[string]int{}
		for _, it := range st.GetItems() {
			states[it.GetState()]++
		}
		if states["done"] != 1 || states["dead"] != 1 || states["held"] != 1 {
			t.Fatalf("outbox of the dead dossier: %v", states)
		}
		dl, err := e.api.ListDeadLetters(admin(), &pb.ListDeadLettersRequest{})
		if err != nil || len(dl.GetDeadLetters()) != 1 || dl.GetDeadLetters()[0].GetCode() != code || dl.GetDeadLetters()[0].GetItem().GetVersion() != 2 {
			t.Fatalf("dead letters: %v %v", dl.GetDeadLetters(), err)
		}
		if dl.GetDeadLetters()[0].GetItem().GetLastError() == "" {
			t.Error("the dead letter does not say why")
		}
		// Only a platform admin replays.
		if _, err := e.api.ReplayDeadLetter(auditor(), &pb.ReplayDeadLetterRequest{Code: code, Version: 2}); errCode(err) != "forbidden" {
			t.Errorf("auditor replays: %v", err)
		}
		if _, err := e.api.ReplayDeadLetter(admin(), &pb.ReplayDeadLetterRequest{Code: code, Version: 3}); errCode(err) != "dead_letter_not_found" {
			t.Errorf("replay of a held change: %v", err)
		}
		if err := e.sim.SetFaults(simdvcqg.Faults{}); err != nil {
			t.Fatal(err)
		}
		rp, err := e.api.ReplayDeadLetter(admin(), &pb.ReplayDeadLetterRequest{Code: code, Version: 2})
		if err != nil || rp.GetRequeued() != 2 {
			t.Fatalf("replay: %v %v", rp, err)
		}
		checkInOrder(t, e.waitSynced(code), 3)

		// A change the portal will never take is discarded: the ones
		// behind it go out, and the portal sees the gap.
		if err := e.sim.SetFaults(simdvcqg.Faults{Reject: []string{code}}); err != nil {
			t.Fatal(err)
		}
		if _, err := e.api.AddStep(as(commune1), &pb.AddStepRequest{Code: code, Content: "Ký số kết quả"}); err != nil {
			t.Fatal(err)
		}
		waitState(t, e, code, "dead")
		if err := e.sim.SetFaults(simdvcqg.Faults{}); err != nil {
			t.Fatal(err)
		}
		e.status(commune1, code, stReturned, time.Time{}, "")
		rp, err = e.api.ReplayDeadLetter(admin(), &pb.ReplayDeadLetterRequest{Code: code, Version: 4, Discard: true})
		if err != nil || rp.GetRequeued() != 1 {
			t.Fatalf("discard: %v %v", rp, err)
		}
		got := e.waitSynced(code)
		if len(got.History) != 4 || got.History[3].PhienBan != 5 || !got.History[3].Gap {
			t.Fatalf("after a discard the portal holds %d changes: %+v", len(got.History), got.History)
		}
	})
}

// TestPermanentRefusalIsDeadAtOnce: an invalid-data answer ("03") sends
// the change to the dead letter on its first refusal, whatever
// SyncAttempts allows.
func TestPermanentRefusalIsDeadAtOnce(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"), func(c *Config) { c.SyncAttempts = 5 })
	d := e.create(commune1, time.Time{})
	e.waitSynced(d.GetCode())
	if err := e.sim.SetFaults(simdvcqg.Faults{Reject: []string{d.GetCode()}}); err != nil {
		t.Fatal(err)
	}
	e.status(commune1, d.GetCode(), stProcessing, time.Time{}, "")
	waitState(t, e, d.GetCode(), "dead")
	st, _ := e.api.GetSyncState(admin(), &pb.GetSyncStateRequest{Code: d.GetCode()})
	for _, it := range st.GetItems() {
		if it.GetState() == "dead" && it.GetAttempts() != 1 {
			t.Errorf("a permanent refusal dead-lettered after %d attempts, want 1", it.GetAttempts())
		}
	}
}

func waitState(t *testing.T, e *env, code, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := e.api.GetSyncState(admin(), &pb.GetSyncStateRequest{Code: code})
		if err != nil {
			t.Fatal(err)
		}
		if st.GetState() == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: sync state %s, want %s", code, st.GetState(), want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
