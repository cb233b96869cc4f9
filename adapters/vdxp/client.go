package vdxp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// Defaults of a Client's zero fields.
const (
	DefaultTimeout        = time.Minute
	DefaultRetries        = 3
	DefaultBackoffInitial = 250 * time.Millisecond
	DefaultBackoffMax     = 10 * time.Second
	// DefaultMaxAnswer bounds an answer: a 50 MiB package is about
	// 67 MiB in base64.
	DefaultMaxAnswer = 128 << 20
)

// Content types of the calls: the package travels as octets, the other
// calls carry their parameters in headers.
const (
	contentPackage = "application/octet-stream"
	contentJSON    = "application/json"
)

// Client calls the national document axis as the national SDK does: every
// call signed with the XroadVnpt- headers (platform/signedheader), a
// package sent as the file followed by CRLF with hash-file over the file
// alone. Use New or set the fields; a Client is safe for concurrent use
// and must not be copied after its first call.
type Client struct {
	// BaseURL is the axis's address; a call goes to BaseURL + "/" + call.
	BaseURL  string
	SystemID string
	Secret   string
	// HTTP sends the calls; nil means http.DefaultClient. Its own Timeout,
	// if any, bounds every attempt too.
	HTTP *http.Client
	// Now is the clock the timestamps are signed with; nil means time.Now.
	Now func() time.Time
	// Timeout bounds one attempt of one call; 0 means DefaultTimeout.
	Timeout time.Duration
	// Retries is how many times a failed call is tried again; 0 means
	// never. Reading calls and updateStatus are retried on any temporary
	// failure (IsTemporary); Send only when the axis surely did not act
	// on the request (it was not completely written, or the axis answered
	// 503, 429, ErrorCode 20 or 26). Resending the same bytes is safe
	// then: the axis gives a resend from the same system the DocId of
	// the first.
	Retries int
	// Backoff is the wait between attempts.
	Backoff Backoff
	// MaxAnswer bounds an answer's size in bytes; 0 means DefaultMaxAnswer.
	MaxAnswer int64

	// lastStamp is the last signed timestamp in Unix milliseconds: two
	// calls signed in the same millisecond with the same headers would
	// carry the same signature, and the axis refuses the second as a
	// replay.
	lastStamp atomic.Int64
}

// Backoff is the wait between attempts: Initial, doubling up to Max. Each
// wait is drawn uniformly from the upper half of that (jitter), so that
// clients that failed together do not come back together.
type Backoff struct {
	Initial time.Duration // 0 means DefaultBackoffInitial
	Max     time.Duration // 0 means DefaultBackoffMax
}

// New returns a client with the default timeout, retries and backoff.
func New(baseURL, systemID, secret string) *Client {
	return &Client{BaseURL: baseURL, SystemID: systemID, Secret: secret, Retries: DefaultRetries}
}

// Send sends a package (document or status) from agency from to the
// agencies to and returns the axis's DocId. messageType is MessageEdoc or
// MessageStatus.
func (c *Client) Send(ctx context.Context, pkg []byte, from string, to []string, messageType string) (string, error) {
	switch {
	case len(pkg) == 0:
		return "", errors.New("vdxp sendEdoc: empty package")
	case strings.TrimSpace(from) == "":
		return "", errors.New("vdxp sendEdoc: from is required")
	case len(to) == 0:
		return "", errors.New("vdxp sendEdoc: at least one recipient is required")
	}
	if err := checkMessageType(CallSendEdoc, messageType); err != nil {
		return "", err
	}
	toJSON, err := json.Marshal(to)
	if err != nil {
		return "", fmt.Errorf("vdxp sendEdoc: %w", err)
	}
	sum := sha256.Sum256(pkg)
	// The SDK writes the file and then CRLF, with hash-file over the file
	// alone and each byte's leading zero dropped.
	body := make([]byte, 0, len(pkg)+2)
	body = append(append(body, pkg...), '\r', '\n')
	res, err := call[SendResult](ctx, c, request{
		call: CallSendEdoc, method: http.MethodPost, contentType: contentPackage, body: body,
		headers: []signedheader.Header{
			{Name: HeaderFrom, Value: from},
			{Name: HeaderTo, Value: string(toJSON)},
			{Name: HeaderServiceType, Value: ServiceEDoc},
			{Name: HeaderMessageType, Value: messageType},
			{Name: HeaderHashFile, Value: signedheader.JavaHex(sum[:])},
		},
	})
	if err != nil {
		return "", err
	}
	if res.DocID == "" {
		return "", &Error{Call: CallSendEdoc, Desc: "success without a DocId", HTTPStatus: http.StatusOK}
	}
	return res.DocID, nil
}

