package metering

import (
	"context"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/lgsp-vn/lgsp/platform/natsx"
)

// Prometheus metrics of the ingest path, on the default registry that the
// admin listener's /metrics serves.
var (
	metricEvents = promauto.NewCounter(prometheus.CounterOpts{
		Name: "lgsp_metering_events_counted_total",
		Help: "Metering events counted into the rollups.",
	})
	metricBatches = promauto.NewCounter(prometheus.CounterOpts{
		Name: "lgsp_metering_batches_total",
		Help: "Ingest transactions committed.",
	})
	metricBatchSeconds = promauto.NewHistogram(prometheus.HistogramOpts{
		Name:    "lgsp_metering_batch_apply_seconds",
		Help:    "Time to apply one batch of messages in SQL.",
		Buckets: prometheus.ExponentialBuckets(0.001, 2, 14),
	})
	metricSkipped = promauto.NewCounter(prometheus.CounterOpts{
		Name: "lgsp_metering_undecodable_messages_total",
		Help: "Messages on the metering stream that could not be decoded and were skipped.",
	})
	metricExhausted = promauto.NewCounter(prometheus.CounterOpts{
		Name: "lgsp_metering_quota_exhausted_total",
		Help: "Exhausted quota states published to the gateway.",
	})
)

// Lag returns how many stream messages are not counted yet: the metering
// stream's last sequence minus the stored cursor. It reads both from their
// source of truth, so any process (an end-to-end test, a readiness probe)
// may call it.
func (s *Service) Lag(ctx context.Context) (uint64, error) {
	st, err := s.bus.JS.Stream(ctx, natsx.MeteringStream)
	if err != nil {
		return 0, fmt.Errorf("metering: lag: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("metering: lag: %w", err)
	}
	var last int64
	err = s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT last_seq FROM metering_cursor WHERE name = ?`), s.cfg.Consumer).Scan(&last)
	if err != nil {
		last = 0
	}
	if uint64(last) >= info.State.LastSeq {
		return 0, nil
	}
	return info.State.LastSeq - uint64(last), nil
}
