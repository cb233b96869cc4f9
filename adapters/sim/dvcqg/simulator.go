package dvcqg

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
)

// AdminPrefix holds the simulator's control endpoints.
const AdminPrefix = "/_sim/"

// Limits of one call.
const (
	maxBody  = 32 << 20 // bytes of a request body
	maxBatch = 1000     // items of a batch
)

// Simulator serves the national public-service portal. It is safe for
// concurrent use.
type Simulator struct {
	cfg      Config
	cfgErr   error
	log      *slog.Logger
	faults   *injector
	sessions *sessions
	store    *store
	calls    *simkit.Counter
	routes   map[string]handler

	logins, refused atomic.Int64

	server    *simkit.Server
	quit      chan struct{}
	closeOnce sync.Once
}

// New builds a simulator. It does not fail: a configuration that does not
// validate makes Start and Serve return the validation error, and the
// portal calls answer HTTP 503, so call cfg.Validate first to fail early.
// A nil log discards.
func New(cfg Config, log *slog.Logger) *Simulator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Simulator{
		cfg:      cfg,
		cfgErr:   cfg.Validate(),
		log:      log.With("component", "sim.dvcqg"),
		sessions: newSessions(),
		store:    newStore(max(cfg.MaxDossiers, 1)),
		calls:    simkit.NewCounter(),
		quit:     make(chan struct{}),
	}
	if s.cfgErr == nil {
		s.faults = newInjector(cfg.Faults)
	} else {
		s.faults = newInjector(Faults{})
	}
	s.server = simkit.NewServer(simkit.ServerOptions{
		Name:      "dvcqg simulator",
		Handler:   s,
		Refuse:    s.cfgErr,
		Log:       s.log,
		Listening: "trình mô phỏng Cổng Dịch vụ công quốc gia đang chạy (national public-service portal simulator listening)",
		Failed:    "trình mô phỏng dừng do lỗi (simulator stopped with an error)",
		Release:   s.Close, // release calls waiting on latency so that shutdown does not wait for them
	})
	s.routes = map[string]handler{
		wire.CallLayPhien:            s.layPhien,
		wire.CallDongBoHoSoMC:        s.dongBoHoSo,
		wire.CallCapNhatTienDoHoSoMC: s.capNhatTienDo,
		wire.CallTraCuuHoSo:          s.traCuuHoSo,
	}
	return s
}

// Handler returns the simulator as an http.Handler.
func (s *Simulator) Handler() http.Handler { return s }

// Config is the configuration the simulator was built with.
func (s *Simulator) Config() Config { return s.cfg }

// SetFaults replaces the fault knobs.
func (s *Simulator) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.faults.set(f)
	s.log.Info("đã đổi tham số lỗi (fault knobs changed)", "latency", time.Duration(f.Latency),
		"error_rate", f.ErrorRate, "outage", f.Outage, "malformed_rate", f.MalformedRate,
		"expire_sessions", f.ExpireSessions, "session_ttl", time.Duration(f.SessionTTL),
		"reject", len(f.Reject), "seeded", f.Seed != 0)
	return nil
}

// Faults returns the current knobs.
func (s *Simulator) Faults() Faults { return s.faults.get() }

// ExpireSessions expires every session now: the next call with any of them
// is answered "01".
func (s *Simulator) ExpireSessions() {
	s.sessions.expireAll()
	s.log.Info("đã huỷ mọi phiên làm việc (every session expired)")
}

// Reset forgets every dossier, session and statistic, and puts the fault
// knobs back to the configured ones.
func (s *Simulator) Reset() {
	s.store.reset()
	s.sessions.expireAll()
	s.calls.Reset()
	s.logins.Store(0)
	s.refused.Store(0)
	f := Faults{}
	if s.cfgErr == nil {
		f = s.cfg.Faults
	}
	s.faults.set(f)
	s.log.Info("đã xoá trạng thái trình mô phỏng (simulator reset)")
}

// Stats returns what the portal received since it started or was reset.
func (s *Simulator) Stats() Stats {
	since, total, calls := s.calls.Snapshot()
	agencies, sum, byStatus, counts := s.store.outcomes()
	return Stats{
		Since: since, Calls: calls, CallsTotal: total,
		Logins: s.logins.Load(), SessionsRefused: s.refused.Load(),
		Recorded: counts.recorded, Duplicates: counts.duplicates, Invalid: counts.invalid,
		OutOfOrder: counts.outOfOrder, Gaps: counts.gaps,
		Agencies: agencies, Total: sum, ByStatus: byStatus,
	}
}

// History returns the items recorded for a dossier, in the order
// received; nil when the portal has none.
func (s *Simulator) History(maHoSo string) []Record {
	d, ok := s.store.one(maHoSo)
	if !ok {
		return nil
	}
	return d.History
}

// Dossier returns what the portal holds for a dossier: its history and
// latest state.
func (s *Simulator) Dossier(maHoSo string) (Dossier, bool) { return s.store.one(maHoSo) }

