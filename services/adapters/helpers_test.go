package adapters

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	sim "github.com/lgsp-vn/lgsp/adapters/sim/ngsp"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit/simtest"
	"github.com/lgsp-vn/lgsp/internal/logbuf"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

// agency is the demo department the tests call as; it matches the
// simulator's agency-code rules.
const agency = "000.00.22.H56"

// env is a running adapters service over a real database and a real NGSP
// simulator behind HTTP.
type env struct {
	t    testing.TB
	db   *sqlstore.DB
	sim  *sim.Simulator
	url  string
	demo sim.Demo
	cfg  Config
	s    *Service
	api  *grpcServer
	logs *logbuf.Buffer
}

type envOption func(*Config, *sim.Config)

func testKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}

func newEnv(t testing.TB, db *sqlstore.DB, opts ...envOption) *env {
	t.Helper()
	sc := sim.DefaultConfig()
	cfg := DefaultConfig()
	cfg.AuditKey = testKey()
	cfg.Timeout = 2 * time.Second
	cfg.Retries = 1
	cfg.BreakerOpen = time.Second
	cfg.ProvinceAgency = "000.00.00.H56"
	for _, o := range opts {
		o(&cfg, &sc)
	}
	s := sim.New(sc, nil)
	url, _ := simtest.Serve(t, s)
	cfg.NGSPURL, cfg.ConsumerKey, cfg.ConsumerSecret = url, sc.ConsumerKey, sc.ConsumerSecret
	e := &env{t: t, db: db, sim: s, url: url, demo: s.Demo(), cfg: cfg, logs: &logbuf.Buffer{}}
	e.start()
	return e
}

// start builds the service over the env's database.
func (e *env) start() {
	e.t.Helper()
	log := slog.New(slog.NewJSONHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s, err := New(context.Background(), e.cfg, e.db, nil, log)
	if err != nil {
		e.t.Fatal(err)
	}
	e.s, e.api = s, &grpcServer{s: s}
}

// faults sets the simulator's knobs.
func (e *env) faults(f sim.Faults) {
	e.t.Helper()
	if err := e.sim.SetFaults(f); err != nil {
		e.t.Fatal(err)
	}
}

// as is the context of a call by the department's application through
// the gateway.
func as(ag string) context.Context {
	return authn.WithPrincipal(context.Background(), authn.Principal{Subject: "app-" + ag, Role: authn.RoleConsumer, Agency: ag})
}

func dept() context.Context { return as(agency) }

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
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Code
	}
	b, _ := apierr.FromError(err)
	return b.Code
}

// httpStatus is the HTTP status a REST caller gets for err.
func httpStatus(err error) int {
	_, st := apierr.FromError(err)
	return st
}

// tables dumps every row of every table of db as text.
func tables(t testing.TB, db *sqlstore.DB) string {
	t.Helper()
	ctx := context.Background()
	q := `SELECT name FROM sqlite_master WHERE type = 'table'`
	if db.Dialect == sqlstore.Postgres {
		q = `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`
	}
	rows, err := db.QueryContext(ctx, q)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	rows.Close()
	var out strings.Builder
	for _, n := range names {
		r, err := db.QueryContext(ctx, `SELECT * FROM `+n)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		cols, _ := r.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for r.Next() {
			if err := r.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if b, ok := v.([]byte); ok {
					v = string(b)
				}
				fmt.Fprintf(&out, "%v\t", v)
			}
			out.WriteString("\n")
		}
		r.Close()
	}
	return out.String()
}

// report is the access report of a citizen (or an insurance number when
// the identifier has 10 digits), newest first.
func (e *env) report(id string) []*pb.AccessEntry {
	e.t.Helper()
	kind := pb.SubjectKind_SUBJECT_KIND_CITIZEN_ID
	if len(id) == 10 {
		kind = pb.SubjectKind_SUBJECT_KIND_INSURANCE_NUMBER
	}
	r, err := e.api.GetAccessReport(auditor(), &pb.GetAccessReportRequest{SubjectKind: kind, Subject: id, PageSize: 1000})
	if err != nil {
		e.t.Fatal(err)
	}
	return r.GetEntries()
}
