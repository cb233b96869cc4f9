package registry

import (
	"errors"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are Prometheus collectors on the default registerer, which the
// admin listener's /metrics serves. They are created once per process, so
// several Service values (tests, a restarted service) share them; the names
// are those the former OpenTelemetry exporter produced.
type metrics struct {
	tokenIssued     prometheus.Counter
	tokenFailures   *prometheus.CounterVec // reason
	loginFailures   prometheus.Counter
	publishFailures prometheus.Counter
}

var (
	metricsOnce sync.Once
	procMetrics *metrics
)

func newMetrics() *metrics {
	metricsOnce.Do(func() {
		procMetrics = &metrics{
			tokenIssued: register(prometheus.NewCounter(prometheus.CounterOpts{
				Name: "lgsp_registry_tokens_issued_total", Help: "Access tokens issued.",
			})),
			tokenFailures: register(prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_registry_token_failures_total", Help: "Refused token requests, by reason.",
			}, []string{"reason"})),
			loginFailures: register(prometheus.NewCounter(prometheus.CounterOpts{
				Name: "lgsp_registry_login_failures_total", Help: "Refused admin logins.",
			})),
			publishFailures: register(prometheus.NewCounter(prometheus.CounterOpts{
				Name: "lgsp_registry_event_publish_failures_total", Help: "Change events that could not be published.",
			})),
		}
	})
	return procMetrics
}

// register adds c to the default registerer, or returns the collector
// already registered under the same name.
func register[C prometheus.Collector](c C) C {
	err := prometheus.DefaultRegisterer.Register(c)
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing
		}
	}
	return c
}
