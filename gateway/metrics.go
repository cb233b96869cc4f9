package gateway

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are Prometheus collectors on the default registerer, which the
// admin listener serves. They are created once per process; handles per API
// are resolved when a table is built, so the request path only does atomic
// adds.
type metrics struct {
	requests         *prometheus.CounterVec   // api, class
	duration         *prometheus.HistogramVec // api
	upstreamDuration *prometheus.HistogramVec // api
	upstreamErrors   *prometheus.CounterVec   // api, kind
	meterPublished   prometheus.Counter
	meterDropped     *prometheus.CounterVec // reason
	meterDroppedFull prometheus.Counter
	meterRetries     prometheus.Counter
	meterPending     prometheus.Gauge
	meterAtRisk      prometheus.Gauge // async mode: events held in memory only
	meterJournal     prometheus.Gauge // durable mode: bytes waiting in the journal
	revision         prometheus.Gauge
	reloads          *prometheus.CounterVec // result
	tokenFailures    *prometheus.CounterVec // reason
	tokenInvalid     prometheus.Counter
	tokenThrottled   prometheus.Counter
	replayChecks     *prometheus.CounterVec // result
	federation       *prometheus.CounterVec // result

	mu     sync.Mutex
	routes map[string]*routeMetrics
}

type routeMetrics struct {
	byClass          [6]prometheus.Counter // index status/100
	duration         prometheus.Observer
	upstreamDuration prometheus.Observer
	upTimeout        prometheus.Counter
	upUnavailable    prometheus.Counter
	upCircuitOpen    prometheus.Counter
	upStatus5xx      prometheus.Counter
	upForbidden      prometheus.Counter
}

var (
	metricsOnce sync.Once
	procMetrics *metrics
)

func getMetrics() *metrics {
	metricsOnce.Do(func() {
		buckets := []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
		m := &metrics{
			requests: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_gateway_requests_total", Help: "Requests answered by the gateway, by API id and status class.",
			}, []string{"api", "class"}),
			duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Name: "lgsp_gateway_request_duration_seconds", Help: "Time from request read to response ready, by API id.", Buckets: buckets,
			}, []string{"api"}),
			upstreamDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
				Name: "lgsp_gateway_upstream_duration_seconds", Help: "Time spent waiting for upstreams, by API id.", Buckets: buckets,
			}, []string{"api"}),
			upstreamErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_gateway_upstream_errors_total", Help: "Upstream failures, by API id and kind (timeout, unavailable, circuit_open, status_5xx, forbidden_address).",
			}, []string{"api", "kind"}),
			meterPublished: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "lgsp_gateway_metering_published_total", Help: "Metering events acknowledged by JetStream.",
			}),
			meterDropped: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_gateway_metering_dropped_total", Help: "Metering events lost, by reason (buffer_full, shutdown, stopped, encode; journal: not stored durably and served anyway with metering_on_failure=serve).",
			}, []string{"reason"}),
			meterRetries: prometheus.NewCounter(prometheus.CounterOpts{
				Name: "lgsp_gateway_metering_republished_total", Help: "Metering batches re-sent after a failed or missing acknowledgement.",
			}),
			meterPending: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "lgsp_gateway_metering_pending_batches", Help: "Metering batches waiting for a JetStream acknowledgement.",
			}),
			meterAtRisk: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "lgsp_gateway_metering_at_risk_events", Help: "Async metering mode: events answered but held only in memory, lost if the process dies now (always 0 in durable mode).",
			}),
			meterJournal: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "lgsp_gateway_metering_journal_bytes", Help: "Durable metering mode: bytes of events in the local journal not yet acknowledged by JetStream.",
			}),
			revision: prometheus.NewGauge(prometheus.GaugeOpts{
				Name: "lgsp_gateway_snapshot_revision", Help: "Registry revision of the routing table in use.",
			}),
			reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_gateway_reloads_total", Help: "Registry snapshot fetches, by result (applied, not_modified, error).",
			}, []string{"result"}),
			tokenFailures: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_gateway_token_failures_total", Help: "Token requests refused at /token, by reason (invalid_client: unknown client or wrong secret; throttled: refused after too many of those).",
			}, []string{"reason"}),
			replayChecks: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_gateway_signed_replay_checks_total", Help: "Signed-header replay checks, by result (fresh, replayed_local, replayed_shared: refused as replays; local_only: NATS did not answer and only this gateway's memory was checked).",
			}, []string{"result"}),
			federation: prometheus.NewCounterVec(prometheus.CounterOpts{
				Name: "lgsp_gateway_federated_tokens_total", Help: "Tokens of trusted external issuers verified (not served from the cache), by result (accepted; expired, audience, claims, invalid, no_application: refused 401; keys_unavailable: refused 503, the issuer's JWKS cannot be obtained).",
			}, []string{"result"}),
			routes: map[string]*routeMetrics{},
		}
		m.tokenInvalid = m.tokenFailures.WithLabelValues("invalid_client")
		m.tokenThrottled = m.tokenFailures.WithLabelValues("throttled")
		m.meterDroppedFull = m.meterDropped.WithLabelValues("buffer_full")
		for _, c := range []prometheus.Collector{m.requests, m.duration, m.upstreamDuration, m.upstreamErrors, m.meterPublished, m.meterDropped, m.meterRetries, m.meterPending, m.meterAtRisk, m.meterJournal, m.revision, m.reloads, m.tokenFailures, m.replayChecks, m.federation} {
			if err := prometheus.DefaultRegisterer.Register(c); err != nil {
				// Registered already by someone else under the same name:
				// keep ours unregistered rather than fail.
				_ = err
			}
		}
		procMetrics = m
	})
	return procMetrics
}

// forRoute returns the handles of one API ("" is the unknown-route bucket).
func (m *metrics) forRoute(api string) *routeMetrics {
	if api == "" {
		api = "unknown"
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if rm := m.routes[api]; rm != nil {
		return rm
	}
	rm := &routeMetrics{
		duration:         m.duration.WithLabelValues(api),
		upstreamDuration: m.upstreamDuration.WithLabelValues(api),
		upTimeout:        m.upstreamErrors.WithLabelValues(api, "timeout"),
		upUnavailable:    m.upstreamErrors.WithLabelValues(api, "unavailable"),
		upCircuitOpen:    m.upstreamErrors.WithLabelValues(api, "circuit_open"),
		upStatus5xx:      m.upstreamErrors.WithLabelValues(api, "status_5xx"),
		upForbidden:      m.upstreamErrors.WithLabelValues(api, "forbidden_address"),
	}
	for i, class := range []string{"other", "1xx", "2xx", "3xx", "4xx", "5xx"} {
		rm.byClass[i] = m.requests.WithLabelValues(api, class)
	}
	m.routes[api] = rm
	return rm
}

func (rm *routeMetrics) count(status int) {
	c := status / 100
	if c < 1 || c > 5 {
		c = 0
	}
	rm.byClass[c].Inc()
}
