package gateway

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/valyala/fasthttp"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

func TestHotReloadUnderLoad(t *testing.T) {
	a, b := startUpstream(t), startUpstream(t)
	slow := func(ctx *fasthttp.RequestCtx) { time.Sleep(2 * time.Millisecond); ctx.SetBodyString("{}") }
	a.setReply(slow)
	b.setReply(slow)
	h := startGateway(t, a.url, func(c *Config) { c.PollInterval = time.Hour }) // only change events
	tok := h.w.bearerOf("app1")

	var served, failed atomic.Int64
	var firstFailure atomic.Value
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client := &http.Client{Timeout: 10 * time.Second}
			for {
				select {
				case <-stop:
					return
				default:
				}
				req, _ := http.NewRequest("GET", h.url+p1, nil)
				req.Header.Set("Authorization", tok["Authorization"])
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				resp.Body.Close()
				if resp.StatusCode/100 != 2 {
					failed.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("status %d", resp.StatusCode))
					continue
				}
				served.Add(1)
			}
		}()
	}
	var slowest time.Duration
	for i := 0; i < 20; i++ {
		time.Sleep(25 * time.Millisecond)
		// Move traffic between endpoints, change the tier, add an API: each
		// a registry write whose change event reaches the gateway.
		start := time.Now()
		h.reg.UpdateAPI(&registryv1.Api{Id: h.w.api1.GetId(), Endpoints: []*registryv1.UpstreamEndpoint{
			{Url: a.url, Weight: int32(1 + i%3)}, {Url: b.url, Weight: int32(1 + (i+1)%3)}}}, "endpoints")
		h.reg.UpdateTier(&registryv1.Tier{Name: "gold", RatePerSecond: float64(100000 + i), Burst: 100000}, "rate_per_second")
		h.reg.PublishedAPI(&registryv1.Api{Context: fmt.Sprintf("extra%d", i), OwnerAgency: agencyOK, AnonymousAccess: true,
			Endpoints: []*registryv1.UpstreamEndpoint{{Url: b.url}}})
		want := h.reg.Revision()
		waitFor(t, time.Second, "change applied within 1s", func() bool { return h.gw.Revision() == want })
		slowest = max(slowest, time.Since(start))
	}
	time.Sleep(50 * time.Millisecond)
	close(stop)
	wg.Wait()
	if n := failed.Load(); n != 0 {
		t.Fatalf("%d requests failed during reloads (first: %v); %d served", n, firstFailure.Load(), served.Load())
	}
	if served.Load() < 100 || a.hits.Load() == 0 || b.hits.Load() == 0 {
		t.Fatalf("served %d (a=%d b=%d): load did not run across the swaps", served.Load(), a.hits.Load(), b.hits.Load())
	}
	if r := h.do("GET", "/extra19/1.0/x", nil, ""); r.status != 200 {
		t.Fatalf("API added by the last swap: %d", r.status)
	}
	t.Logf("served %d requests across 20 swaps; slowest swap applied in %s", served.Load(), slowest)
}

func TestPollingCatchesMissedEvents(t *testing.T) {
	up := startUpstream(t)
	// The registry announces changes on a NATS the gateway does not watch,
	// so every event is missed.
	h := startGatewayWith(t, up.url, setup{ownRegistryBus: true, tweak: func(c *Config) { c.PollInterval = 100 * time.Millisecond }})
	h.reg.Transition(h.w.api1.GetId(), registryv1.ApiLifecycle_API_LIFECYCLE_DEPRECATED, time.Time{})
	h.reg.Transition(h.w.api1.GetId(), registryv1.ApiLifecycle_API_LIFECYCLE_RETIRED, time.Time{})
	want := h.reg.Revision()
	waitFor(t, 2*time.Second, "poll applied the change", func() bool { return h.gw.Revision() == want })
	h.expectError(h.do("GET", p1, h.w.apiKey(), ""), 410, "api_retired")
	// Unchanged revisions are not rebuilt.
	fetches := h.counts.fetches.Load()
	time.Sleep(300 * time.Millisecond)
	if h.counts.fetches.Load() == fetches || h.gw.Revision() != want {
		t.Fatal("polling stopped or revision moved")
	}
}

