package vdxp

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// AdminPrefix holds the simulator's control endpoints.
const AdminPrefix = "/_sim/"

// Limits of one answer, so that a long-running dev simulator cannot be
// asked for a million entries at once.
const (
	maxListed = 1000
	maxSent   = 5000
)

// Simulator serves the national document axis. It is safe for concurrent
// use.
type Simulator struct {
	cfg      Config
	cfgErr   error
	log      *slog.Logger
	dir      *directory
	systems  map[string]*system
	province *system
	verifier *signedheader.Verifier
	store    *store
	faults   *injector
	stats    *simkit.Counter
	answers  *answerer
	routes   map[string]route

	// hosted are codes the province's system hosts although the directory
	// has them: the agencies `lgsp dev` creates locally (HostInProvince).
	hostedMu sync.RWMutex
	hosted   map[string]bool

	// gate is the listener while Start or Serve runs, for real outages.
	gateMu sync.Mutex
	gate   *gate

	server    *simkit.Server
	quit      chan struct{}
	closeOnce sync.Once
}

// New builds a simulator. It does not fail: a configuration that does not
// validate makes Start and Serve return the validation error, and the
// axis calls answer ErrorCode 20, so call cfg.Validate first to fail
// early. A nil log discards.
func New(cfg Config, log *slog.Logger) *Simulator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Simulator{
		cfg:     cfg,
		cfgErr:  cfg.Validate(),
		log:     log.With("component", "sim.vdxp"),
		dir:     newDirectory(),
		systems: map[string]*system{},
		store:   newStore(max(cfg.MaxDocuments, 1)),
		stats:   simkit.NewCounter(),
		quit:    make(chan struct{}),
	}
	s.server = simkit.NewServer(simkit.ServerOptions{
		Name:      "vdxp simulator",
		Handler:   s,
		Refuse:    s.cfgErr,
		Log:       s.log,
		Listening: "trình mô phỏng trục liên thông đang chạy (national document axis simulator listening)",
		Failed:    "trình mô phỏng dừng do lỗi (simulator stopped with an error)",
		Wrap:      s.gated,
		Release:   s.Close, // release calls waiting on latency so that shutdown does not wait for them
	})
	s.province = &system{id: cfg.SystemID, secret: cfg.Secret, province: true}
	s.systems[cfg.SystemID] = s.province
	if s.cfgErr == nil {
		others, _ := parseSystems(cfg.SystemID, cfg.Systems)
		for _, o := range others {
			s.systems[o.id] = o
		}
		s.faults = newInjector(cfg.Faults)
	} else {
		s.faults = newInjector(Faults{})
	}
	s.verifier = &signedheader.Verifier{
		Secret: func(id string) (string, bool) {
			sys, ok := s.systems[id]
			if !ok {
				return "", false
			}
			return sys.secret, true
		},
		Window: cfg.Window,
		Now:    cfg.Clock,
		Replay: signedheader.NewReplayCache(0),
	}
	s.answers = newAnswerer(s)
	s.routes = s.routeTable()
	if s.cfgErr == nil && cfg.Faults.Outage != "" {
		s.scheduleOutageEnd(s.faults.gen, cfg.Faults)
	}
	return s
}

// Handler returns the simulator as an http.Handler. Served this way an
// outage "refuse" drops connections instead of refusing them.
func (s *Simulator) Handler() http.Handler { return s }

// Config is the configuration the simulator was built with.
func (s *Simulator) Config() Config { return s.cfg }

// SetFaults replaces the fault knobs.
func (s *Simulator) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	gen := s.faults.set(f)
	s.applyOutage()
	s.scheduleOutageEnd(gen, f)
	s.log.Info("đã đổi tham số lỗi (fault knobs changed)", "latency", time.Duration(f.Latency), "jitter", time.Duration(f.Jitter),
		"error_rate", f.ErrorRate, "outage", f.Outage, "outage_for", time.Duration(f.OutageFor),
		"reject_recipients", len(f.RejectRecipients), "calls", f.Calls, "seeded", f.Seed != 0)
	return nil
}

// Faults returns the current knobs.
func (s *Simulator) Faults() Faults { return s.faults.get() }

// scheduleOutageEnd ends an outage after OutageFor, unless the knobs
// changed meanwhile.
func (s *Simulator) scheduleOutageEnd(gen uint64, f Faults) {
	if f.Outage == "" || f.OutageFor <= 0 {
		return
	}
	time.AfterFunc(time.Duration(f.OutageFor), func() {
		if s.faults.endOutage(gen) {
			s.applyOutage()
			s.log.Info("hết sự cố mô phỏng (simulated outage over)")
		}
	})
}

