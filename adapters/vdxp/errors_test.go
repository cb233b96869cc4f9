package vdxp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

func TestClassification(t *testing.T) {
	transport := &transportError{call: CallGetEdoc, err: io.ErrUnexpectedEOF}
	for _, c := range []struct {
		name                       string
		err                        error
		temporary, unknown, reject bool
	}{
		{"nil", nil, false, false, false},
		{"platform error", &Error{Code: CodePlatformError, HTTPStatus: 200}, true, false, false},
		{"5xx without code", &Error{HTTPStatus: http.StatusBadGateway}, true, false, false},
		{"rate limit", &Error{Code: CodeTooManyRequests, HTTPStatus: 429}, true, false, false},
		{"429 without code", &Error{HTTPStatus: http.StatusTooManyRequests}, true, false, false},
		{"unknown receiver", &Error{Code: CodeUnknownReceiver, HTTPStatus: 400}, false, true, false},
		{"locked", &Error{Code: CodeReceiverLocked, HTTPStatus: 400}, false, false, true},
		{"wrapped locked", fmt.Errorf("bridge: %w", &Error{Code: CodeReceiverLocked}), false, false, true},
		{"credentials", &Error{Code: CodeBadCredentials, HTTPStatus: 401}, false, false, false},
		{"transport", transport, true, false, false},
		{"wrapped transport", fmt.Errorf("poll: %w", transport), true, false, false},
		{"caller cancelled", &transportError{call: CallGetEdoc, err: context.Canceled}, false, false, false},
		{"deadline", &transportError{call: CallGetEdoc, err: context.DeadlineExceeded}, true, false, false},
		{"other", errors.New("x"), false, false, false},
	} {
		if IsTemporary(c.err) != c.temporary || IsUnknownReceiver(c.err) != c.unknown || IsRejected(c.err) != c.reject {
			t.Errorf("%s: temporary %v unknown %v rejected %v", c.name, IsTemporary(c.err), IsUnknownReceiver(c.err), IsRejected(c.err))
		}
	}
	if !IsInvalidPackage(&Error{Code: CodeInvalidEdXML}) || !IsInvalidPackage(&Error{Code: CodeInvalidFile}) || IsInvalidPackage(&Error{Code: CodeNotFound}) {
		t.Error("IsInvalidPackage")
	}
	if s := (&Error{Call: CallSendEdoc, HTTPStatus: 502}).Error(); s != "vdxp sendEdoc: no ErrorCode (HTTP 502)" {
		t.Errorf("error text %q", s)
	}
}

func TestSendRetriesOnlyWhatCannotHaveArrived(t *testing.T) {
	ctx := context.Background()
	send, read := request{call: CallSendEdoc}, request{call: CallGetEdoc, idempotent: true}
	for _, c := range []struct {
		err        error
		send, read bool
	}{
		{&transportError{err: io.EOF, notSent: true}, true, true},
		{&transportError{err: io.EOF}, false, true},
		{&Error{Code: CodePlatformError, HTTPStatus: 500}, true, true},
		{&Error{HTTPStatus: 503}, true, true},
		{&Error{HTTPStatus: 500}, false, true},
		{&Error{HTTPStatus: 502}, false, true},
		{&Error{Code: CodeTooManyRequests, HTTPStatus: 429}, true, true},
		{&Error{Code: CodeUnknownReceiver, HTTPStatus: 400}, false, false},
	} {
		if retryable(ctx, send, c.err) != c.send || retryable(ctx, read, c.err) != c.read {
			t.Errorf("%v: send %v read %v", c.err, retryable(ctx, send, c.err), retryable(ctx, read, c.err))
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if retryable(cancelled, read, &Error{HTTPStatus: 503}) {
		t.Error("retry after the caller cancelled")
	}
}

func TestBackoffGrowsWithJitterAndCap(t *testing.T) {
	c := &Client{Backoff: Backoff{Initial: 100 * time.Millisecond, Max: time.Second}}
	for n, want := range []time.Duration{100, 200, 400, 800, 1000, 1000, 1000} {
		want *= time.Millisecond
		if n > 3 {
			want = time.Second
		}
		for range 50 {
			d := c.backoff(n)
			if d < want/2 || d > want {
				t.Fatalf("retry %d waits %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
	if d := (&Client{}).backoff(100); d > DefaultBackoffMax || d < DefaultBackoffMax/2 {
		t.Fatalf("default cap: %v", d)
	}
}

func TestStampsAreDistinct(t *testing.T) {
	fixed := time.Date(2026, 11, 22, 8, 0, 0, 0, time.UTC)
	c := &Client{Now: func() time.Time { return fixed }}
	prev := c.stamp()
	for range 100 {
		s := c.stamp()
		if s.Sub(prev) != time.Millisecond {
			t.Fatalf("stamp %v after %v", s, prev)
		}
		prev = s
	}
}

func TestDecodeBase64Tolerant(t *testing.T) {
	for _, in := range []string{"aGVsbG8gd29ybGQ=", "aGVsbG8g\r\nd29ybGQ=", "aGVsbG8gd29ybGQ"} {
		if b, err := decodeBase64(in); err != nil || string(b) != "hello world" {
			t.Errorf("%q: %q %v", in, b, err)
		}
	}
	if _, err := decodeBase64("!!"); err == nil {
		t.Error("garbage decoded")
	}
}
