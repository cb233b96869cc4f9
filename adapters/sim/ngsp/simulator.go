package ngsp

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/natdb"
	"github.com/lgsp-vn/lgsp/adapters/sim/simkit"
)

// Paths the simulator serves. The data APIs' are natdb's, named here too
// for the callers that know only the simulator.
const (
	PathToken       = "/token"
	PathOAuth2Token = "/oauth2/token" // the same endpoint under WSO2's other name

	BusinessRegistrationContext = natdb.BusinessRegistrationContext
	PathBusinessDetail          = natdb.PathBusinessDetail
	PathBusinessSearch          = natdb.PathBusinessSearch
	PathBusinessChanges         = natdb.PathBusinessChanges

	CatalogContext  = natdb.CatalogContext
	PathAllCategory = natdb.PathAllCategory
	PathCategory    = natdb.PathCategory

	PopulationContext = natdb.PopulationContext
	PathCitizen       = natdb.PathCitizen

	CivilStatusContext     = natdb.CivilStatusContext
	PathBirth              = natdb.PathBirth
	PathMarriage           = natdb.PathMarriage
	PathDeath              = natdb.PathDeath
	PathRegistrationStatus = natdb.PathRegistrationStatus

	JudicialContext        = natdb.JudicialContext
	PathJudicial           = natdb.PathJudicial
	PathCertificateRequest = natdb.PathCertificateRequest
	PathCertificateStatus  = natdb.PathCertificateStatus

	InsuranceContext = natdb.InsuranceContext
	PathInsurance    = natdb.PathInsurance

	// AdminPrefix holds the simulator's own endpoints.
	AdminPrefix = "/_sim/"
)

// Simulator serves the NGSP surface. It is safe for concurrent use.
type Simulator struct {
	cfg     Config
	cfgErr  error
	log     *slog.Logger
	data    *dataset
	tokens  *tokenStore
	certs   *certStore
	faults  *injector
	stats   *simkit.Counter
	allowIP []netip.Prefix
	routes  map[string]route

	server    *simkit.Server
	quit      chan struct{}
	closeOnce sync.Once
}

type route struct {
	method string
	serve  http.HandlerFunc
}

// New builds a simulator. It does not fail: a configuration that does not
// validate makes Start and Serve return the validation error, and Handler
// answer 503, so call cfg.Validate first to fail early. A nil log discards.
func New(cfg Config, log *slog.Logger) *Simulator {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	s := &Simulator{
		cfg:    cfg,
		cfgErr: cfg.Validate(),
		log:    log.With("component", "sim.ngsp"),
		data:   newDataset(),
		certs:  newCertStore(maxCertificateRequests),
		stats:  simkit.NewCounter(),
		quit:   make(chan struct{}),
	}
	s.server = simkit.NewServer(simkit.ServerOptions{
		Name:      "ngsp simulator",
		Handler:   s,
		Refuse:    s.cfgErr,
		Log:       s.log,
		Listening: "ngsp simulator listening",
		Failed:    "ngsp simulator stopped with an error",
		Release:   s.Close, // release hanging calls so that shutdown does not wait for them
	})
	s.tokens = newTokenStore(max(cfg.MaxTokens, 1), cfg.Clock)
	if s.cfgErr == nil {
		s.allowIP, _ = parseAllowList(cfg.AllowedIPs)
		s.faults = newInjector(cfg.Faults)
	} else {
		s.faults = newInjector(Faults{})
	}
	s.routes = map[string]route{
		PathToken:              {"", s.handleToken},
		PathOAuth2Token:        {"", s.handleToken},
		PathBusinessDetail:     {http.MethodGet, s.guarded(s.handleBusinessDetail)},
		PathBusinessSearch:     {http.MethodGet, s.guarded(s.handleBusinessSearch)},
		PathAllCategory:        {http.MethodGet, s.guarded(s.handleAllCategory)},
		PathCategory:           {http.MethodGet, s.guarded(s.handleCategory)},
		PathCitizen:            {http.MethodGet, s.personal(s.handleCitizen)},
		PathBusinessChanges:    {http.MethodGet, s.guarded(s.handleBusinessChanges)},
		PathBirth:              {http.MethodGet, s.personal(s.handleBirth)},
		PathMarriage:           {http.MethodGet, s.personal(s.handleMarriage)},
		PathDeath:              {http.MethodGet, s.personal(s.handleDeath)},
		PathRegistrationStatus: {http.MethodGet, s.agencyOnly(s.handleRegistrationStatus)},
		PathJudicial:           {http.MethodGet, s.personal(s.handleJudicial)},
		PathCertificateRequest: {http.MethodPost, s.personal(s.handleCertificateRequest)},
		PathCertificateStatus:  {http.MethodGet, s.personal(s.handleCertificateStatus)},
		PathInsurance:          {http.MethodGet, s.personal(s.handleInsurance)},
	}
	return s
}

