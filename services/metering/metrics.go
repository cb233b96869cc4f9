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
	metricStreamResets = promauto.NewCounterVec(prometheus.CounterOpts{
		Name: "lgsp_metering_stream_resets_total",
		Help: "Times the cursor was re-based because the metering stream was not the one it counted: " +
			"replaced (another stream, counted from its first message) or rolled_back (an older copy, counted after its messages that were counted).",
	}, []string{"kind"})
)

// Lag returns how many stream messages are not counted yet: the metering
// stream's last sequence minus the position counting continues from (the
// stored cursor, or where it will be re-based when the stream is not the
// one it counted). It reads both from their source of truth, so any process
// (an end-to-end test, a readiness probe) may call it.
func (s *Service) Lag(ctx context.Context) (uint64, error) {
	st, err := s.bus.JS.Stream(ctx, natsx.MeteringStream)
	if err != nil {
		return 0, fmt.Errorf("metering: lag: %w", err)
	}
	info, err := st.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("metering: lag: %w", err)
	}
	cur, err := readCursor(ctx, s.db, s.cfg.Consumer)
	if err != nil {
		cur = cursorState{}
	}
	plan, err := planStream(cur, viewOf(info), nextIn(ctx, st))
	if err != nil {
		return 0, fmt.Errorf("metering: lag: %w", err)
	}
	if plan.cursor >= info.State.LastSeq {
		return 0, nil
	}
	return info.State.LastSeq - plan.cursor, nil
}