// Dossiers sums up every dossier held, first received first.
func (s *Simulator) Dossiers() []DossierInfo { return s.store.list() }

// Close releases calls waiting on injected latency. It does not stop a
// listener; cancel the context given to Start or Serve for that.
func (s *Simulator) Close() {
	s.closeOnce.Do(func() { close(s.quit) })
}

// Start listens on addr ("127.0.0.1:0" picks a port) and serves in the
// background until ctx is cancelled, then shuts down gracefully. It
// returns the base URL. Done is closed once the server has stopped. A
// simulator can be started once.
func (s *Simulator) Start(ctx context.Context, addr string) (string, error) {
	return s.server.Start(ctx, addr)
}

// Serve serves on ln until ctx is cancelled, then shuts down gracefully
// and returns. It is the blocking form of Start.
func (s *Simulator) Serve(ctx context.Context, ln net.Listener) error {
	return s.server.Serve(ctx, ln)
}

// Done is closed when a server run by Start or Serve has stopped.
func (s *Simulator) Done() <-chan struct{} { return s.server.Done() }

// handler serves one portal call, its body read.
type handler func(rp *reply, body []byte)

// ServeHTTP routes a call: control endpoints bypass faults and
// statistics; a portal call is counted, goes through the faults, then is
// served. The call is the last path segment, so any base path works.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.handleAdmin(w, r)
		return
	}
	call := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	h, known := s.routes[call]
	key := call
	if !known {
		key = "other"
	}
	rec := &simkit.Recorder{ResponseWriter: w, Count: func(status int) { s.calls.Add(key, status) }}
	start := time.Now()
	defer func() {
		rec.Done(http.StatusOK) // a handler that wrote nothing answered 200
		s.log.Debug("dvcqg call", "method", r.Method, "call", key, "status", rec.Status(), "duration", time.Since(start))
	}()
	rp := &reply{w: rec}
	if s.cfgErr != nil {
		rp.fail(http.StatusServiceUnavailable, wire.CodeSystemError, "trình mô phỏng cấu hình sai", "the simulator is misconfigured")
		return
	}
	// The body is read first: once it is consumed, the server notices a
	// client that hangs up during injected latency.
	body, err := io.ReadAll(http.MaxBytesReader(rec, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			rp.fail(http.StatusRequestEntityTooLarge, wire.CodeInvalidData, "nội dung quá lớn", "body larger than 32 MiB")
			return
		}
		rec.Done(StatusClientGone)
		return
	}
	d := s.faults.decide()
	if d.outage {
		unavailable(rec)
		return
	}
	if err := simkit.Wait(r.Context(), s.quit, d.delay); err != nil {
		if errors.Is(err, simkit.ErrStopped) {
			unavailable(rec)
		} else {
			rec.Done(StatusClientGone)
		}
		return
	}
	switch d.fail {
	case failUnavailable:
		unavailable(rec)
		return
	case failSystemError:
		rp.fail(http.StatusOK, wire.CodeSystemError, "lỗi hệ thống, vui lòng thử lại sau", "system error, try again later")
		return
	}
	rp.malformed = d.malformed
	switch {
	case !known:
		rp.fail(http.StatusNotFound, wire.CodeInvalidData, "không có chức năng này", "no such call")
		return
	case r.Method != http.MethodPost:
		rec.Header().Set("Allow", http.MethodPost)
		rp.fail(http.StatusMethodNotAllowed, wire.CodeInvalidData, "chỉ hỗ trợ phương thức POST", "only POST is supported")
		return
	}
	h(rp, body)
}

// unavailable answers HTTP 503 as a reverse proxy in front of a portal
// that is down does: a page, not the portal's JSON.
func unavailable(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_, _ = io.WriteString(w, "<html><head><title>503 Service Temporarily Unavailable</title></head>"+
		"<body><center><h1>503 Service Temporarily Unavailable</h1></center></body></html>\n")
}

// reply writes a portal call's answer, truncated when the fault knobs
// drew a malformed answer.
type reply struct {
	w         *simkit.Recorder
	malformed bool
}

// send writes v as JSON with status. Encoding our own types cannot fail,
// and a failed write means the client is gone, so errors are dropped.
func (rp *reply) send(status int, v any) {
	b, _ := json.Marshal(v)
	if rp.malformed {
		// A proper prefix of a JSON object is never valid JSON.
		b = b[:len(b)/2]
	}
	rp.w.Header().Set("Content-Type", "application/json; charset=utf-8")
	rp.w.WriteHeader(status)
	_, _ = rp.w.Write(b)
}

// fail answers the envelope of a failure, the message in Vietnamese with
// English in parentheses.
func (rp *reply) fail(status int, code, vi, en string) {
	rp.send(status, wire.Answer{ErrorCode: code, Message: wire.Description{VI: vi, EN: en}.String()})
}

// writeJSON writes a control-surface answer.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
