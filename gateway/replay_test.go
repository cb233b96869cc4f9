package gateway

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// startSecondGateway runs another gateway on h's NATS and registry, as a
// second replica behind the same load balancer would.
func (h *harness) startSecondGateway() *harness {
	h.t.Helper()
	cfg := h.gw.cfg
	cfg.InstanceID = "gw-b"
	cfg.MeteringJournalDir = h.t.TempDir() // each gateway has its own journal
	gw, err := New(cfg, h.counts, h.bus, quietLogger())
	if err != nil {
		h.t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &harness{t: h.t, reg: h.reg, w: h.w, counts: h.counts, gw: gw, url: "http://" + ln.Addr().String(),
		bus: h.bus, nats: h.nats, cancel: cancel, done: make(chan error, 1), client: h.client}
	go func() { b.done <- gw.RunListener(ctx, ln) }()
	h.t.Cleanup(b.stop)
	waitFor(h.t, 10*time.Second, "second gateway ready", func() bool { return gw.Ready(context.Background()) == nil })
	return b
}

func (h *harness) waitReplayBucket() {
	h.t.Helper()
	waitFor(h.t, 10*time.Second, "replay bucket", func() bool { return h.gw.replay.kv.Load() != nil })
}

// TestSignedHeaderReplaySharedAcrossGateways: a signed request accepted by
// one gateway is refused by another (and by the first after a restart);
// while NATS is down each gateway still refuses what it saw itself, and
// counts the checks it could not share.
func TestSignedHeaderReplaySharedAcrossGateways(t *testing.T) {
	up := startUpstream(t)
	dir := t.TempDir()
	a := startGatewayWith(t, up.url, setup{natsDir: dir})
	b := a.startSecondGateway()
	a.waitReplayBucket()
	b.waitReplayBucket()
	signed := func() map[string]string {
		m := map[string]string{}
		for _, x := range signedheader.Sign(a.w.sysID, a.w.sysKey, time.Now(), []signedheader.Header{{Name: "from", Value: agencyOK}}) {
			m[x.Name] = x.Value
		}
		return m
	}
	const path = "/apiCSDLDKDN/1.0/doanhnghiep"

	captured := signed()
	if r := a.do("POST", path, captured, "<edXML/>"); r.status != 200 {
		t.Fatalf("first use at gateway A: %d %s", r.status, r.body)
	}
	b.expectError(b.do("POST", path, captured, "<edXML/>"), 401, "invalid_signature")
	a.expectError(a.do("POST", path, captured, "<edXML/>"), 401, "invalid_signature")
	// Fresh signatures still pass at either.
	if r := b.do("POST", path, signed(), "<edXML/>"); r.status != 200 {
		t.Fatalf("fresh signature at gateway B: %d %s", r.status, r.body)
	}

	// A gateway that restarts (a new process: empty memory) still refuses.
	c := a.startSecondGateway()
	c.waitReplayBucket()
	c.expectError(c.do("POST", path, captured, "<edXML/>"), 401, "invalid_signature")

	// NATS down: the local memory still answers, and the fallback counts.
	localOnly := testutil.ToFloat64(a.gw.metrics.replayChecks.WithLabelValues("local_only"))
	a.nats.Server().Shutdown()
	a.nats.Server().WaitForShutdown()
	during := signed()
	if r := b.do("POST", path, during, "<edXML/>"); r.status != 200 {
		t.Fatalf("signed request with NATS down: %d %s", r.status, r.body)
	}
	b.expectError(b.do("POST", path, during, "<edXML/>"), 401, "invalid_signature")
	if got := testutil.ToFloat64(a.gw.metrics.replayChecks.WithLabelValues("local_only")) - localOnly; got < 1 {
		t.Fatalf("local_only checks counted %v times with NATS down", got)
	}
	// NATS back, so that the gateways flush their metering when they stop.
	restartNATS(t, dir, a.nats.ClientURL())
}

// TestReplayBucketTTL: the bucket forgets a signature after its TTL, and a
// later declaration never shortens the TTL.
func TestReplayBucketTTL(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) { c.SignedHeaderWindow = time.Second })
	h.waitReplayBucket()
	kv := h.gw.replay.kv.Load().kv
	ctx := context.Background()
	if _, err := kv.Create(ctx, "k", []byte("x")); err != nil {
		t.Fatal(err)
	}
	if _, err := kv.Create(ctx, "k", []byte("x")); err == nil {
		t.Fatal("second create of a key succeeded")
	}
	waitFor(t, 10*time.Second, "the key to expire", func() bool {
		_, err := kv.Create(ctx, "k", []byte("x"))
		return err == nil
	})
	// A gateway with a longer window raises the TTL; a shorter one keeps it.
	for _, window := range []time.Duration{time.Minute, 2 * time.Second} {
		cfg := h.gw.cfg
		cfg.SignedHeaderWindow = window
		g := &Gateway{cfg: cfg, bus: h.bus, log: quietLogger(), replay: &sharedReplay{}}
		cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		g.declareReplayBucket(cctx)
		cancel()
		st, err := g.replay.kv.Load().kv.Status(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if st.TTL() != 2*time.Minute {
			t.Fatalf("TTL %s after a gateway with window %s, want 2m", st.TTL(), window)
		}
	}
}
