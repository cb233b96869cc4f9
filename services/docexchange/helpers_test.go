package docexchange

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/docexchange/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// Agencies of the tests: A sends, B and C receive.
const (
	agencyA = "000.00.00.H41"
	agencyB = "000.00.00.H14"
	agencyC = "000.00.01.H14"
)

func fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fixtures", "edxml", name))
	if err != nil {
		t.Fatalf("fixture %s: %v (the shared fixtures must sit beside the repository)", name, err)
	}
	return b
}

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a running document exchange over a real registry, NATS and SQL.
type env struct {
	t   testing.TB
	reg *registrytest.Registry
	bus *natsx.Bus
	db  *sqlstore.DB
	s   *Service
	api *grpcServer
	cfg Config
	// stop stops Run.
	stop func()
}

type envOption func(*Config)

func newEnv(t testing.TB, db *sqlstore.DB, opts ...envOption) *env {
	t.Helper()
	_, bus := natstest.Start(t)
	reg := registrytest.Start(t, registrytest.WithBus(bus))
	for _, code := range []string{agencyA, agencyB, agencyC} {
		reg.Agency(code)
	}
	cfg := DefaultConfig()
	cfg.PushEvery = 50 * time.Millisecond
	cfg.WebhookAllowHTTP = true
	cfg.WebhookAllow = append(cfg.WebhookAllow, "127.0.0.0/8")
	for _, o := range opts {
		o(&cfg)
	}
	e := &env{t: t, reg: reg, bus: bus, db: db, cfg: cfg}
	e.start()
	return e
}

// start builds the service over the env's stores and runs it.
func (e *env) start() {
	e.t.Helper()
	s, err := New(context.Background(), e.cfg, e.db, e.bus, e.reg.GatewayClient(), quietLog())
	if err != nil {
		e.t.Fatal(err)
	}
	if err := s.hooks.loadKey(e.t.TempDir()); err != nil {
		e.t.Fatal(err)
	}
	e.s, e.api = s, &grpcServer{s: s}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	var stopped atomic.Bool
	e.stop = func() {
		if stopped.Swap(true) {
			return
		}
		cancel()
		select {
		case err := <-done:
			if err != nil {
				e.t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			e.t.Error("Run did not return within 10s")
		}
	}
	e.t.Cleanup(e.stop)
}

// as is the context of a call made by agency's application through the
// gateway.
func as(agency string) context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "app-" + agency, Role: authn.RoleConsumer, Agency: agency})
}

func admin() context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "admin", Role: authn.RolePlatformAdmin})
}

var docSeq atomic.Int64

// newDoc builds a new document package from one agency to others.
func newDoc(t testing.TB, from string, to ...string) ([]byte, string) {
	t.Helper()
	n := docSeq.Add(1)
	id := fmt.Sprintf("%s,2026/11/30,%d/UBND-VP", from, n)
	return buildDoc(t, from, id, edxml.DocNew, to...), id
}

func buildDoc(t testing.TB, from, documentID string, typ edxml.BusinessDocType, to ...string) []byte {
	t.Helper()
	d := edxml.Document{
		From:             edxml.Organization{OrganID: from, OrganName: "Cơ quan " + from},
		DocumentID:       documentID,
		Code:             edxml.Code{CodeNumber: fmt.Sprint(docSeq.Load()), CodeNotation: "UBND-VP"},
		PromulgationInfo: edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: "2026/11/30"},
		DocumentType:     edxml.DocumentType{Type: "1", TypeName: "Công văn"},
		Subject:          "Về việc thử nghiệm liên thông văn bản",
		SignerInfo:       edxml.SignerInfo{Competence: "TM. UBND", Position: "Chủ tịch", FullName: "Nguyễn Văn A"},
		Business:         edxml.Business{DocumentID: documentID, BussinessDocType: typ},
	}
	for _, c := range to {
		d.To = append(d.To, edxml.Organization{OrganID: c})
	}
	b, err := edxml.BuildDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (e *env) send(agency string, pkg []byte) *pb.SendDocumentResponse {
	e.t.Helper()
	r, err := e.api.SendDocument(as(agency), &pb.SendDocumentRequest{Package: pkg})
	if err != nil {
		e.t.Fatalf("send by %s: %v", agency, err)
	}
	return r
}

func (e *env) inbox(agency string, kind pb.MessageKind) []*pb.InboxItem {
	e.t.Helper()
	r, err := e.api.ListInbox(as(agency), &pb.ListInboxRequest{Kind: kind, PageSize: 1000})
	if err != nil {
		e.t.Fatalf("inbox of %s: %v", agency, err)
	}
	return r.GetItems()
}

func (e *env) status(agency, docID, code string) *pb.SendStatusResponse {
	e.t.Helper()
	r, err := e.api.SendStatus(as(agency), &pb.SendStatusRequest{DocId: docID, StatusCode: code, Description: "thử nghiệm", StaffName: "Văn thư"})
	if err != nil {
		e.t.Fatalf("status %s by %s on %s: %v", code, agency, docID, err)
	}
	return r
}

func (e *env) ack(agency, docID string) {
	e.t.Helper()
	if _, err := e.api.AcknowledgeDocument(as(agency), &pb.AcknowledgeDocumentRequest{DocId: docID}); err != nil {
		e.t.Fatalf("ack by %s of %s: %v", agency, docID, err)
	}
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func sha256Sum(b []byte) [32]byte { return sha256.Sum256(b) }

type atomicInt struct{ n atomic.Int64 }

func (a *atomicInt) add() int { return int(a.n.Add(1) - 1) }

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