// Received lists the caller's inbox: documents (MessageEdoc) or statuses
// (MessageStatus) not yet acknowledged with UpdateStatus.
func (c *Client) Received(ctx context.Context, messageType string) ([]Knobstick, error) {
	if err := checkMessageType(CallGetReceivedEdocList, messageType); err != nil {
		return nil, err
	}
	res, err := call[ReceivedResult](ctx, c, request{
		call: CallGetReceivedEdocList, method: http.MethodPost, contentType: contentJSON, idempotent: true,
		headers: []signedheader.Header{
			{Name: HeaderServiceType, Value: ServiceEDoc},
			{Name: HeaderMessageType, Value: messageType},
		},
	})
	if err != nil {
		return nil, err
	}
	return nonNil(res.Data), nil
}

// Get fetches a package by its DocId, decoded from the answer's base64:
// the bytes exactly as the sender sent them.
func (c *Client) Get(ctx context.Context, docID string) ([]byte, error) {
	if strings.TrimSpace(docID) == "" {
		return nil, errors.New("vdxp getEdoc: docId is required")
	}
	res, err := call[EdocResult](ctx, c, request{
		call: CallGetEdoc, method: http.MethodPost, contentType: contentJSON, idempotent: true,
		headers: []signedheader.Header{{Name: HeaderDocID, Value: docID}},
	})
	if err != nil {
		return nil, err
	}
	data, err := decodeBase64(res.Data)
	if err != nil {
		return nil, &Error{Call: CallGetEdoc, Desc: "data is not base64: " + err.Error(), HTTPStatus: http.StatusOK}
	}
	return data, nil
}

// UpdateStatus acknowledges a received package: TransportDone,
// TransportFail or TransportProcessing. It is the transport
// acknowledgement only; business statuses travel as status packages.
func (c *Client) UpdateStatus(ctx context.Context, docID, status string) error {
	switch {
	case strings.TrimSpace(docID) == "":
		return errors.New("vdxp updateStatus: docId is required")
	case status != TransportDone && status != TransportFail && status != TransportProcessing:
		return fmt.Errorf("vdxp updateStatus: status %q is not done, fail or processing", status)
	}
	_, err := call[Result](ctx, c, request{
		call: CallUpdateStatus, method: http.MethodPost, contentType: contentJSON, idempotent: true,
		headers: []signedheader.Header{
			{Name: HeaderStatus, Value: status},
			{Name: HeaderDocID, Value: docID},
		},
	})
	return err
}

// Sent lists, per recipient, the documents the caller sent and what became
// of them.
func (c *Client) Sent(ctx context.Context) ([]SentEntry, error) {
	res, err := call[SentResult](ctx, c, request{
		call: CallGetSentEdocList, method: http.MethodPost, contentType: contentJSON, idempotent: true,
		headers: []signedheader.Header{
			{Name: HeaderServiceType, Value: ServiceEDoc},
			{Name: HeaderMessageType, Value: MessageEdoc},
		},
	})
	if err != nil {
		return nil, err
	}
	return nonNil(res.Data), nil
}

// Count is the number of documents (MessageEdoc) or statuses
// (MessageStatus) waiting in the caller's inbox.
func (c *Client) Count(ctx context.Context, messageType string) (int64, error) {
	name := CallCountReceiveEdoc
	if messageType == MessageStatus {
		name = CallCountReceiveStatus
	}
	if err := checkMessageType(name, messageType); err != nil {
		return 0, err
	}
	res, err := call[CountResult](ctx, c, request{
		call: name, method: http.MethodGet, contentType: contentJSON, idempotent: true,
		headers: []signedheader.Header{{Name: HeaderServiceType, Value: ServiceEDoc}},
	})
	if err != nil {
		return 0, err
	}
	return res.Count, nil
}

// Agencies returns the axis's agency directory.
func (c *Client) Agencies(ctx context.Context) ([]Agency, error) {
	res, err := call[AgenciesResult](ctx, c, request{
		call: CallGetAgenciesList, method: http.MethodPost, contentType: contentJSON, idempotent: true,
	})
	if err != nil {
		return nil, err
	}
	return nonNil(res.Data), nil
}

func checkMessageType(call, mt string) error {
	if mt != MessageEdoc && mt != MessageStatus {
		return fmt.Errorf("vdxp %s: messagetype %q is not %s or %s", call, mt, MessageEdoc, MessageStatus)
	}
	return nil
}

func nonNil[T any](l []T) []T {
	if l == nil {
		return []T{}
	}
	return l
}

