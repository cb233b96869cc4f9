package docexchange

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// TestFixtures: every package of the shared fixtures is accepted from its
// sender and reaches each recipient byte for byte; a status fixture
// answers the update it refers to.
func TestFixtures(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"), func(c *Config) { c.LenientAttachments = true })
	for _, code := range []string{"002.00.20.H13", "000.00.00.G22", "000.00.00.G17", "000.00.15.H51"} {
		e.reg.Agency(code)
	}
	for _, name := range []string{"edoc_new.edxml", "edoc_small.edxml", "edoc_update.edxml", "edoc_revocation.edxml"} {
		raw := fixture(t, name)
		pkg, err := edxml.Options{LenientAttachments: true}.Parse(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		from := pkg.From().OrganID
		to := pkg.ToIDs()
		var override []string
		for _, c := range to {
			if !e.s.dir.isLocal(context.Background(), c) {
				// Codes the registry does not hold (28.22.H17 is not a
				// valid code to register) are addressed to a local agency.
				override = append(override, agencyB)
			} else {
				override = append(override, c)
			}
		}
		r, err := e.api.SendDocument(as(from), &pb.SendDocumentRequest{Package: raw, To: override, HashFile: edxml.HashFile(raw)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, d := range r.GetDeliveries() {
			got, err := e.api.GetDocument(as(d.GetRecipient()), &pb.GetDocumentRequest{DocId: r.GetDocument().GetDocId()})
			if err != nil {
				t.Fatalf("%s fetched by %s: %v", name, d.GetRecipient(), err)
			}
			if !bytes.Equal(got.GetPackage(), raw) {
				t.Fatalf("%s: %s received different bytes", name, d.GetRecipient())
			}
		}
	}
	// H41 answers G22's update (the status fixtures name its DocumentId).
	for _, name := range []string{"status_inbox_01.edxml", "status_acceptance_03.edxml", "status_change-acceptance_15.edxml"} {
		raw := fixture(t, name)
		r, err := e.api.SendDocument(as(agencyA), &pb.SendDocumentRequest{Package: raw, Kind: pb.MessageKind_MESSAGE_KIND_STATUS, To: []string{"000.00.00.G22"}})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got, err := e.api.GetDocument(as("000.00.00.G22"), &pb.GetDocumentRequest{DocId: r.GetDocument().GetDocId()})
		if err != nil || !bytes.Equal(got.GetPackage(), raw) {
			t.Fatalf("%s: G22 could not read the status byte for byte (%v)", name, err)
		}
	}
}

// TestAuthorization: an agency never lists, fetches, traces or
// acknowledges another agency's documents; overseers read metadata only.
func TestAuthorization(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	pkg, _ := newDoc(t, agencyA, agencyB)
	docID := e.send(agencyA, pkg).GetDocument().GetDocId()
	if items := e.inbox(agencyC, pb.MessageKind_MESSAGE_KIND_UNSPECIFIED); len(items) != 0 {
		t.Fatalf("C's inbox shows %v", items)
	}
	if _, err := e.api.GetDocument(as(agencyC), &pb.GetDocumentRequest{DocId: docID}); code(err) != "document_not_found" {
		t.Fatalf("C fetched B's document: %v", err)
	}
	if _, err := e.api.GetTrace(as(agencyC), &pb.GetTraceRequest{DocId: docID}); code(err) != "document_not_found" {
		t.Fatalf("C traced B's document: %v", err)
	}
	if _, err := e.api.AcknowledgeDocument(as(agencyC), &pb.AcknowledgeDocumentRequest{DocId: docID}); code(err) != "document_not_found" {
		t.Fatalf("C acknowledged B's document: %v", err)
	}
	// The sender cannot acknowledge in the recipient's place.
	if _, err := e.api.AcknowledgeDocument(as(agencyA), &pb.AcknowledgeDocumentRequest{DocId: docID}); code(err) != "document_not_found" {
		t.Fatalf("A acknowledged for B: %v", err)
	}
	if _, err := e.api.SendStatus(as(agencyC), &pb.SendStatusRequest{DocId: docID, StatusCode: "03"}); code(err) != "document_not_found" {
		t.Fatalf("C answered B's document: %v", err)
	}
	st, err := e.api.GetStatistics(as(agencyC), &pb.GetStatisticsRequest{AgencyCode: agencyA})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range st.GetAgencies() {
		if a.GetAgencyCode() != agencyC {
			t.Fatalf("C sees statistics of %s", a.GetAgencyCode())
		}
	}
	// Admin: metadata and trace yes, contents no, sending no.
	if _, err := e.api.GetTrace(admin(), &pb.GetTraceRequest{DocId: docID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.api.GetDocument(admin(), &pb.GetDocumentRequest{DocId: docID}); code(err) != "forbidden" {
		t.Fatalf("admin read contents: %v", err)
	}
	if _, err := e.api.SendDocument(admin(), &pb.SendDocumentRequest{Package: pkg}); code(err) != "agency_application_required" {
		t.Fatalf("admin sent: %v", err)
	}
	if _, err := e.api.ListInbox(context.Background(), &pb.ListInboxRequest{}); code(err) != "unauthenticated" {
		t.Fatalf("anonymous inbox: %v", err)
	}
	if _, err := e.api.GetPublicStatistics(context.Background(), &pb.GetPublicStatisticsRequest{}); code(err) != "public_statistics_disabled" {
		t.Fatalf("public statistics while off: %v", err)
	}
	e.s.cfg.PublicStatistics = true
	ps, err := e.api.GetPublicStatistics(context.Background(), &pb.GetPublicStatisticsRequest{})
	if err != nil || ps.GetTotal().GetSent() != 1 || ps.GetTotal().GetReceived() != 1 {
		t.Fatalf("public statistics: %v %v", ps, err)
	}
}

// TestSuccession: a package addressed to a merged agency reaches its
// successor, and the trace says so.
func TestSuccession(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		if _, err := e.reg.Server().SucceedAgency(e.reg.Admin(), &registryv1.SucceedAgencyRequest{Code: agencyC, SuccessorCode: agencyB}); err != nil {
			t.Fatal(err)
		}
		e.s.dir.cur.Store(nil) // read the directory again now
		pkg, _ := newDoc(t, agencyA, agencyC)
		r := e.send(agencyA, pkg)
		if len(r.GetDeliveries()) != 1 || r.GetDeliveries()[0].GetRecipient() != agencyB || r.GetDeliveries()[0].GetAddressedTo() != agencyC {
			t.Fatalf("deliveries %v", r.GetDeliveries())
		}
		if len(e.inbox(agencyB, pb.MessageKind_MESSAGE_KIND_DOCUMENT)) != 1 {
			t.Fatal("the successor has nothing")
		}
		tr, _ := e.api.GetTrace(as(agencyA), &pb.GetTraceRequest{DocId: r.GetDocument().GetDocId()})
		found := false
		for _, ev := range tr.GetEvents() {
			found = found || (ev.GetEvent() == "successor" && ev.GetAgency() == agencyB)
		}
		if !found {
			t.Fatalf("trace %v", tr.GetEvents())
		}
	})
}

// TestPush: deliveries reach the recipient's NATS subject and its signed
// webhook, which is retried until it answers 2xx.
func TestPush(t *testing.T) {
	e := newEnv(t, sqltest.Open(t, "sqlite"))
	var mu sync.Mutex
	var got []Event
	fails := 2
	var secret string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		m := hmac.New(sha256.New, []byte(secret))
		m.Write([]byte(r.Header.Get(HeaderTimestamp) + "."))
		m.Write(body)
		if r.Header.Get(HeaderSignature) != "sha256="+hex.EncodeToString(m.Sum(nil)) {
			t.Errorf("bad webhook signature")
		}
		var ev Event
		_ = json.Unmarshal(body, &ev)
		got = append(got, ev)
	}))
	defer srv.Close()
	e.s.cfg.WebhookMaxBackoff = time.Second
	wh, err := e.api.CreateWebhook(as(agencyB), &pb.CreateWebhookRequest{Url: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	secret = wh.GetSecret()
	mu.Unlock()
	if _, err := e.api.CreateWebhook(as(agencyB), &pb.CreateWebhookRequest{Url: "ftp://x"}); code(err) != "invalid_webhook_url" {
		t.Fatalf("bad URL: %v", err)
	}
	for _, u := range []string{"http://169.254.169.254/latest/meta-data", "http://10.1.2.3/hook", "http://192.168.1.1/"} {
		if _, err := e.api.CreateWebhook(as(agencyB), &pb.CreateWebhookRequest{Url: u}); code(err) != "webhook_address_forbidden" {
			t.Fatalf("%s: %v", u, err)
		}
	}

	// A NATS consumer of B's subject.
	cons, err := e.bus.JS.CreateOrUpdateConsumer(context.Background(), natsx.DocExchangeStream, jetstream.ConsumerConfig{
		FilterSubject: deliverySubject(agencyB), AckPolicy: jetstream.AckExplicitPolicy,
	})
	if err != nil {
		t.Fatal(err)
	}
	pkg, _ := newDoc(t, agencyA, agencyB, agencyC)
	docID := e.send(agencyA, pkg).GetDocument().GetDocId()
	msgs, err := cons.Fetch(1, jetstream.FetchMaxWait(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var ev Event
	for m := range msgs.Messages() {
		_ = json.Unmarshal(m.Data(), &ev)
		_ = m.Ack()
	}
	if ev.DocID != docID || ev.To != agencyB || ev.From != agencyA {
		t.Fatalf("NATS event %+v", ev)
	}
	eventually(t, "the webhook to accept the delivery", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) == 1
	})
	mu.Lock()
	if got[0].DocID != docID || fails != 0 {
		t.Fatalf("webhook got %+v after %d failures left", got[0], fails)
	}
	mu.Unlock()
	list, _ := e.api.ListWebhooks(as(agencyB), &pb.ListWebhooksRequest{})
	if len(list.GetWebhooks()) != 1 {
		t.Fatalf("webhooks %v", list)
	}
	if _, err := e.api.DeleteWebhook(as(agencyC), &pb.DeleteWebhookRequest{Id: wh.GetWebhook().GetId()}); code(err) != "webhook_not_found" {
		t.Fatalf("C deleted B's webhook: %v", err)
	}
	if _, err := e.api.DeleteWebhook(as(agencyB), &pb.DeleteWebhookRequest{Id: wh.GetWebhook().GetId()}); err != nil {
		t.Fatal(err)
	}
}

// TestConcurrentSends: many senders at once, each package sent several
// times concurrently and some DocumentIds reused with other content. Group
// commit must keep every outcome exact: one document per package, every
// re-send answered with its DocId, every reuse refused.
func TestConcurrentSends(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db)
		const docs, copies = 40, 3
		type result struct {
			docID string
			err   error
		}
		pkgs := make([][]byte, docs)
		reuse := make([][]byte, docs)
		for i := range pkgs {
			var id string
			pkgs[i], id = newDoc(t, agencyA, agencyB)
			reuse[i] = buildDoc(t, agencyA, id, edxml.DocNew, agencyC)
		}
		results := make([][]result, docs)
		reused := make([]error, docs)
		var wg sync.WaitGroup
		for i := range pkgs {
			results[i] = make([]result, copies)
			for c := range copies {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := e.api.SendDocument(as(agencyA), &pb.SendDocumentRequest{Package: pkgs[i]})
					results[i][c] = result{r.GetDocument().GetDocId(), err}
				}()
			}
		}
		wg.Wait()
		for i := range reuse {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, reused[i] = e.api.SendDocument(as(agencyA), &pb.SendDocumentRequest{Package: reuse[i]})
			}()
		}
		wg.Wait()
		for i := range pkgs {
			for c := range copies {
				if results[i][c].err != nil || results[i][c].docID != results[i][0].docID {
					t.Fatalf("package %d copy %d: %+v, first %+v", i, c, results[i][c], results[i][0])
				}
			}
			if code(reused[i]) != "document_id_reused" {
				t.Fatalf("reuse %d: %v", i, reused[i])
			}
		}
		if n := len(e.inbox(agencyB, pb.MessageKind_MESSAGE_KIND_DOCUMENT)); n != docs {
			t.Fatalf("B has %d documents, want %d", n, docs)
		}
		if n := len(e.inbox(agencyC, pb.MessageKind_MESSAGE_KIND_DOCUMENT)); n != 0 {
			t.Fatalf("C has %d documents, want none", n)
		}
	})
}
