package gateway

import (
	"context"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// quotaEntry is an exhausted monthly quota, as the metering service wrote it
// to the LGSP_QUOTA bucket.
type quotaEntry struct {
	reset int64 // unix nanoseconds
	limit int64
}

// watchQuota mirrors the exhausted entries of the quota bucket into memory,
// so that the request path does one lock-free map read.
func (g *Gateway) watchQuota(ctx context.Context) {
	for ctx.Err() == nil {
		if err := g.watchQuotaOnce(ctx); err != nil && ctx.Err() == nil {
			g.log.Warn("quota watch interrupted; retrying", "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}

func (g *Gateway) watchQuotaOnce(ctx context.Context) error {
	kv, err := natsx.EnsureQuotaBucket(ctx, g.bus.JS, natsx.StreamOptions{Replicas: g.cfg.StreamReplicas})
	if err != nil {
		return err
	}
	w, err := kv.WatchAll(ctx)
	if err != nil {
		return err
	}
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case e, ok := <-w.Updates():
			if !ok {
				return nil
			}
			if e == nil {
				continue // end of the initial values
			}
			g.applyQuota(e)
		}
	}
}

func (g *Gateway) applyQuota(e jetstream.KeyValueEntry) {
	key := e.Key()
	if e.Operation() != jetstream.KeyValuePut {
		g.dropQuota(key)
		return
	}
	var st meteringv1.QuotaState
	if err := proto.Unmarshal(e.Value(), &st); err != nil {
		g.log.Warn("quota state is not a QuotaState; ignored", "subscription", key, "err", err)
		return
	}
	if !st.GetExhausted() {
		g.dropQuota(key)
		return
	}
	q := &quotaEntry{limit: st.GetLimit()}
	if rt := st.GetResetTime(); rt != nil && rt.IsValid() {
		q.reset = rt.AsTime().UnixNano()
	}
	if _, loaded := g.quota.Swap(key, q); !loaded {
		g.quotaCount.Add(1)
	}
}

func (g *Gateway) dropQuota(key string) {
	if _, loaded := g.quota.LoadAndDelete(key); loaded {
		g.quotaCount.Add(-1)
	}
}

// quotaExhausted returns the reset time when the subscription's quota is
// used up and the reset lies ahead.
func (g *Gateway) quotaExhausted(subID string, now int64) (int64, bool) {
	if g.quotaCount.Load() == 0 {
		return 0, false
	}
	v, ok := g.quota.Load(subID)
	if !ok {
		return 0, false
	}
	q := v.(*quotaEntry)
	if q.reset <= now {
		return 0, false
	}
	return q.reset, true
}
