package telemetry_test

import (
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lgsp-vn/lgsp/platform/telemetry"
)

// TestHandlerServesDefaultRegistry checks that /metrics is the Prometheus
// text of the default registry: the Go (and, on Linux, process) collectors
// and collectors packages register themselves.
func TestHandlerServesDefaultRegistry(t *testing.T) {
	tel, err := telemetry.Setup(t.Context(), telemetry.Options{ServiceName: "lgsp-test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(t.Context()) })
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "lgsp_telemetry_test_total", Help: "A counter of this test."})
	prometheus.MustRegister(c)
	t.Cleanup(func() { prometheus.Unregister(c) })
	c.Add(3)

	rec := httptest.NewRecorder()
	tel.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body := rec.Body.String()
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/plain") {
		t.Fatalf("status %d, content type %q", rec.Code, rec.Header().Get("Content-Type"))
	}
	want := []string{"lgsp_telemetry_test_total 3", "go_goroutines "}
	if runtime.GOOS == "linux" {
		want = append(want, "process_resident_memory_bytes ")
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("/metrics lacks %q", w)
		}
	}
	// No OpenTelemetry metrics pipeline any more.
	if strings.Contains(body, "target_info") || strings.Contains(body, "otel_scope_name") {
		t.Errorf("/metrics still shows OpenTelemetry exporter series")
	}
}
