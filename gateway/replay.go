package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// sharedReplay is the signed-header replay check of all gateways. A
// signature is checked first against this gateway's memory (no I/O, and
// the answer for a replay to the same gateway), then recorded in the
// LGSP_SIGNED_REPLAY bucket with Create, which fails when another gateway
// (or this one before a restart) recorded it first: a replay.
//
// When NATS does not answer, the check falls back to the memory of this
// gateway alone: a request is not refused for want of NATS, since the
// timestamp window and the local memory still stop replays to this
// gateway. Each such check is counted
// (lgsp_gateway_signed_replay_checks_total{result="local_only"}), and after
// a failure NATS is left alone for replayRetryAfter so that an outage does
// not cost every signed request a timeout.
type sharedReplay struct {
	local    *signedheader.ReplayCache
	kv       atomic.Pointer[kvHolder]
	instance []byte
	timeout  time.Duration
	// downUntil is when NATS is tried again after a failure (unix ns,
	// real time whatever the gateway's clock).
	downUntil                                       atomic.Int64
	log                                             *slog.Logger
	logs                                            *logEvery
	fresh, replayedLocal, replayedShared, localOnly prometheus.Counter
}

type kvHolder struct{ kv jetstream.KeyValue }

const (
	replayTimeout    = 500 * time.Millisecond
	replayRetryAfter = 5 * time.Second
)

func newSharedReplay(local *signedheader.ReplayCache, instance string, log *slog.Logger, m *metrics) *sharedReplay {
	c := m.replayChecks
	return &sharedReplay{local: local, instance: []byte(instance), timeout: replayTimeout, log: log, logs: newLogEvery(time.Minute),
		fresh: c.WithLabelValues("fresh"), replayedLocal: c.WithLabelValues("replayed_local"),
		replayedShared: c.WithLabelValues("replayed_shared"), localOnly: c.WithLabelValues("local_only")}
}

// Seen implements signedheader.Replay.
func (r *sharedReplay) Seen(key string, expiry, now time.Time) bool {
	if r.local.Seen(key, expiry, now) {
		r.replayedLocal.Inc()
		return true
	}
	h := r.kv.Load()
	if h == nil {
		r.fallBack(errors.New("replay bucket not declared yet"))
		return false
	}
	if time.Now().UnixNano() < r.downUntil.Load() {
		r.localOnly.Inc()
		return false
	}
	sum := sha256.Sum256([]byte(key))
	ctx, cancel := context.WithTimeout(context.Background(), r.timeout)
	defer cancel()
	_, err := h.kv.Create(ctx, hex.EncodeToString(sum[:]), r.instance)
	switch {
	case err == nil:
		r.fresh.Inc()
		return false
	case errors.Is(err, jetstream.ErrKeyExists):
		r.replayedShared.Inc()
		return true
	}
	r.downUntil.Store(time.Now().Add(replayRetryAfter).UnixNano())
	r.fallBack(err)
	return false
}

func (r *sharedReplay) fallBack(err error) {
	r.localOnly.Inc()
	if ok, held := r.logs.allow(time.Now()); ok {
		r.log.Warn("signed-header replay check against this gateway's memory only: other gateways' signatures are not seen until NATS answers",
			"err", err, "similar_checks_not_logged", held)
	}
}

// declareReplayBucket declares the replay bucket, retrying until NATS
// answers. Keys live twice the window: a timestamp may be up to the window
// ahead of the clock, and stays acceptable until the window after it.
func (g *Gateway) declareReplayBucket(ctx context.Context) {
	wait := time.Second
	for failures := 0; ; failures++ {
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		kv, err := natsx.EnsureReplayBucket(cctx, g.bus.JS, natsx.StreamOptions{Replicas: g.cfg.StreamReplicas}, 2*g.cfg.SignedHeaderWindow)
		cancel()
		if err == nil {
			g.replay.kv.Store(&kvHolder{kv})
			return
		}
		if ctx.Err() != nil {
			return
		}
		if failures == 0 || failures%10 == 0 {
			g.log.Warn("signed-header replay bucket not declared; retrying", "err", err, "failures", failures+1)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, 10*time.Second)
	}
}