// decodeBase64 reads the data of getEdoc, tolerating line breaks (MIME
// encoders) and missing padding.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n \t") {
		s = strings.Map(func(r rune) rune {
			if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
				return -1
			}
			return r
		}, s)
	}
	if strings.HasSuffix(s, "=") || len(s)%4 == 0 {
		return base64.StdEncoding.DecodeString(s)
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// request is one call to make.
type request struct {
	call        string
	method      string
	contentType string
	headers     []signedheader.Header // logical headers besides systemid, timestamp and Content-Type
	body        []byte
	// idempotent calls are retried on every temporary failure.
	idempotent bool
}

// envelope gives the Result every answer type embeds.
type envelope interface{ envelope() Result }

func (r Result) envelope() Result { return r }

// call makes req, with retries, and decodes the answer into T.
func call[T envelope](ctx context.Context, c *Client, req request) (T, error) {
	var out T
	for attempt := 0; ; attempt++ {
		var err error
		out, err = once[T](ctx, c, req)
		if err == nil {
			return out, nil
		}
		if attempt >= c.Retries || !retryable(ctx, req, err) {
			return out, err
		}
		if werr := sleep(ctx, c.backoff(attempt)); werr != nil {
			return out, err
		}
	}
}

// retryable decides whether a failed attempt is tried again.
func retryable(ctx context.Context, req request, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	if req.idempotent {
		return IsTemporary(err)
	}
	var te *transportError
	if errors.As(err, &te) {
		return te.notSent
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code == CodePlatformError || e.Code == CodeTooManyRequests ||
			e.HTTPStatus == http.StatusServiceUnavailable || e.HTTPStatus == http.StatusTooManyRequests
	}
	return false
}

// once makes one attempt.
func once[T envelope](ctx context.Context, c *Client, req request) (T, error) {
	var out T
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	actx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var wrote atomic.Bool
	actx = httptrace.WithClientTrace(actx, &httptrace.ClientTrace{
		WroteRequest: func(i httptrace.WroteRequestInfo) {
			if i.Err == nil {
				wrote.Store(true)
			}
		},
	})
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(actx, req.method, strings.TrimRight(c.BaseURL, "/")+"/"+req.call, body)
	if err != nil {
		return out, fmt.Errorf("vdxp %s: %w", req.call, err)
	}
	logical := append([]signedheader.Header{{Name: signedheader.NameContentType, Value: req.contentType}}, req.headers...)
	for _, h := range signedheader.Sign(c.SystemID, c.Secret, c.stamp(), logical) {
		// The names go on the wire as the SDK spells them.
		hr.Header[h.Name] = []string{h.Value}
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return out, &transportError{call: req.call, err: err, notSent: !wrote.Load()}
	}
	defer resp.Body.Close()
	limit := c.MaxAnswer
	if limit <= 0 {
		limit = DefaultMaxAnswer
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return out, &transportError{call: req.call, err: fmt.Errorf("reading the answer: %w", err)}
	}
	fail := func(desc string) *Error {
		return &Error{Call: req.call, Desc: desc, HTTPStatus: resp.StatusCode}
	}
	if int64(len(raw)) > limit {
		return out, fail(fmt.Sprintf("answer larger than %d bytes", limit))
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return out, fail("answer is not the axis's JSON envelope: " + snippet(raw))
	}
	env := out.envelope()
	switch {
	case env.Status == "" && env.ErrorCode == "":
		return out, fail("answer without status or ErrorCode: " + snippet(raw))
	case env.Failed():
		return out, &Error{Call: req.call, Code: env.ErrorCode, Desc: env.ErrorDesc, HTTPStatus: resp.StatusCode}
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		return out, fail("success envelope with HTTP " + resp.Status)
	}
	return out, nil
}

// stamp is the time to sign with: the clock, moved on by a millisecond when
// the previous call of this client was signed in the same millisecond.
func (c *Client) stamp() time.Time {
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	for {
		t := now()
		ms := t.UnixMilli()
		last := c.lastStamp.Load()
		if ms <= last {
			ms = last + 1
		}
		if c.lastStamp.CompareAndSwap(last, ms) {
			return time.UnixMilli(ms).In(t.Location())
		}
	}
}

// backoff is the wait before retry n (0 for the first retry).
func (c *Client) backoff(n int) time.Duration {
	initial, maxWait := c.Backoff.Initial, c.Backoff.Max
	if initial <= 0 {
		initial = DefaultBackoffInitial
	}
	if maxWait <= 0 {
		maxWait = DefaultBackoffMax
	}
	d := initial
	for i := 0; i < n && d < maxWait; i++ {
		d *= 2
	}
	d = min(d, maxWait)
	half := d / 2
	return half + rand.N(half+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// snippet quotes the start of an answer that is not the envelope, for the
// error (an HTML page of a proxy, a truncated body).
func snippet(b []byte) string {
	const n = 200
	if len(b) > n {
		return fmt.Sprintf("%q…", b[:n])
	}
	return fmt.Sprintf("%q", b)
}
