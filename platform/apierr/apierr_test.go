package apierr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"google.golang.org/grpc/codes"

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
