package apierr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
)

func TestFromError(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		code   string
		status int
	}{
		{"authenticator refusal", authn.ErrUnauthenticated, "unauthenticated", http.StatusUnauthorized},
		{"wrapped refusal", fmt.Errorf("session: %w", authn.ErrUnauthenticated), "unauthenticated", http.StatusUnauthorized},
		{"platform error", apierr.Invalid("code", "invalid_agency_code", "bad code", "mã sai"), "invalid_agency_code", http.StatusBadRequest},
		{"through gRPC status", apierr.New(codes.NotFound, "api_not_found", "no", "không").GRPCStatus().Err(), "api_not_found", http.StatusNotFound},
		{"anything else is internal", errors.New("database is locked"), "internal", http.StatusInternalServerError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, status := apierr.FromError(tc.err)
			if b.Code != tc.code || status != tc.status {
				t.Fatalf("got %q %d, want %q %d", b.Code, status, tc.code, tc.status)
			}
			if b.Message == "" || b.MessageVI == "" {
				t.Fatalf("messages missing: %+v", b)
			}
			if tc.status == http.StatusInternalServerError && b.Message != "internal error" {
				t.Fatalf("internal detail leaked: %+v", b)
			}
		})
	}
}

func TestBareStatusIsBilingual(t *testing.T) {
	// grpc-gateway's own refusals (a body that is not JSON) carry English
	// text only.
	b, code := apierr.FromError(status.Error(codes.InvalidArgument, "proto: syntax error"))
	if code != http.StatusBadRequest || b.Code != "invalid_argument" || b.MessageVI == b.Message || !strings.Contains(b.MessageVI, "không hợp lệ") {
		t.Fatalf("got %d %+v", code, b)
	}
}

// TestRoutingErrors drives a grpc-gateway mux as the admin listener builds
// it (only WithErrorHandler), and one that also sets the routing handler.
func TestRoutingErrors(t *testing.T) {
	ok := func(w http.ResponseWriter, _ *http.Request, _ map[string]string) { w.WriteHeader(http.StatusOK) }
	for name, opts := range map[string][]runtime.ServeMuxOption{
		"error handler only": {runtime.WithErrorHandler(apierr.GatewayErrorHandler)},
		"routing handler": {runtime.WithErrorHandler(apierr.GatewayErrorHandler),
			runtime.WithRoutingErrorHandler(apierr.RoutingErrorHandler)},
	} {
		t.Run(name, func(t *testing.T) {
			mux := runtime.NewServeMux(opts...)
			for _, p := range []struct{ method, path string }{
				{"GET", "/v1/things"}, {"GET", "/v1/things/{id}"}, {"PATCH", "/v1/things/{id}"}, {"POST", "/v1/things/{id}:act"},
			} {
				if err := mux.HandlePath(p.method, p.path, ok); err != nil {
					t.Fatal(err)
				}
			}
			for _, tc := range []struct {
				method, path string
				status       int
				code         string
			}{
				{"GET", "/v1/things/t1", http.StatusOK, ""},
				{"GET", "/v1/nothing", http.StatusNotFound, "not_found"},
				{"DELETE", "/v1/things", http.StatusMethodNotAllowed, "method_not_allowed"},
				{"PUT", "/v1/things/t1", http.StatusMethodNotAllowed, "method_not_allowed"},
				{"POST", "/v1/things/:act", http.StatusBadRequest, "missing_id"},
				{"GET", "/v1/things//", http.StatusBadRequest, "missing_id"},
			} {
				rec := httptest.NewRecorder()
				req := httptest.NewRequest(tc.method, "http://lgsp.test"+tc.path, nil)
				mux.ServeHTTP(rec, req)
				if rec.Code != tc.status {
					t.Errorf("%s %s: status %d, want %d: %s", tc.method, tc.path, rec.Code, tc.status, rec.Body)
					continue
				}
				if tc.code == "" {
					continue
				}
				var b apierr.Body
				if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil || b.Code != tc.code || b.Message == "" || b.MessageVI == "" || b.Message == b.MessageVI {
					t.Errorf("%s %s: body %s, want code %q with both messages", tc.method, tc.path, rec.Body, tc.code)
				}
			}
		})
	}
}

// TestWithHTTPStatus: the override changes the HTTP answer of a copy only,
// and gRPC callers keep the error's code.
func TestWithHTTPStatus(t *testing.T) {
	base := apierr.New(codes.Internal, "upstream_misconfigured", "upstream misconfigured", "hệ thống phía sau cấu hình sai")
	bad := base.WithHTTPStatus(http.StatusBadGateway)
	if body, status := apierr.FromError(bad); status != http.StatusBadGateway || body.Code != "upstream_misconfigured" || body.MessageVI == "" {
		t.Fatalf("override: %d %+v", status, body)
	}
	if _, status := apierr.FromError(base); status != http.StatusInternalServerError {
		t.Fatalf("the original changed: %d", status)
	}
	if bad.GRPCStatus().Code() != codes.Internal {
		t.Fatalf("gRPC code %v", bad.GRPCStatus().Code())
	}
}

// TestWithRetryAfter: an unavailable dependency's error carries when to try
// again, as Retry-After over HTTP and RetryInfo over gRPC.
func TestWithRetryAfter(t *testing.T) {
	e := apierr.New(codes.Unavailable, "national_unavailable", "down", "tạm ngừng").WithRetryAfter(1500 * time.Millisecond)
	if e.RetryAfter() != 2*time.Second {
		t.Fatalf("RetryAfter %v, want 2s (rounded up)", e.RetryAfter())
	}
	rec := httptest.NewRecorder()
	apierr.WriteJSON(rec, httptest.NewRequest(http.MethodGet, "/x", nil), e)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") != "2" {
		t.Fatalf("HTTP %d Retry-After %q", rec.Code, rec.Header().Get("Retry-After"))
	}
	var found bool
	for _, d := range e.GRPCStatus().Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			found = ri.GetRetryDelay().AsDuration() == 2*time.Second
		}
	}
	if !found {
		t.Fatal("no RetryInfo of 2s in the gRPC status")
	}
	rec = httptest.NewRecorder()
	apierr.WriteJSON(rec, httptest.NewRequest(http.MethodGet, "/x", nil), apierr.New(codes.Unavailable, "x", "x", "x"))
	if rec.Header().Get("Retry-After") != "" {
		t.Fatal("Retry-After without WithRetryAfter")
	}
}
