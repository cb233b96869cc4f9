package docexchange

import (
	"bytes"
	"context"
	"testing"
	"time"

	simvdxp "github.com/lgsp-vn/lgsp/adapters/sim/vdxp"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
)

// remote is an agency of another province: the simulator's directory
// has it.
const remote = "000.00.00.G17"

// startSim runs the national axis simulator on a random port, hosting the
// test's local agencies in the province.
func startSim(t *testing.T) (*simvdxp.Simulator, string) {
	t.Helper()
	cfg := simvdxp.DefaultConfig()
	cfg.AnswerDelay = 0
	sim := simvdxp.New(cfg, nil)
	sim.HostInProvince(agencyA, agencyB, agencyC)
	ctx, cancel := context.WithCancel(context.Background())
	url, err := sim.Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); <-sim.Done() })
	return sim, url
}

func withSim(t *testing.T, sim *simvdxp.Simulator, url string) envOption {
	return func(c *Config) {
		c.NationalURL, c.NationalSystemID, c.NationalSecret = url, sim.Config().SystemID, sim.Config().Secret
		c.NationalPollEvery = 100 * time.Millisecond
		c.NationalMaxBackoff = time.Second
		c.NationalTimeout = 5 * time.Second
	}
}

// TestNationalBridge: A sends to B (local) and to an agency of another
// province, which goes through the national axis and is answered from
// there; a document the axis sends into the province reaches its local
// recipient; an outage of the axis only delays forwarding.
func TestNationalBridge(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sim, url := startSim(t)
		e := newEnv(t, db, withSim(t, sim, url))
		eventually(t, "the national directory", func() bool { return e.s.nat.agencies.Load() != nil })

		pkg, _ := newDoc(t, agencyA, agencyB, remote)
		r := e.send(agencyA, pkg)
		docID := r.GetDocument().GetDocId()
		routes := map[string]pb.Route{}
		for _, d := range r.GetDeliveries() {
			routes[d.GetRecipient()] = d.GetRoute()
		}
		if routes[agencyB] != pb.Route_ROUTE_LOCAL || routes[remote] != pb.Route_ROUTE_NATIONAL {
			t.Fatalf("routes %v", routes)
		}
		// The axis received the exact bytes; its agency answers 01 then 03,
		// which come back into A's inbox.
		eventually(t, "the axis to receive the document", func() bool {
			for _, d := range sim.Documents() {
				if _, b, ok := sim.Document(d.DocID); ok && bytes.Equal(b, pkg) {
					return true
				}
			}
			return false
		})
		eventually(t, "the remote agency's statuses", func() bool {
			return len(e.inbox(agencyA, pb.MessageKind_MESSAGE_KIND_STATUS)) >= 2
		})
		tr, err := e.api.GetTrace(as(agencyA), &pb.GetTraceRequest{DocId: docID})
		if err != nil {
			t.Fatal(err)
		}
		var remoteDel *pb.Delivery
		for _, d := range tr.GetDeliveries() {
			if d.GetRecipient() == remote {
				remoteDel = d
			}
		}
		if remoteDel.GetState() != pb.DeliveryState_DELIVERY_STATE_FORWARDED || remoteDel.GetNationalDocId() == "" || remoteDel.GetStatusCode() != "03" {
			t.Fatalf("remote delivery %v", remoteDel)
		}

		// The axis sends a document from another province to B.
		in := buildDoc(t, remote, remote+",2026/11/30,77/STTTT", 0, agencyB)
		if _, err := sim.Inject(in); err != nil {
			t.Fatal(err)
		}
		var got *pb.InboxItem
		eventually(t, "the national document in B's inbox", func() bool {
			for _, it := range e.inbox(agencyB, pb.MessageKind_MESSAGE_KIND_DOCUMENT) {
				if it.GetDocument().GetFrom() == remote {
					got = it
					return true
				}
			}
			return false
		})
		full, err := e.api.GetDocument(as(agencyB), &pb.GetDocumentRequest{DocId: got.GetDocument().GetDocId()})
		if err != nil || !bytes.Equal(full.GetPackage(), in) {
			t.Fatalf("B's copy differs (%v)", err)
		}
		// B answers it: the status goes out through the axis.
		e.status(agencyB, got.GetDocument().GetDocId(), "03")
		eventually(t, "B's status to reach the axis", func() bool {
			for _, d := range sim.Documents() {
				if d.From == agencyB && d.MessageType == "status" {
					return true
				}
			}
			return false
		})

		// An outage delays forwarding; nothing is lost.
		if err := sim.SetFaults(simvdxp.Faults{Outage: "unavailable"}); err != nil {
			t.Fatal(err)
		}
		pkg2, _ := newDoc(t, agencyA, remote)
		doc2 := e.send(agencyA, pkg2).GetDocument().GetDocId()
		time.Sleep(300 * time.Millisecond)
		tr, _ = e.api.GetTrace(as(agencyA), &pb.GetTraceRequest{DocId: doc2})
		if st := tr.GetDeliveries()[0].GetState(); st != pb.DeliveryState_DELIVERY_STATE_PENDING {
			t.Fatalf("during the outage: %v", st)
		}
		if err := sim.SetFaults(simvdxp.Faults{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "forwarding after the outage", func() bool {
			tr, _ := e.api.GetTrace(as(agencyA), &pb.GetTraceRequest{DocId: doc2})
			return tr.GetDeliveries()[0].GetState() == pb.DeliveryState_DELIVERY_STATE_FORWARDED
		})

		// A recipient the axis refuses (locked) fails for good.
		if err := sim.SetFaults(simvdxp.Faults{RejectRecipients: []string{remote}}); err != nil {
			t.Fatal(err)
		}
		pkg3, _ := newDoc(t, agencyA, remote)
		doc3 := e.send(agencyA, pkg3).GetDocument().GetDocId()
		eventually(t, "the refused delivery to fail", func() bool {
			tr, _ := e.api.GetTrace(as(agencyA), &pb.GetTraceRequest{DocId: doc3})
			return tr.GetDeliveries()[0].GetState() == pb.DeliveryState_DELIVERY_STATE_FAILED
		})
		_ = sim.SetFaults(simvdxp.Faults{})

		// A code neither directory knows is refused at once.
		unknown, _ := newDoc(t, agencyA, "999.99.99.H99")
		if _, err := e.api.SendDocument(as(agencyA), &pb.SendDocumentRequest{Package: unknown}); code(err) != "unknown_recipient" {
			t.Fatalf("unknown recipient: %v", err)
		}
	})
}
