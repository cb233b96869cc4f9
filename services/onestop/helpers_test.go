package onestop

import (
	"context"
	"io"
	"log/slog"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
	simdvcqg "github.com/lgsp-vn/lgsp/adapters/sim/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
	"github.com/lgsp-vn/lgsp/services/registry/registrytest"
)

// The agencies of the tests: two communes under a district, the district,
// and the province.
const (
	commune1 = "000.01.14.H56"
	commune2 = "000.02.14.H56"
	district = "000.00.14.H56"
	province = "000.00.00.H56"
	otherDis = "000.00.15.H56"
	// A procedure of the catalogue, 3 working days.
	procCode = "1.000894.000.00.00.H56"
	procDays = 3
)

func quietLog() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// env is a running one-stop service over a real registry, NATS, SQL and
// the portal simulator.
type env struct {
	t    testing.TB
	reg  *registrytest.Registry
	bus  *natsx.Bus
	db   *sqlstore.DB
	sim  *simdvcqg.Simulator
	url  string
	s    *Service
	api  *grpcServer
	cfg  Config
	stop func()
}

type envOption func(*Config)

func newEnv(t testing.TB, db *sqlstore.DB, opts ...envOption) *env {
	t.Helper()
	_, bus := natstest.Start(t)
	reg := registrytest.Start(t, registrytest.WithBus(bus))
	for _, code := range []string{commune1, commune2, district, province, otherDis, otherAgencyNoUnit} {
		reg.Agency(code)
	}
	scfg := simdvcqg.DefaultConfig()
	sim := simdvcqg.New(scfg, quietLog())
	url, _ := simtest.Serve(t, sim)
	cfg := DefaultConfig()
	cfg.PortalURL, cfg.PortalUsername, cfg.PortalPassword, cfg.PortalAgency = url, scfg.Username, scfg.Password, province
	cfg.SyncEvery = 20 * time.Millisecond
	cfg.SyncMaxBackoff = 200 * time.Millisecond
	cfg.PortalTimeout = 2 * time.Second
	for _, o := range opts {
		o(&cfg)
	}
	e := &env{t: t, reg: reg, bus: bus, db: db, sim: sim, url: url, cfg: cfg}
	e.start()
	e.catalogue()
	return e
}

// start builds the service over the env's stores and runs it.
func (e *env) start() {
	e.t.Helper()
	s, err := New(context.Background(), e.cfg, e.db, e.bus, e.reg.GatewayClient(), quietLog())
	if err != nil {
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

// catalogue loads the units and the procedure as an admin would.
func (e *env) catalogue() {
	e.t.Helper()
	for _, u := range []struct{ agency, level string }{
		{commune1, "commune"}, {commune2, "commune"}, {district, "district"}, {province, "province"}, {otherDis, "district"},
	} {
		if _, err := e.api.PutUnit(admin(), &pb.PutUnitRequest{Agency: u.agency, Level: u.level}); err != nil {
			e.t.Fatalf("unit %s: %v", u.agency, err)
		}
	}
	if _, err := e.api.PutProcedure(admin(), &pb.PutProcedureRequest{Code: procCode, Name: "Đăng ký khai sinh", FieldCode: "HT", FieldName: "Hộ tịch", WorkingDays: procDays}); err != nil {
		e.t.Fatal(err)
	}
}

// as is the context of a call made by agency's application through the
// gateway.
func as(agency string) context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "app-" + agency, Role: authn.RoleConsumer, Agency: agency})
}

func admin() context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "admin", Role: authn.RolePlatformAdmin})
}

func auditor() context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "auditor", Role: authn.RoleAuditor})
}

// errCode is an error's stable code, "" for nil.
func errCode(err error) string {
	if err == nil {
		return ""
	}
	if body, _ := apierr.FromError(err); body.Code != "" {
		return body.Code
	}
	return err.Error()
}

// citizen is a valid applicant.
func citizen() *pb.Applicant {
	return &pb.Applicant{Kind: pb.ApplicantKind_APPLICANT_KIND_CITIZEN, Id: "056090001234", Name: "Nguyễn Thị Lan", Phone: "0901234567"}
}

func tsOf(t time.Time) *timestamppb.Timestamp { return timestamppb.New(t) }

// hcmTime is a wall-clock time in Asia/Ho_Chi_Minh.
func hcmTime(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, dvcqg.Zone)
}

// create makes a received dossier at agency.
func (e *env) create(agency string, received time.Time) *pb.Dossier {
	e.t.Helper()
	req := &pb.CreateDossierRequest{ProcedureCode: procCode, Applicant: citizen(), Summary: "Đăng ký khai sinh cho con"}
	if !received.IsZero() {
		req.ReceivedAt = tsOf(received)
	}
	resp, err := e.api.CreateDossier(as(agency), req)
	if err != nil {
		e.t.Fatalf("create: %v", err)
	}
	return resp.GetDossier()
}

// status moves a dossier, failing the test on refusal.
func (e *env) status(agency, code string, to int32, at time.Time, note string) *pb.Dossier {
	e.t.Helper()
	req := &pb.ChangeStatusRequest{Code: code, Status: to, Note: note, Actor: &pb.Actor{Name: "Cán bộ " + agency, Title: "Chuyên viên"}}
	if !at.IsZero() {
		req.At = tsOf(at)
	}
	resp, err := e.api.ChangeStatus(as(agency), req)
	if err != nil {
		e.t.Fatalf("status %d: %v", to, err)
	}
	return resp.GetDossier()
}

// waitSynced waits until the portal simulator holds every change of the
// dossier (its sync state is synced) and returns what it holds.
func (e *env) waitSynced(code string) simdvcqg.Dossier {
	e.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		st, err := e.api.GetSyncState(admin(), &pb.GetSyncStateRequest{Code: code})
		if err != nil {
			e.t.Fatal(err)
		}
		if st.GetState() == "synced" {
			d, ok := e.sim.Dossier(code)
			if !ok {
				e.t.Fatalf("synced, yet the portal has no %s", code)
			}
			return d
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("%s not synced: %s %v", code, st.GetState(), st.GetItems())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