// applyOutage takes the listener down or brings it back up to match the
// knobs.
func (s *Simulator) applyOutage() {
	s.gateMu.Lock()
	g := s.gate
	s.gateMu.Unlock()
	if g == nil {
		return
	}
	if s.faults.outage() == OutageRefuse {
		g.down()
		return
	}
	if err := g.up(); err != nil {
		s.log.Error("không mở lại được cổng sau sự cố (cannot listen again after the outage)", "addr", g.Addr().String(), "err", err)
	}
}

// Reset forgets every document, inbox and statistic, and puts the fault
// knobs back to the configured ones. Pending automatic answers are
// dropped.
func (s *Simulator) Reset() {
	s.answers.reset()
	s.store.reset()
	s.stats.Reset()
	f := Faults{}
	if s.cfgErr == nil {
		f = s.cfg.Faults
	}
	gen := s.faults.set(f)
	s.applyOutage()
	s.scheduleOutageEnd(gen, f)
	s.log.Info("đã xoá trạng thái trình mô phỏng (simulator reset)")
}

// Stats returns call counts per call and HTTP status.
func (s *Simulator) Stats() Stats {
	since, total, calls := s.stats.Snapshot()
	return Stats{Since: since, Total: total, Calls: calls}
}

// Documents describes every document and status the simulator holds,
// oldest first: what systems sent, what was injected, and the automatic
// answers.
func (s *Simulator) Documents() []DocumentInfo {
	return s.store.info(func(*document) bool { return true })
}

// Document returns one document's description and its bytes exactly as
// the axis stored them.
func (s *Simulator) Document(docID string) (DocumentInfo, []byte, bool) {
	return s.store.one(docID)
}

// Directory returns the agencies the simulator plays itself.
func (s *Simulator) Directory() []wire.Agency { return s.dir.all() }

// Close stops automatic answers and releases calls waiting on injected
// latency. It does not stop a listener; cancel the context given to Start
// or Serve for that.
func (s *Simulator) Close() {
	s.closeOnce.Do(func() {
		close(s.quit)
		s.answers.reset()
	})
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

// gated puts the listener behind the gate that real outages close, and
// applies an outage configured at start.
func (s *Simulator) gated(ln net.Listener) net.Listener {
	g := newGate(ln)
	s.gateMu.Lock()
	s.gate = g
	s.gateMu.Unlock()
	s.applyOutage()
	return g
}

// route is one axis call: the methods it answers and its handler, which
// runs once the caller is authenticated.
type route struct {
	get   bool
	serve func(w http.ResponseWriter, r *http.Request, c *caller)
}

// caller is an authenticated request.
type caller struct {
	sys    *system
	signed *signedheader.Result
	r      *http.Request
}

// header returns a logical header, the signed value first, then as
// received with or without the prefix.
func (c *caller) header(name string) string {
	if v, ok := c.signed.Get(name); ok {
		return strings.TrimSpace(v)
	}
	return strings.TrimSpace(signedheader.Lookup(c.r.Header.Get, name))
}

func (s *Simulator) routeTable() map[string]route {
	return map[string]route{
		wire.CallSendEdoc:            {false, s.sendEdoc},
		wire.CallGetReceivedEdocList: {false, s.getReceivedEdocList},
		wire.CallGetEdoc:             {false, s.getEdoc},
		wire.CallUpdateStatus:        {false, s.updateStatus},
		wire.CallGetSentEdocList:     {false, s.getSentEdocList},
		wire.CallCountReceiveEdoc:    {true, s.countReceive(wire.MessageEdoc)},
		wire.CallCountReceiveStatus:  {true, s.countReceive(wire.MessageStatus)},
		wire.CallGetAgenciesList:     {true, s.getAgenciesList},
		wire.CallRegisterAgency:      {false, s.directoryReadOnly},
		wire.CallDeleteAgency:        {false, s.directoryReadOnly},
	}
}

// ServeHTTP routes a call: control endpoints bypass faults and
// statistics; an axis call is counted, goes through the faults, is
// authenticated, then served. The call is the last path segment.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.handleAdmin(w, r)
		return
	}
	call := r.URL.Path[strings.LastIndexByte(r.URL.Path, '/')+1:]
	rt, known := s.routes[call]
	key := call
	if !known {
		key = "other"
	}
	rec := &simkit.Recorder{ResponseWriter: w, Count: func(status int) { s.stats.Add(key, status) }}
	start := time.Now()
	defer func() {
		rec.Done(http.StatusOK) // a handler that wrote nothing answered 200
		s.log.Debug("vdxp call", "method", r.Method, "call", key, "status", rec.Status(), "duration", time.Since(start))
	}()
	if s.cfgErr != nil {
		s.fail(rec, call, http.StatusServiceUnavailable, wire.CodePlatformError,
			"trình mô phỏng cấu hình sai", "the simulator is misconfigured")
		return
	}
	if s.applyFaults(rec, r, call) {
		return
	}
	switch {
	case !known:
		s.fail(rec, call, http.StatusNotFound, wire.CodeMethodNotAllowed,
			"không có chức năng này trên trục", "no such call on the axis")
		return
	case r.Method != http.MethodPost && !(rt.get && r.Method == http.MethodGet):
		allow := http.MethodPost
		if rt.get {
			allow = "GET, POST"
		}
		rec.Header().Set("Allow", allow)
		s.fail(rec, call, http.StatusMethodNotAllowed, wire.CodeMethodNotAllowed,
			"phương thức không được hỗ trợ cho chức năng này", "method not allowed for this call")
		return
	}
	c, ok := s.authenticate(rec, r, call)
	if !ok {
		return
	}
	rt.serve(rec, r, c)
}

