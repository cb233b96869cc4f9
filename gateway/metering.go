package gateway

import (
	"log/slog"
	"net/netip"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// event is one request as the hot path records it: plain values and a
// pointer to the immutable route, converted to protobuf off the hot path.
type event struct {
	id                string
	at                int64 // unix nanoseconds
	rt                *route
	resource          string
	method            string
	app, agency, sub  string
	status            int32
	in, out           int64
	latency, upstream int64 // microseconds
	errCode           string
	client            netip.Addr
}

// meter publishes the gateway's metering events through meterpub's
// batcher, whose comment states the overflow policy; the buffer, batch,
// flush, pending and acknowledgement settings are LGSP_GATEWAY_METERING_*.
type meter = meterpub.Batcher[event]

func newMeter(cfg *Config, bus *natsx.Bus, instance string, log *slog.Logger, m *metrics) (*meter, error) {
	return meterpub.NewBatcher(bus.Conn, meterpub.BatcherConfig{
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
			Pending:   func(n int) { m.meterPending.Set(float64(n)) },
		},
	}, encodeEvent)
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
