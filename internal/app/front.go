package app

import (
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"google.golang.org/grpc"

	"github.com/lgsp-vn/lgsp/platform/server"
	"github.com/lgsp-vn/lgsp/platform/service"
)

// front is the admin listener's handler. Until the services are built it
// answers health itself: /healthz 200, /readyz 503 naming the dependencies
// awaited, everything else 503 "starting". Then it hands every request to
// the services' surface, switched in once, atomically.
type front struct {
	h    atomic.Pointer[http.Handler]
	grpc atomic.Pointer[grpc.Server]
	// bodies are the services' larger body bounds by path prefix.
	bodies atomic.Pointer[[]service.BodyLimit]

	mu    sync.Mutex
	waits map[string]string
}

func newFront() *front { return &front{waits: map[string]string{}} }

// waiting records that dep does not answer (err) or answers again (nil).
func (f *front) waiting(dep string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.waits, dep)
		return
	}
	f.waits[dep] = err.Error()
}

// bodyLimit is the body bound a service asked for on r's path, or 0.
func (f *front) bodyLimit(r *http.Request) int64 {
	ls := f.bodies.Load()
	if ls == nil {
		return 0
	}
	for _, l := range *ls {
		if strings.HasPrefix(r.URL.Path, l.Prefix) {
			return l.Max
		}
	}
	return 0
}

func (f *front) ready(h http.Handler, g *grpc.Server) {
	f.grpc.Store(g)
	f.h.Store(&h)
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc") {
		if g := f.grpc.Load(); g != nil {
			g.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/grpc")
		w.Header().Set("Grpc-Status", "14") // Unavailable
		w.Header().Set("Grpc-Message", "starting: waiting for dependencies")
		w.WriteHeader(http.StatusOK)
		return
	}
	if h := f.h.Load(); h != nil {
		(*h).ServeHTTP(w, r)
		return
	}
	switch r.URL.Path {
	case "/healthz":
		server.LiveHandler().ServeHTTP(w, r)
		return
	case "/readyz":
		f.mu.Lock()
		failed := map[string]string{"startup": "services are starting"}
		for k, v := range f.waits {
			failed[k] = v
		}
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(map[string]any{"status": "not_ready", "failed": failed})
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Retry-After", "5")
	w.WriteHeader(http.StatusServiceUnavailable)
	_ = json.NewEncoder(w).Encode(map[string]string{
		"code":       "starting",
		"message":    "the service is starting and waits for its database or NATS; see /readyz",
		"message_vi": "dịch vụ đang khởi động và chờ cơ sở dữ liệu hoặc NATS; xem /readyz",
		"request_id": r.Header.Get("X-Request-Id"),
	})
}
