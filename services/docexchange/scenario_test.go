package docexchange

import (
	"bytes"
	"errors"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
)

func code(err error) string {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// TestScenario: A sends to B and C; B accepts (03) and finishes (06); C
// rejects (02); A revokes and B agrees (15). Every status reaches A, the
// deliveries carry them, and the original follows the revocation. Then A
// sends a document to an agency of another province, which goes through
// the national axis simulator and is answered from there.
func TestScenario(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		sim, url := startSim(t)
		e := newEnv(t, db, withSim(t, sim, url))
		pkg, documentID := newDoc(t, agencyA, agencyB, agencyC)
		sent := e.send(agencyA, pkg)
		docID := sent.GetDocument().GetDocId()
		if len(sent.GetDeliveries()) != 2 || sent.GetDuplicate() {
			t.Fatalf("deliveries %v duplicate %v", sent.GetDeliveries(), sent.GetDuplicate())
		}

		for _, who := range []string{agencyB, agencyC} {
			items := e.inbox(who, pb.MessageKind_MESSAGE_KIND_DOCUMENT)
			if len(items) != 1 || items[0].GetDocument().GetDocId() != docID {
				t.Fatalf("inbox of %s: %v", who, items)
			}
			got, err := e.api.GetDocument(as(who), &pb.GetDocumentRequest{DocId: docID})
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got.GetPackage(), pkg) {
				t.Fatalf("%s got different bytes", who)
			}
			e.ack(who, docID)
			if n := len(e.inbox(who, pb.MessageKind_MESSAGE_KIND_DOCUMENT)); n != 0 {
				t.Fatalf("inbox of %s after ack: %d items", who, n)
			}
		}
		e.status(agencyB, docID, "03")
		e.status(agencyB, docID, "06")
		e.status(agencyC, docID, "02")

		statuses := e.inbox(agencyA, pb.MessageKind_MESSAGE_KIND_STATUS)
		var codes []string
		for _, it := range statuses {
			codes = append(codes, it.GetDocument().GetStatusCode())
			if it.GetDocument().GetResponseForDocId() != docID {
				t.Fatalf("status answers %s, want %s", it.GetDocument().GetResponseForDocId(), docID)
			}
		}
		if len(codes) != 3 || codes[0] != "03" || codes[1] != "06" || codes[2] != "02" {
			t.Fatalf("A's statuses %v", codes)
		}
		tr, err := e.api.GetTrace(as(agencyA), &pb.GetTraceRequest{DocId: docID})
		if err != nil {
			t.Fatal(err)
		}
		byRecipient := map[string]*pb.Delivery{}
		for _, d := range tr.GetDeliveries() {
			byRecipient[d.GetRecipient()] = d
		}
		if byRecipient[agencyB].GetStatusCode() != "06" || byRecipient[agencyC].GetStatusCode() != "02" {
			t.Fatalf("deliveries %v", tr.GetDeliveries())
		}
		if byRecipient[agencyB].GetState() != pb.DeliveryState_DELIVERY_STATE_ACKNOWLEDGED {
			t.Fatalf("B's delivery %v", byRecipient[agencyB])
		}
		sentList, err := e.api.ListSent(as(agencyA), &pb.ListSentRequest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(sentList.GetItems()) != 1 || len(sentList.GetItems()[0].GetDeliveries()) != 2 || sentList.GetItems()[0].GetDocument().GetDocId() != docID {
			t.Fatalf("A's sent list: %v", sentList.GetItems())
		}

		// A revokes; the revocation carries the original's DocumentId.
		revoke := buildDoc(t, agencyA, documentID, edxml.DocRevoke, agencyB)
		rs := e.send(agencyA, revoke)
		if rs.GetDocument().GetUnknownOriginal() {
			t.Fatal("the revocation's original is known")
		}
		items := e.inbox(agencyB, pb.MessageKind_MESSAGE_KIND_DOCUMENT)
		if len(items) != 1 || items[0].GetDocument().GetBusinessDocType() != 1 {
			t.Fatalf("B's inbox after the revocation: %v", items)
		}
		e.status(agencyB, rs.GetDocument().GetDocId(), "15")
		orig, err := e.api.GetDocument(as(agencyA), &pb.GetDocumentRequest{DocId: docID, MetadataOnly: true})
		if err != nil {
			t.Fatal(err)
		}
		if orig.GetDocument().GetSuperseded() != "revoked" {
			t.Fatalf("original after the agreed revocation: superseded %q", orig.GetDocument().GetSuperseded())
		}
		tr, _ = e.api.GetTrace(as(agencyA), &pb.GetTraceRequest{DocId: docID})
		var events []string
		for _, ev := range tr.GetEvents() {
			events = append(events, ev.GetEvent())
		}
		for _, want := range []string{"accepted", "routed", "acknowledged", "status", "revoke_requested", "superseded"} {
			found := false
			for _, ev := range events {
				found = found || ev == want
			}
			if !found {
				t.Fatalf("trace %v lacks %s", events, want)
			}
		}

		// A 15 on a document that is not a change request is refused.
		if _, err := e.api.SendStatus(as(agencyC), &pb.SendStatusRequest{DocId: docID, StatusCode: "15"}); code(err) != "not_a_change_request" {
			t.Fatalf("15 on a new document: %v", err)
		}

		// Another province, through the national axis.
		far, _ := newDoc(t, agencyA, remote)
		farID := e.send(agencyA, far).GetDocument().GetDocId()
		eventually(t, "the answer from the other province", func() bool {
			for _, it := range e.inbox(agencyA, pb.MessageKind_MESSAGE_KIND_STATUS) {
				if it.GetDocument().GetFrom() == remote && it.GetDocument().GetResponseForDocId() == farID && it.GetDocument().GetStatusCode() == "03" {
					return true
				}
			}
			return false
		})
	})
}

// TestResendAndReuse: the same package twice is one document; a new
// document reusing a DocumentId with other content is refused; an update
// of an original never carried is accepted and marked.
func TestResendAndReuse(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		pkg, documentID := newDoc(t, agencyA, agencyB)
		first := e.send(agencyA, pkg)
		again := e.send(agencyA, pkg)
		if !again.GetDuplicate() || again.GetDocument().GetDocId() != first.GetDocument().GetDocId() {
			t.Fatalf("re-send: duplicate %v id %s want %s", again.GetDuplicate(), again.GetDocument().GetDocId(), first.GetDocument().GetDocId())
		}
		if n := len(e.inbox(agencyB, pb.MessageKind_MESSAGE_KIND_DOCUMENT)); n != 1 {
			t.Fatalf("B has %d documents, want 1", n)
		}
		other := buildDoc(t, agencyA, documentID, edxml.DocNew, agencyB, agencyC)
		if _, err := e.api.SendDocument(as(agencyA), &pb.SendDocumentRequest{Package: other}); code(err) != "document_id_reused" {
			t.Fatalf("reused DocumentId: %v", err)
		}
		upd := buildDoc(t, agencyA, "000.00.00.H41,2020/01/01,1/XX", edxml.DocUpdate, agencyB)
		r := e.send(agencyA, upd)
		if !r.GetDocument().GetUnknownOriginal() {
			t.Fatal("an update of an unknown original is not marked")
		}
	})
}