// authenticate checks the signed headers and answers 15 when they fail.
func (s *Simulator) authenticate(w http.ResponseWriter, r *http.Request, call string) (*caller, bool) {
	res, err := s.verifier.Verify(r.Header.Get)
	if err != nil {
		// Verify's errors are safe to show: never the secret or signature.
		s.log.Info("từ chối chữ ký (signed headers refused)", "call", call,
			"systemid", truncate(signedheader.Lookup(r.Header.Get, signedheader.NameSystemID), 64), "reason", err.Error())
		s.fail(w, call, http.StatusUnauthorized, wire.CodeBadCredentials,
			"xác thực không thành công: chữ ký, thời điểm ký hoặc systemid không hợp lệ",
			"authentication failed: "+err.Error())
		return nil, false
	}
	return &caller{sys: s.systems[res.SystemID], signed: res, r: r}, true
}

// applyFaults runs the faults of one call and reports whether it has
// answered (or dropped the connection), so the caller must stop.
func (s *Simulator) applyFaults(w *simkit.Recorder, r *http.Request, call string) bool {
	d := s.faults.decide(call)
	switch d.outage {
	case OutageRefuse:
		// Only reached when the socket cannot be closed (Handler behind
		// httptest), or by a connection accepted just before the outage.
		w.Done(StatusDropped)
		if hj, ok := w.ResponseWriter.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				_ = conn.Close()
				return true
			}
		}
		panic(http.ErrAbortHandler)
	case OutageUnavailable:
		s.fail(w, call, http.StatusServiceUnavailable, wire.CodePlatformError,
			"trục liên thông đang tạm ngừng hoạt động, vui lòng thử lại sau", "the axis is unavailable, try again later")
		return true
	}
	if err := simkit.Wait(r.Context(), s.quit, d.delay); err != nil {
		if errors.Is(err, simkit.ErrStopped) {
			s.fail(w, call, http.StatusServiceUnavailable, wire.CodePlatformError,
				"trình mô phỏng đang dừng", "the simulator is shutting down")
		} else {
			w.Done(StatusClientGone)
		}
		return true
	}
	if d.fail != 0 {
		s.fail(w, call, d.fail, wire.CodePlatformError,
			"lỗi hệ thống trục liên thông, vui lòng thử lại sau", "the axis failed, try again later")
		return true
	}
	return false
}

// fail answers the national envelope of a failure; sendEdoc's carries an
// empty DocId, as the SDK reads it from every answer.
func (s *Simulator) fail(w http.ResponseWriter, call string, status int, code, vi, en string) {
	desc := vi + " (" + en + ")"
	if call == wire.CallSendEdoc {
		writeJSON(w, status, wire.SendResult{Result: wire.Fail(code, desc)})
		return
	}
	writeJSON(w, status, wire.Fail(code, desc))
}

// writeJSON writes v with the given status. Encoding our own types cannot
// fail, and a failed write means the client is gone, so errors are dropped.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, _ := json.Marshal(v)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// HostInProvince makes the province's system host codes even where the
// simulator's own directory has them: documents for them are routed to
// the province, not answered by the simulator. `lgsp dev` calls it with
// the agencies it creates locally, so that the national axis sends their
// documents into the province.
func (s *Simulator) HostInProvince(codes ...string) {
	s.hostedMu.Lock()
	defer s.hostedMu.Unlock()
	if s.hosted == nil {
		s.hosted = map[string]bool{}
	}
	for _, c := range codes {
		s.hosted[c] = true
	}
}

func (s *Simulator) hostedByProvince(code string) bool {
	s.hostedMu.RLock()
	defer s.hostedMu.RUnlock()
	return s.hosted[code]
}