func TestMeteringEventsEqualRequestsServed(t *testing.T) {
	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) { c.MeteringBatch = 7; c.MeteringFlush = 30 * time.Millisecond })
	bus := h.bus
	tok := h.w.bearerOf("app1")

	var sent atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < 60; i++ {
				var r result
				switch i % 6 {
				case 0:
					r = h.do("GET", "/nope/1.0/x", nil, "")
				case 1:
					r = h.do("GET", p1, nil, "")
				case 2:
					r = h.do("GET", "/dmdc/1.0/AllCategory", nil, "")
				default:
					r = h.do("POST", "/apiCSDLDKDN/1.0/doanhnghiep?msdn=1", tok, `{"a":1}`)
				}
				if r.status == 0 {
					t.Error("no answer")
				}
				sent.Add(1)
			}
		}(w)
	}
	wg.Wait()
	h.stop() // graceful: must flush every event before returning
	total := sent.Load()
	if got := h.gw.MeteringPublished(); got != total {
		t.Fatalf("gateway acknowledged %d events for %d requests", got, total)
	}

	ctx := context.Background()
	stream, err := bus.JS.Stream(ctx, natsx.MeteringStream)
	if err != nil {
		t.Fatal(err)
	}
	cons, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{natsx.MeteringEventSubject + ".gateway"}})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := stream.Info(ctx)
	ids := map[string]bool{}
	byStatus := map[int32]int{}
	var sample *meteringv1.Event
	for n := uint64(0); n < info.State.Msgs; {
		batch, err := cons.Fetch(100, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			t.Fatal(err)
		}
		for msg := range batch.Messages() {
			n++
			var eb meteringv1.EventBatch
			if err := proto.Unmarshal(msg.Data(), &eb); err != nil {
				t.Fatal(err)
			}
			if msg.Headers().Get(jetstream.MsgIDHeader) != eb.BatchId || eb.BatchId == "" {
				t.Fatalf("Nats-Msg-Id %q, batch id %q", msg.Headers().Get(jetstream.MsgIDHeader), eb.BatchId)
			}
			if len(eb.Events) > 7 {
				t.Fatalf("batch of %d events, limit 7", len(eb.Events))
			}
			for _, e := range eb.Events {
				if ids[e.Id] {
					t.Fatalf("event %s twice", e.Id)
				}
				ids[e.Id] = true
				byStatus[e.Status]++
				if e.Method == "POST" && e.Status == 200 {
					sample = e
				}
			}
		}
	}
	if int64(len(ids)) != total {
		t.Fatalf("stream holds %d events for %d requests served", len(ids), total)
	}
	if byStatus[404] != 40 || byStatus[401] != 40 || byStatus[200] != 160 {
		t.Fatalf("events by status %v", byStatus)
	}
	if sample == nil || sample.ApiId != h.w.api1.GetId() || sample.ApiContext != "apiCSDLDKDN" || sample.ApiVersion != "1.0" ||
		sample.Resource != "/doanhnghiep" || sample.ApplicationId != h.w.app1.GetId() || sample.AgencyCode != agencyOK ||
		sample.SubscriptionId != h.w.sub1.GetId() || sample.BytesIn != 7 || sample.BytesOut == 0 || sample.Source != "gateway" ||
		sample.ApiOwnerAgency != agencyOK || sample.ClientIp != "127.0.0.1" || sample.LatencyUs <= 0 || sample.UpstreamLatencyUs <= 0 ||
		sample.LatencyUs < sample.UpstreamLatencyUs || sample.Time == nil || time.Since(sample.Time.AsTime()) > time.Minute {
		t.Fatalf("event fields: %+v", sample)
	}
}

