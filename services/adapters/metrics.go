package adapters

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lgsp-vn/lgsp/adapters/ngsp"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/adapters/v1"
)

var (
	metricLookups = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lgsp_adapters_lookups_total",
		Help: "National-data lookups by database path and outcome (national, cache, stale_cache, not_found, invalid, unavailable, misconfigured).",
	}, []string{"path", "outcome"})
	metricAccessLogFailures = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lgsp_adapters_access_log_failures_total",
		Help: "Personal-data lookups whose access-log entry could not be written; their data was withheld.",
	})
)

func init() {
	for _, c := range []prometheus.Collector{metricLookups, metricAccessLogFailures} {
		_ = prometheus.DefaultRegisterer.Register(c)
	}
}

// countLookup counts one call to NGSP's path by how it was answered.
func countLookup(path string, src pb.Source, err error) {
	outcome := "national"
	switch {
	case err != nil:
		outcome = string(ngsp.KindOf(err))
		if outcome == "" {
			outcome = "misconfigured"
		}
	case src == pb.Source_SOURCE_CACHE:
		outcome = "cache"
	case src == pb.Source_SOURCE_STALE_CACHE:
		outcome = "stale_cache"
	}
	metricLookups.WithLabelValues(path, outcome).Inc()
}
