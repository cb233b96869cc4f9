package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/journal"
	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// event is one request as the hot path records it: plain values and a
// pointer to the immutable route, converted to protobuf off the hot path.
type event struct {
	id               string
	at               int64 // unix nanoseconds
	rt               *route
	resource         string
	method           string
	app, agency, sub string
	status           int32
	// signed: the caller authenticated with signed headers. A bool in
	// status's padding rather than the systemid itself: a larger event
	// costs every request (BenchmarkAdmit), and only calls to platform
	// services need the systemid, which they read again (assertIdentity).
	signed            bool
	in, out           int64
	latency, upstream int64 // microseconds
	errCode           string
	client            netip.Addr
}

// meter records one metering event per answered call. Two modes
// (LGSP_GATEWAY_METERING_MODE):
//
//   - durable (default): Record returns once the event is fsynced in the
//     gateway's local journal, and the call is answered only then; a
//     shipper publishes the journal to JetStream, across NATS outages and
//     restarts (meterpub.Durable). A killed gateway loses no answered call.
//   - async: Record copies the event into memory and returns at once
//     (meterpub.Batcher); a killed gateway loses what JetStream has not
//     acknowledged, shown live by lgsp_gateway_metering_at_risk_events.
type meter interface {
	Record(*event) error
	Run()
	Stop(context.Context) error
	Published() int64
	// Healthy is nil while events can be stored durably.
	Healthy() error
}

func newMeter(cfg *Config, bus *natsx.Bus, instance string, log *slog.Logger, m *metrics) (meter, error) {
	bc := meterpub.BatcherConfig{
		Source:     meterpub.SourceGateway,
		Instance:   instance,
		Batch:      cfg.MeteringBatch,
		Flush:      cfg.MeteringFlush,
		Buffer:     cfg.MeteringBuffer,
		MaxPending: cfg.MeteringMaxPending,
		AckTimeout: cfg.MeteringAckTimeout,
		Log:        log,
		Hooks: meterpub.Hooks{
			Published: func(n int) { m.meterPublished.Add(float64(n)) },
			Dropped: func(reason string, n int) {
				if reason == meterpub.DropBufferFull {
					m.meterDroppedFull.Add(float64(n)) // resolved once: this is the request path
					return
				}
				m.meterDropped.WithLabelValues(reason).Add(float64(n))
			},
			Republish: m.meterRetries.Inc,
		},
	}
	if cfg.MeteringMode == "async" {
		a := &asyncMeter{}
		bc.Hooks.Pending = func(n int) {
			m.meterPending.Set(float64(n))
			m.meterAtRisk.Set(float64(a.AtRisk()))
		}
		b, err := meterpub.NewBatcher(bus.Conn, bc, encodeEvent)
		if err != nil {
			return nil, err
		}
		a.Batcher = b
		return a, nil
	}
	if cfg.MeteringJournalDir == "" {
		return nil, errors.New("gateway: LGSP_GATEWAY_METERING_JOURNAL_DIR is required in durable metering mode")
	}
	j, st, err := journal.Open(journal.Options{Dir: cfg.MeteringJournalDir, MaxBytes: cfg.MeteringJournalMaxBytes})
	if err != nil {
		return nil, fmt.Errorf("gateway: metering journal (LGSP_GATEWAY_METERING_JOURNAL_DIR=%s): %w", cfg.MeteringJournalDir, err)
	}
	if st.Damaged > 0 {
		log.Error("metering journal: damaged records discarded", "dir", cfg.MeteringJournalDir, "bytes", st.Damaged)
		m.meterDropped.WithLabelValues("journal_damaged").Add(1)
	}
	if st.Pending > 0 {
		log.Info("metering journal: shipping batches left by the previous run", "batches", st.Pending, "bytes", st.PendingBytes)
	}
	bc.Hooks.Pending = func(n int) {
		m.meterPending.Set(float64(n))
		m.meterJournal.Set(float64(j.Unacked()))
	}
	d, err := meterpub.NewDurable(bus.Conn, j, bc, encodeEvent)
	if err != nil {
		_ = j.Close()
		return nil, err
	}
	return &durableMeter{Durable: d, j: j, max: cfg.MeteringJournalMaxBytes}, nil
}

// asyncMeter never refuses: a full buffer drops and counts.
type asyncMeter struct{ *meterpub.Batcher[event] }

func (a *asyncMeter) Record(e *event) error { a.Batcher.Record(e); return nil }
func (a *asyncMeter) Healthy() error        { return nil }

// durableMeter owns its journal.
type durableMeter struct {
	*meterpub.Durable[event]
	j   *journal.Journal
	max int64
}

// Healthy reports a journal too full to take another batch, so that the
// gateway refuses calls before it forwards them rather than after.
func (d *durableMeter) Healthy() error {
	if d.max > 0 && d.j.Unacked() >= d.max-int64(64<<10) {
		return journal.ErrFull
	}
	return nil
}

// Stop ships what it can within ctx, then closes the journal: what is
// left is shipped at the next start.
func (d *durableMeter) Stop(ctx context.Context) error {
	err := d.Durable.Stop(ctx)
	if cerr := d.j.Close(); err == nil {
		err = cerr
	}
	return err
}

// encodeEvent converts a recorded request to its metering event, on the
// publisher's goroutine.
func encodeEvent(pe *meteringv1.Event, e *event) {
	pe.Id = e.id
	pe.Time = timestamppb.New(time.Unix(0, e.at))
	pe.Source = meterpub.SourceGateway
	if e.rt != nil {
		pe.ApiId, pe.ApiContext, pe.ApiVersion, pe.ApiOwnerAgency = e.rt.id, e.rt.context, e.rt.version, e.rt.owner
	}
	pe.Resource = e.resource
	pe.Method = e.method
	pe.ApplicationId = e.app
	pe.AgencyCode = e.agency
	pe.SubscriptionId = e.sub
	pe.Status = e.status
	pe.BytesIn = e.in
	pe.BytesOut = e.out
	pe.LatencyUs = e.latency
	pe.UpstreamLatencyUs = e.upstream
	pe.ErrorCode = e.errCode
	if e.client.IsValid() {
		pe.ClientIp = e.client.String()
	}
}