func TestMeteringSurvivesNATSOutage(t *testing.T) {
	up := startUpstream(t)
	dir := t.TempDir()
	h := startGatewayWith(t, up.url, setup{natsDir: dir, tweak: func(c *Config) { c.MeteringAckTimeout = 300 * time.Millisecond }})
	srv := h.nats
	for i := 0; i < 10; i++ {
		h.do("GET", "/dmdc/1.0/x", nil, "")
	}
	waitFor(t, 5*time.Second, "first events acknowledged", func() bool { return h.gw.MeteringPublished() == 10 })
	// NATS goes away; requests keep being served without delay.
	srv.Server().Shutdown()
	srv.Server().WaitForShutdown()
	for i := 0; i < 25; i++ {
		if r := h.do("GET", "/dmdc/1.0/x", nil, ""); r.status != 200 {
			t.Fatalf("request during the NATS outage: %d", r.status)
		}
	}
	// The gateway stays in the load balancer meanwhile.
	if r := h.do("GET", "/readyz", nil, ""); r.status != 200 {
		t.Fatalf("readyz during the NATS outage: %d %s", r.status, r.body)
	}
	time.Sleep(500 * time.Millisecond)
	// NATS comes back on the same port and store; the pending batches are
	// re-sent.
	srv2 := restartNATS(t, dir, srv.ClientURL())
	_ = srv2
	waitFor(t, 15*time.Second, "events re-sent after the outage", func() bool { return h.gw.MeteringPublished() == 35 })
	h.stop()
}

func TestMTLSAuthentication(t *testing.T) {
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "LGSP test CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	ca, _ := x509.ParseCertificate(caDER)
	leaf := func(serial int64, cn string, server bool) (tls.Certificate, []byte) {
		k, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
		if server {
			tmpl.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
		} else {
			tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &k.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: k}, der
	}
	writePEM := func(name, typ string, der []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	srvCert, srvDER := leaf(2, "gateway", true)
	srvKeyDER, _ := x509.MarshalPKCS8PrivateKey(srvCert.PrivateKey)
	clientCert, clientDER := leaf(3, "app-1 system", false)
	strangerCert, _ := leaf(4, "unregistered", false)

	up := startUpstream(t)
	h := startGateway(t, up.url, func(c *Config) {
		c.TLSCertFile = writePEM("server.pem", "CERTIFICATE", srvDER)
		c.TLSKeyFile = writePEM("server-key.pem", "PRIVATE KEY", srvKeyDER)
		c.ClientCAFile = writePEM("ca.pem", "CERTIFICATE", caDER)
	})
	h.reg.CertFingerprint(h.w.app1.GetId(), clientDER)
	mtls := h.reg.PublishedAPI(&registryv1.Api{Context: "mtls", OwnerAgency: agencyOK,
		AuthMethods: []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_MTLS}, Endpoints: []*registryv1.UpstreamEndpoint{{Url: up.url}}})
	h.reg.Subscribe(h.w.app1.GetId(), mtls.GetId(), "gold")
	h.reload()
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	h.url = strings.Replace(h.url, "http://", "https://", 1)
	withCert := func(c *tls.Certificate) {
		tc := &tls.Config{RootCAs: pool}
		if c != nil {
			tc.Certificates = []tls.Certificate{*c}
		}
		h.client = &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tc}}
	}
	withCert(&clientCert)
	if r := h.do("GET", "/mtls/1.0/x", nil, ""); r.status != 200 {
		t.Fatalf("registered client certificate: %d %s", r.status, r.body)
	}
	if got := hdr2(up, "X-Lgsp-Consumer"); got != h.w.app1.GetId() {
		t.Fatalf("consumer %q", got)
	}
	if got := hdr2(up, "X-Forwarded-Proto"); got != "https" {
		t.Fatalf("X-Forwarded-Proto %q", got)
	}
	withCert(&strangerCert)
	h.expectError(h.do("GET", "/mtls/1.0/x", nil, ""), 401, "invalid_client_certificate")
	withCert(nil)
	h.expectError(h.do("GET", "/mtls/1.0/x", nil, ""), 401, "missing_credential")
	// Other APIs on the same listener still take their own credentials.
	if r := h.do("GET", p1, h.w.apiKey(), ""); r.status != 200 {
		t.Fatalf("api key over TLS: %d", r.status)
	}
	h.expectError(h.do("GET", "/mtls/1.0/x", h.w.apiKey(), ""), 401, "auth_method_not_allowed")

	// A certificate cleared from its application is revoked, answered as
	// any revoked credential is.
	if _, err := h.reg.Service.UpdateApplication(h.reg.Admin(), &registryv1.UpdateApplicationRequest{
		Application: &registryv1.Application{Id: h.w.app1.GetId(), CertFingerprint: ""},
		UpdateMask:  &fieldmaskpb.FieldMask{Paths: []string{"cert_fingerprint"}},
	}); err != nil {
		t.Fatal(err)
	}
	h.reload()
	withCert(&clientCert)
	h.expectError(h.do("GET", "/mtls/1.0/x", nil, ""), 401, "credential_revoked")
}

func TestConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	env := []string{
		"LGSP_GATEWAY_ADDR=127.0.0.1:9999",
		"LGSP_GATEWAY_UPSTREAM_TIMEOUT=2500ms",
		"LGSP_GATEWAY_BREAKER_OPEN=3s",
		"LGSP_GATEWAY_ACCESS_LOG=errors",
		"LGSP_GATEWAY_ACCESS_LOG_SAMPLE=0.1",
		"LGSP_GATEWAY_TRUST_FORWARDED=true",
		"LGSP_GATEWAY_METERING_BATCH=64",
	}
	if _, err := config.Load(config.Options{Environ: env}, config.Section{Name: "gateway", Value: &c}); err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.UpstreamTimeout != 2500*time.Millisecond || c.BreakerOpen != 3*time.Second ||
		c.AccessLog != "errors" || c.AccessLogSample != 0.1 || !c.TrustForwarded || c.MeteringBatch != 64 {
		t.Fatalf("env not applied: %+v", c)
	}
	if _, err := config.Load(config.Options{Environ: []string{"LGSP_GATEWAY_METERING_BATCH=x"}}, config.Section{Name: "gateway", Value: &c}); err == nil || !strings.Contains(err.Error(), "LGSP_GATEWAY_METERING_BATCH") {
		t.Fatalf("bad number: %v", err)
	}
	// A bare number is not a duration: the unit would be a guess.
	if _, err := config.Load(config.Options{Environ: []string{"LGSP_GATEWAY_UPSTREAM_TIMEOUT=5"}}, config.Section{Name: "gateway", Value: &c}); err == nil || !strings.Contains(err.Error(), "5ms") {
		t.Fatalf("bare number: %v", err)
	}
	for env, mutate := range map[string]func(*Config){
		"LGSP_GATEWAY_ACCESS_LOG":        func(c *Config) { c.AccessLog = "verbose" },
		"LGSP_GATEWAY_METERING_BUFFER":   func(c *Config) { c.MeteringBuffer = 0 },
		"LGSP_GATEWAY_TLS_CLIENT_CA":     func(c *Config) { c.ClientCAFile = "/ca.pem" },
		"LGSP_GATEWAY_MAX_BODY_BYTES":    func(c *Config) { c.MaxBodyBytes = c.BodyCapBytes + 1 },
		"LGSP_GATEWAY_ACCESS_LOG_SAMPLE": func(c *Config) { c.AccessLogSample = 2 },
	} {
		c := DefaultConfig()
		mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), env) {
			t.Errorf("%s: %v", env, err)
		}
	}
	if _, err := New(Config{}, nil, nil, nil); err == nil {
		t.Fatal("New accepted an empty config")
	}
}
