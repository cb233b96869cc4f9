package server

import (
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"
)

// Check reports whether one dependency is ready.
type Check func(ctx context.Context) error

// Health holds the readiness checks of a process. Liveness needs none: a
// process that can answer /healthz is alive.
type Health struct {
	mu     sync.RWMutex
	checks map[string]Check
}

// NewHealth returns an empty set of checks.
func NewHealth() *Health { return &Health{checks: map[string]Check{}} }

// Add registers a named readiness check.
func (h *Health) Add(name string, c Check) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checks[name] = c
}

// Ready runs every check and returns the failures by name.
func (h *Health) Ready(ctx context.Context) map[string]string {
	h.mu.RLock()
	names := make([]string, 0, len(h.checks))
	for n := range h.checks {
		names = append(names, n)
	}
	h.mu.RUnlock()
	sort.Strings(names)
	ctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	failed := map[string]string{}
	for _, n := range names {
		h.mu.RLock()
		c := h.checks[n]
		h.mu.RUnlock()
		if err := c(ctx); err != nil {
			failed[n] = err.Error()
		}
	}
	return failed
}

// Names lists the checks, sorted.
func (h *Health) Names() []string {
	h.mu.RLock()
	defer h.mu.RUnlock()
	out := make([]string, 0, len(h.checks))
	for n := range h.checks {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// LiveHandler answers 200 while the process runs.
func LiveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
}

// ReadyHandler answers 200 when every check passes and 503 otherwise, with
// the failing checks named.
func (h *Health) ReadyHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		failed := h.Ready(r.Context())
		w.Header().Set("Content-Type", "application/json")
		body := map[string]any{"status": "ready"}
		if len(failed) > 0 {
			body = map[string]any{"status": "not_ready", "failed": failed}
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_ = json.NewEncoder(w).Encode(body)
	})
}
