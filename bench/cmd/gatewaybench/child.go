package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/gateway"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// fixedRegistry serves one snapshot; the benchmark does not change it.
type fixedRegistry struct{ snap *registryv1.Snapshot }

func (r fixedRegistry) GetSnapshot(_ context.Context, req *registryv1.GetSnapshotRequest) (*registryv1.GetSnapshotResponse, error) {
	if req.GetKnownRevision() == r.snap.GetRevision() {
		return &registryv1.GetSnapshotResponse{NotModified: true}, nil
	}
	return &registryv1.GetSnapshotResponse{Snapshot: proto.Clone(r.snap).(*registryv1.Snapshot)}, nil
}

func (fixedRegistry) IssueToken(context.Context, *registryv1.IssueTokenRequest) (*registryv1.IssueTokenResponse, error) {
	return nil, fmt.Errorf("not used by the benchmark")
}

const (
	benchIssuer   = "https://lgsp.bench"
	benchAudience = "lgsp-gateway"
	benchAgency   = "000.00.00.H30"
)

// runGateway is the child process: a gateway on addr, metering to natsURL,
// with a registry of nAPIs APIs and nApps applications. It writes the
// request targets (path and bearer token, one per line) to targetsFile,
// prints "LISTEN <addr>" when ready, and on SIGTERM stops gracefully and
// prints "SERVED <n>".
func runGateway(natsURL, addr, instance, upstreamURL, targetsFile string, nAPIs, nApps, nTargets int) error {
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	if path := os.Getenv("LGSP_BENCH_CPUPROFILE"); path != "" {
		f, err := os.Create(path)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return err
	}
	snap := benchSnapshot(&key.PublicKey, upstreamURL, nAPIs, nApps)
	f, err := os.Create(targetsFile)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for i := 0; i < min(nTargets, nApps); i++ {
		api := i % nAPIs
		tok := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
			"iss": benchIssuer, "aud": benchAudience, "sub": fmt.Sprintf("app-%04d", i), "cid": fmt.Sprintf("cred-%04d", i),
			"client_id": fmt.Sprintf("client-%04d", i), "agency": benchAgency,
			"iat": time.Now().Unix(), "exp": time.Now().Add(2 * time.Hour).Unix(), "jti": fmt.Sprint(i),
		})
		tok.Header["kid"] = "bench"
		s, err := tok.SignedString(key)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "%s %s\n", apiContext(api)+"/1.0", s)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	f.Close()

	bus, err := natsx.Connect(ctx, natsURL, "gatewaybench-"+instance, log)
	if err != nil {
		return err
	}
	defer bus.Close()
	cfg := gateway.DefaultConfig()
	cfg.Addr = addr
	cfg.InstanceID = instance
	cfg.AccessLog = "errors"
	g, err := gateway.New(cfg, fixedRegistry{snap}, bus, log)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	done := make(chan error, 1)
	go func() { done <- g.RunListener(ctx, ln) }()
	for g.Ready(ctx) != nil {
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Millisecond):
		}
	}
	fmt.Printf("LISTEN %s\n", ln.Addr())
	if err := <-done; err != nil {
		return err
	}
	fmt.Printf("SERVED %d PUBLISHED %d\n", servedCount(), g.MeteringPublished())
	return nil
}

func apiContext(i int) string { return fmt.Sprintf("api%04d", i) }

func benchSnapshot(pub *rsa.PublicKey, upstreamURL string, nAPIs, nApps int) *registryv1.Snapshot {
	jwks, _ := json.Marshal(map[string]any{"keys": []map[string]string{{
		"kty": "RSA", "kid": "bench", "use": "sig", "alg": "RS256",
		"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
		"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
	}}})
	s := &registryv1.Snapshot{
		Revision: 1,
		Token:    &registryv1.TokenConfig{Issuer: benchIssuer, Audience: benchAudience, JwksJson: string(jwks)},
		Agencies: []*registryv1.AgencyConfig{{Code: benchAgency, Name: "UBND tỉnh", Active: true}},
		// "high": limited, but far above what one machine can send.
		Tiers: []*registryv1.TierConfig{{Name: "high", RatePerSecond: 1_000_000, Burst: 100_000}},
	}
	for i := 0; i < nAPIs; i++ {
		s.Apis = append(s.Apis, &registryv1.ApiRoute{
			Id: fmt.Sprintf("api-%04d", i), Name: "API " + fmt.Sprint(i), Context: apiContext(i), Version: "1.0",
			OwnerAgency: benchAgency, Lifecycle: registryv1.ApiLifecycle_API_LIFECYCLE_PUBLISHED,
			AuthMethods: []registryv1.AuthMethod{registryv1.AuthMethod_AUTH_METHOD_JWT, registryv1.AuthMethod_AUTH_METHOD_API_KEY},
			Endpoints:   []*registryv1.UpstreamEndpoint{{Url: upstreamURL, Weight: 1}},
			Resources: []*registryv1.ApiResource{
				{Method: "GET", Path: "/small.json"}, {Method: "GET", Path: "/big.json"},
				{Method: "GET", Path: "/doanhnghiep/{msdn}"}, {Method: "POST", Path: "/doanhnghiep"},
			},
		})
	}
	for i := 0; i < nApps; i++ {
		kh := sha256.Sum256([]byte(fmt.Sprintf("key-%04d", i)))
		s.Applications = append(s.Applications, &registryv1.ApplicationConfig{
			Id: fmt.Sprintf("app-%04d", i), Name: "Ứng dụng " + fmt.Sprint(i), AgencyCode: benchAgency, Active: true,
			Credentials: []*registryv1.CredentialConfig{
				{Id: fmt.Sprintf("cred-%04d", i), Type: registryv1.CredentialType_CREDENTIAL_TYPE_OAUTH2_CLIENT, KeyId: fmt.Sprintf("client-%04d", i)},
				{Id: fmt.Sprintf("key-%04d", i), Type: registryv1.CredentialType_CREDENTIAL_TYPE_API_KEY, KeyId: fmt.Sprintf("k%04d", i), KeyHash: kh[:]},
			},
		})
		s.Subscriptions = append(s.Subscriptions, &registryv1.SubscriptionConfig{
			Id: fmt.Sprintf("sub-%04d", i), ApplicationId: fmt.Sprintf("app-%04d", i), ApiId: fmt.Sprintf("api-%04d", i%nAPIs),
			Tier: "high", State: registryv1.SubscriptionState_SUBSCRIPTION_STATE_APPROVED,
		})
	}
	return s
}

// servedCount sums lgsp_gateway_requests_total.
func servedCount() int64 {
	mfs, err := prometheus.DefaultGatherer.Gather()
	if err != nil {
		return -1
	}
	var n float64
	for _, mf := range mfs {
		if strings.HasPrefix(mf.GetName(), "lgsp_gateway_requests_total") {
			for _, m := range mf.GetMetric() {
				n += m.GetCounter().GetValue()
			}
		}
	}
	return int64(n)
}