// Handler returns the simulator as an http.Handler.
func (s *Simulator) Handler() http.Handler { return s }

// Demo returns identifiers of seeded records to show and test with.
func (s *Simulator) Demo() Demo { return s.data.demo }

// SetFaults replaces the fault-injection knobs.
func (s *Simulator) SetFaults(f Faults) error {
	if err := f.Validate(); err != nil {
		return err
	}
	s.faults.set(f)
	s.log.Info("fault knobs changed", "latency", time.Duration(f.Latency), "jitter", time.Duration(f.Jitter),
		"failure_rate", f.FailureRate, "timeout_rate", f.TimeoutRate, "malformed_rate", f.MalformedRate,
		"token_reject_rate", f.TokenRejectRate, "path_overrides", len(f.Paths), "seeded", f.Seed != 0)
	return nil
}

// Faults returns the current knobs.
func (s *Simulator) Faults() Faults { return s.faults.get() }

// Stats returns call counts per path and status.
func (s *Simulator) Stats() Stats {
	since, total, paths := s.stats.Snapshot()
	return Stats{Since: since, Total: total, Paths: paths}
}

// ResetStats zeroes the call counts.
func (s *Simulator) ResetStats() { s.stats.Reset() }

// RevokeTokens forgets every issued token, as if the national platform
// had revoked them, and returns how many there were.
func (s *Simulator) RevokeTokens() int { return s.tokens.revokeAll() }

// Close releases calls that are hanging or waiting on injected latency.
// It does not stop a listener; cancel the context given to Start or Serve
// for that.
func (s *Simulator) Close() { s.closeOnce.Do(func() { close(s.quit) }) }

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

type ctxKey struct{}

// requestID returns the id of the call, set by ServeHTTP.
func requestID(r *http.Request) string {
	id, _ := r.Context().Value(ctxKey{}).(string)
	return id
}

func newRequestID() string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// acceptableID reports whether a caller-supplied request id is safe to
// echo and log.
func acceptableID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// ServeHTTP routes a call: admin endpoints bypass faults and statistics;
// everything else is counted, goes through the fault injector, then to
// its handler.
func (s *Simulator) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := r.Header.Get("X-Request-Id")
	if !acceptableID(id) {
		id = newRequestID()
	}
	w.Header().Set("X-Request-Id", id)
	r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, id))

	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		s.handleAdmin(w, r)
		return
	}
	if s.cfgErr != nil {
		writeFault(w, http.StatusServiceUnavailable, 101503, "Runtime Error", "Simulator is misconfigured")
		return
	}
	rt, known := s.routes[r.URL.Path]
	key := r.URL.Path
	if !known {
		key = "other"
	}
	rec := &recorder{ResponseWriter: w}
	start := time.Now()
	defer func() {
		status := rec.status
		if status == 0 {
			status = http.StatusOK
		}
		s.stats.Add(key, status)
		s.log.Debug("ngsp call", "method", r.Method, "path", key, "status", status,
			"duration", time.Since(start), "request_id", id)
	}()
	out, req, finish, done := s.applyFaults(rec, r, rec)
	if done {
		return
	}
	defer finish()
	switch {
	case !known:
		writeFault(out, http.StatusNotFound, 404, "Status report", "No matching resource found for given API Request")
	case rt.method != "" && req.Method != rt.method:
		out.Header().Set("Allow", rt.method)
		writeFault(out, http.StatusMethodNotAllowed, 405, "Status report", "Method not allowed for given API resource")
	default:
		rt.serve(out, req)
	}
}

// guarded guards a data API: a valid bearer token, then the IP allow-list.
func (s *Simulator) guarded(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if e := s.authorize(r); e != nil {
			s.fail(w, r, e)
			return
		}
		if tokenRejected(r) {
			tok, _ := bearer(r)
			s.rejectToken(w, tok)
			return
		}
		h(w, r)
	}
}

func (s *Simulator) authorize(r *http.Request) *natErr {
	tok, ok := bearer(r)
	if !ok {
		return errAuthen("missing or malformed Authorization header; a Bearer access token is required",
			"thiếu hoặc sai định dạng tiêu đề Authorization; cần access token dạng Bearer")
	}
	switch known, expired := s.tokens.check(tok); {
	case !known:
		return errAuthen("invalid access token", "access token không hợp lệ")
	case expired:
		return errAuthen("access token has expired", "access token đã hết hạn")
	}
	if len(s.allowIP) > 0 && !s.ipAllowed(r.RemoteAddr) {
		return &natErr{CodeIPDisallowed, "the client IP address is not allowed to call this API",
			"địa chỉ IP của máy khách không được phép gọi API này"}
	}
	return nil
}

func (s *Simulator) ipAllowed(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		host = remote
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.allowIP {
		if p.Contains(a) {
			return true
		}
	}
	return false
}
