package registry

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/metric"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// randomText returns n random bytes as lower-case base32 (letters and
// digits 2-7 only, so it is safe in URLs, headers and as part of a key).
func randomText(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return strings.ToLower(b32.EncodeToString(b))
}

// newID returns prefix_ and 80 random bits.
func newID(prefix string) string { return prefix + "_" + randomText(10) }

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

// tsOrNil converts unix milliseconds, 0 meaning unset.
func tsOrNil(ms int64) *timestamppb.Timestamp {
	if ms == 0 {
		return nil
	}
	return timestamppb.New(fromMS(ms))
}

func msOf(ts *timestamppb.Timestamp) int64 {
	if ts == nil {
		return 0
	}
	return ts.AsTime().UnixMilli()
}

// Paging: opaque tokens carry the last key of the previous page.
const (
	defaultPageSize = 50
	maxPageSize     = 500
)

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return int(n)
}

func encodePageToken(key string) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k1:" + key))
}

var errPageToken = apierr.Invalid("page_token", "invalid_page_token", "the page token is not valid", "mã trang (page_token) không hợp lệ")

func decodePageToken(tok string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil || !strings.HasPrefix(string(b), "k1:") {
		return "", errPageToken
	}
	return string(b[3:]), nil
}

// internalErr logs an unexpected failure and hides it from the caller. An
// *apierr.Error passes through unchanged; so does a cancelled context.
func (s *Service) internalErr(ctx context.Context, op string, err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	if ctx.Err() != nil {
		return apierr.Wrap(err, codes.Canceled, "canceled", "the request was cancelled", "yêu cầu đã bị huỷ")
	}
	s.log.ErrorContext(ctx, "registry: "+op, "err", err)
	return apierr.Wrap(err, codes.Internal, apierr.ErrInternal.Code, apierr.ErrInternal.Message, apierr.ErrInternal.MessageVI)
}

func errInvalidTime(field string) error {
	return apierr.Invalid(field, "invalid_time", "the time is not valid", "thời gian không hợp lệ")
}

func errConflict(code, en, vi string) *apierr.Error {
	return apierr.New(codes.AlreadyExists, code, en, vi)
}

func errPrecondition(code, en, vi string) *apierr.Error {
	return apierr.New(codes.FailedPrecondition, code, en, vi)
}

// metrics are exported through the platform's OpenTelemetry meter provider.
type metrics struct {
	tokenIssued     metric.Int64Counter
	tokenFailures   metric.Int64Counter
	loginFailures   metric.Int64Counter
	publishFailures metric.Int64Counter
}

func newMetrics() *metrics {
	m := otel.Meter("github.com/lgsp-vn/lgsp/services/registry")
	c := func(name, desc string) metric.Int64Counter {
		ctr, _ := m.Int64Counter(name, metric.WithDescription(desc))
		return ctr
	}
	return &metrics{
		tokenIssued:     c("lgsp_registry_tokens_issued", "Access tokens issued."),
		tokenFailures:   c("lgsp_registry_token_failures", "Refused token requests, by reason."),
		loginFailures:   c("lgsp_registry_login_failures", "Refused admin logins."),
		publishFailures: c("lgsp_registry_event_publish_failures", "Change events that could not be published."),
	}
}
