package ngsp

import (
	"bytes"
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Defaults of the settings left at zero.
const (
	DefaultTimeout         = 10 * time.Second
	DefaultRetries         = 2
	DefaultBackoffBase     = 200 * time.Millisecond
	DefaultBackoffMax      = 5 * time.Second
	DefaultBreakerFailures = 5
	DefaultBreakerOpen     = 30 * time.Second
	DefaultRefreshBefore   = 60 * time.Second
	DefaultMaxBody         = 8 << 20
)

// Config configures a Client. Zero values take the defaults above.
type Config struct {
	// BaseURL is NGSP's API root, e.g. https://api.ngsp.gov.vn; paths
	// such as /apiCSDLDKDN/1.0/chiTietDoanhNghiep are appended to it.
	BaseURL string
	// TokenURL is the token endpoint; default BaseURL + "/token".
	TokenURL string
	// ConsumerKey and ConsumerSecret are the platform's application on
	// NGSP. They never appear in errors or logs.
	ConsumerKey    string
	ConsumerSecret string
	// Timeout bounds one attempt (token request included), not the whole
	// call with its retries; the caller's context bounds that.
	Timeout time.Duration
	// Retries is how many times an idempotent call (Get) is tried again
	// after a temporary failure. 0 means DefaultRetries; negative, none.
	Retries int
	// BackoffBase and BackoffMax bound the wait before retry n: a random
	// duration between half and all of min(BackoffBase·2ⁿ⁻¹, BackoffMax).
	BackoffBase time.Duration
	BackoffMax  time.Duration
	// BreakerFailures consecutive outage-type failures open the breaker
	// for BreakerOpen; then one probe call decides.
	BreakerFailures int
	BreakerOpen     time.Duration
	// RefreshBefore renews a token this long before its expires_in ends
	// (at most half its lifetime ahead).
	RefreshBefore time.Duration
	// MaxBody bounds an answer's size in bytes.
	MaxBody int64
	// HTTPClient sends the calls. Default: a client of its own that
	// follows no redirect (the calls carry a bearer token).
	HTTPClient *http.Client
	// Clock returns the current time for token expiry and the breaker;
	// nil means time.Now. Backoff waits use real time.
	Clock func() time.Time
}

// Client calls NGSP data APIs. It is safe for concurrent use; make one per
// NGSP application and keep it, as it holds the token and the breaker.
type Client struct {
	cfg     Config
	base    string
	hc      *http.Client
	tokens  *tokenSource
	breaker *breaker
}

// New validates cfg, applies defaults and builds a client. It does not
// contact NGSP.
func New(cfg Config) (*Client, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	hc := cfg.HTTPClient
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		hc = &http.Client{
			Transport:     tr,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	}
	c := &Client{
		cfg:  cfg,
		base: strings.TrimRight(cfg.BaseURL, "/"),
		hc:   hc,
		tokens: &tokenSource{
			url: cfg.TokenURL, key: cfg.ConsumerKey, secret: cfg.ConsumerSecret,
			client: hc, timeout: cfg.Timeout, refreshBefore: cfg.RefreshBefore, now: cfg.Clock,
		},
		breaker: newBreaker(cfg.BreakerFailures, cfg.BreakerOpen, cfg.Clock),
	}
	return c, nil
}

func (cfg *Config) defaults() error {
	bad := func(setting, en, vi string) error {
		return fmt.Errorf("ngsp: %s: %s / %s", setting, en, vi)
	}
	u, err := url.Parse(cfg.BaseURL)
	if cfg.BaseURL == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return bad("BaseURL", "must be an absolute http(s) URL without a query", "phải là URL http(s) đầy đủ, không có tham số truy vấn")
	}
	if cfg.TokenURL == "" {
		cfg.TokenURL = strings.TrimRight(cfg.BaseURL, "/") + "/token"
	} else if u, err := url.Parse(cfg.TokenURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return bad("TokenURL", "must be an absolute http(s) URL", "phải là URL http(s) đầy đủ")
	}
	if strings.TrimSpace(cfg.ConsumerKey) == "" {
		return bad("ConsumerKey", "must not be empty", "không được để trống")
	}
	if cfg.ConsumerSecret == "" {
		return bad("ConsumerSecret", "must not be empty", "không được để trống")
	}
	for _, d := range []struct {
		name string
		v    *time.Duration
		def  time.Duration
	}{
		{"Timeout", &cfg.Timeout, DefaultTimeout},
		{"BackoffBase", &cfg.BackoffBase, DefaultBackoffBase},
		{"BackoffMax", &cfg.BackoffMax, DefaultBackoffMax},
		{"BreakerOpen", &cfg.BreakerOpen, DefaultBreakerOpen},
		{"RefreshBefore", &cfg.RefreshBefore, DefaultRefreshBefore},
	} {
		switch {
		case *d.v < 0:
			return bad(d.name, "must not be negative", "không được âm")
		case *d.v == 0:
			*d.v = d.def
		}
	}
	if cfg.BackoffMax < cfg.BackoffBase {
		return bad("BackoffMax", "must not be below BackoffBase", "không được nhỏ hơn BackoffBase")
	}
	switch {
	case cfg.Retries == 0:
		cfg.Retries = DefaultRetries
	case cfg.Retries < 0:
		cfg.Retries = 0
	case cfg.Retries > 10:
		return bad("Retries", "must be at most 10", "tối đa là 10")
	}
	switch {
	case cfg.BreakerFailures < 0:
		return bad("BreakerFailures", "must not be negative", "không được âm")
	case cfg.BreakerFailures == 0:
		cfg.BreakerFailures = DefaultBreakerFailures
	}
	switch {
	case cfg.MaxBody < 0:
		return bad("MaxBody", "must not be negative", "không được âm")
	case cfg.MaxBody == 0:
		cfg.MaxBody = DefaultMaxBody
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	return nil
}

// Response is a successful NGSP answer: errorCode 0, or 200
// RECORD_UNCOMPLETE with a partial record (Incomplete).
type Response struct {
	HTTPStatus int
	Code       int    // 0 or 200
	Name       string // errorName, e.g. SUCCESS
	Message    string // errorMessage
	MessageVI  string // errorMessageVi
	RequestID  string
	// Incomplete is errorCode 200: Data holds only part of the record.
	Incomplete bool
	Data       json.RawMessage
}

// Decode unmarshals Data into out.
func (r *Response) Decode(out any) error {
	if len(bytes.TrimSpace(r.Data)) == 0 || bytes.Equal(bytes.TrimSpace(r.Data), []byte("null")) {
		return &Error{Kind: Unavailable, HTTPStatus: r.HTTPStatus, RequestID: r.RequestID,
			Message:   "NGSP answered success without data",
			MessageVI: "NGSP trả lời thành công nhưng không có dữ liệu"}
	}
	if err := json.Unmarshal(r.Data, out); err != nil {
		return &Error{Kind: Unavailable, HTTPStatus: r.HTTPStatus, RequestID: r.RequestID, cause: err,
			Message:   "NGSP's data does not have the expected shape",
			MessageVI: "dữ liệu NGSP trả về không đúng cấu trúc"}
	}
	return nil
}

// RequireComplete returns an Invalid error (code 200) when the record is
// partial, for callers that cannot work with part of a record.
func (r *Response) RequireComplete() error {
	if !r.Incomplete {
		return nil
	}
	return &Error{Kind: Invalid, Code: CodeRecordUncomplete, Name: "RECORD_UNCOMPLETE", HTTPStatus: r.HTTPStatus,
		RequestID: r.RequestID, Message: "the national record is incomplete",
		MessageVI: "bản ghi trong cơ sở dữ liệu quốc gia chưa đầy đủ thông tin"}
}

type ctxKey int

const (
	keyRequestID ctxKey = iota
	keyHeaders
)

// WithRequestID makes the calls made with ctx carry id as X-Request-Id,
// so that NGSP's logs and ours can be matched. Without it each call gets a
// random one, the same for all its attempts.
func WithRequestID(ctx context.Context, id string) context.Context {
	return context.WithValue(ctx, keyRequestID, id)
}

// WithHeaders adds headers to the calls made with ctx: the requester
// fields of personal-data APIs (maDonVi, maCanBo, mucDich) belong there
// rather than in the URL. Authorization and Host cannot be set this way.
func WithHeaders(ctx context.Context, h http.Header) context.Context {
	return context.WithValue(ctx, keyHeaders, h.Clone())
}

// Get calls a read API. It is retried after temporary failures.
func (c *Client) Get(ctx context.Context, path string, query url.Values) (*Response, error) {
	return c.do(ctx, http.MethodGet, path, query, nil, true)
}

// Post sends body as JSON ([]byte and json.RawMessage as they are). It is
// not retried once it may have reached NGSP.
func (c *Client) Post(ctx context.Context, path string, body any) (*Response, error) {
	var b []byte
	switch v := body.(type) {
	case nil:
	case []byte:
		b = v
	case json.RawMessage:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, &Error{Kind: Invalid, cause: err, Message: "the request body cannot be encoded as JSON",
				MessageVI: "không mã hoá được nội dung yêu cầu thành JSON"}
		}
	}
	if b == nil {
		b = []byte{}
	}
	return c.do(ctx, http.MethodPost, path, nil, b, false)
}

// TokenRequests is how many token requests the client has made.
func (c *Client) TokenRequests() int64 { return c.tokens.fetches.Load() }

// BreakerState is "closed", "open" or "half_open".
func (c *Client) BreakerState() string { return c.breaker.stateName() }

// outcome is what one attempt tells the retry loop.
type outcome struct {
	err           *Error
	failure       bool // an outage-type failure, counted by the breaker
	notSent       bool // the data request surely did not reach NGSP
	tokenRejected bool
	tok           *token
}

func (c *Client) do(ctx context.Context, method, path string, query url.Values, body []byte, idempotent bool) (*Response, error) {
	target, err := c.target(path, query)
	if err != nil {
		return nil, err
	}
	reqID, _ := ctx.Value(keyRequestID).(string)
	if reqID == "" {
		reqID = newRequestID()
	}
	reauthed := false
	for retries := 0; ; {
		if ok, wait := c.breaker.allow(); !ok {
			return nil, &Error{Kind: Unavailable, RetryAfter: wait, RequestID: reqID,
				Message:   "NGSP has been failing; calls are paused (circuit breaker open)",
				MessageVI: "NGSP đang gặp sự cố; các lời gọi tạm dừng (bộ ngắt mạch đang mở)"}
		}
		res, out := c.attempt(ctx, method, target, body, reqID)
		if ctx.Err() != nil {
			// The caller gave up: nothing was learnt about NGSP.
			c.breaker.release()
			return nil, &Error{Kind: Unavailable, RequestID: reqID, cause: ctx.Err(), RetryAfter: c.cfg.BackoffBase,
				Message: "the call was cancelled before NGSP answered", MessageVI: "lời gọi bị huỷ trước khi NGSP trả lời"}
		}
		if out.failure {
			open := c.breaker.failure()
			if out.err.RetryAfter == 0 {
				out.err.RetryAfter = max(open, c.cfg.BackoffMax)
			}
		} else {
			c.breaker.success()
		}
		switch {
		case out.err == nil:
			return res, nil
		case out.tokenRejected && !reauthed:
			// A token NGSP no longer honours (revoked, expired early, our
			// clock behind): drop it and try once with a new one. The call
			// was refused at authentication, so this holds for Post too.
			c.tokens.invalidate(out.tok)
			reauthed = true
			continue
		case out.err.Kind == Unavailable && retries < c.cfg.Retries && (idempotent || out.notSent):
			retries++
			if err := sleep(ctx, c.backoff(retries)); err != nil {
				return nil, &Error{Kind: Unavailable, RequestID: reqID, cause: err, RetryAfter: c.cfg.BackoffBase,
					Message: "the call was cancelled while waiting to retry", MessageVI: "lời gọi bị huỷ khi đang chờ thử lại"}
			}
			continue
		}
		if out.err.RequestID == "" {
			out.err.RequestID = reqID
		}
		return nil, out.err
	}
}

// target checks path and joins it to the base URL. Paths are fixed API
// names, never caller input, but a mistake must not send the token
// elsewhere.
func (c *Client) target(path string, query url.Values) (string, error) {
	if !strings.HasPrefix(path, "/") || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "?#\\ ") ||
		strings.Contains(path, "/../") || strings.HasSuffix(path, "/..") || strings.Contains(path, "/./") {
		return "", &Error{Kind: Misconfigured, Message: fmt.Sprintf("%q is not an NGSP API path (/{apiContext}/{version}/{resource})", path),
			MessageVI: "đường dẫn API NGSP không hợp lệ (/{apiContext}/{version}/{resource})"}
	}
	t := c.base + path
	if len(query) > 0 {
		t += "?" + query.Encode()
	}
	return t, nil
}

func (c *Client) attempt(ctx context.Context, method, target string, body []byte, reqID string) (*Response, outcome) {
	actx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	tok, err := c.tokens.get(actx)
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			e = transportError(actx, err, "the NGSP token endpoint")
		}
		return nil, outcome{err: e, failure: e.Kind == Unavailable, notSent: true}
	}
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(actx, method, target, rd)
	if err != nil {
		return nil, outcome{err: &Error{Kind: Misconfigured, cause: err, Message: "the NGSP request cannot be built",
			MessageVI: "không tạo được yêu cầu gửi NGSP"}}
	}
	if h, ok := ctx.Value(keyHeaders).(http.Header); ok {
		for k, vs := range h {
			if k == "Authorization" || k == "Host" {
				continue
			}
			req.Header[k] = vs
		}
	}
	req.Header.Set("Authorization", tok.header)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("X-Request-Id", reqID)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return nil, outcome{err: transportError(actx, err, "NGSP"), failure: true, notSent: neverSent(err)}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, c.cfg.MaxBody+1))
	if err != nil {
		return nil, outcome{err: transportError(actx, err, "NGSP"), failure: true}
	}
	if int64(len(data)) > c.cfg.MaxBody {
		return nil, outcome{err: unavailable(res.StatusCode, fmt.Sprintf("NGSP's answer is larger than %d bytes", c.cfg.MaxBody),
			fmt.Sprintf("câu trả lời của NGSP lớn hơn %d byte", c.cfg.MaxBody), nil), failure: true}
	}
	r, out := interpret(res.StatusCode, res.Header, data)
	out.tok = tok
	return r, out
}

// envelope is the data APIs' answer, or the WSO2 gateway's fault.
type envelope struct {
	ErrorCode      json.RawMessage `json:"errorCode"`
	ErrorName      string          `json:"errorName"`
	ErrorMessage   string          `json:"errorMessage"`
	ErrorMessageVi string          `json:"errorMessageVi"`
	RequestID      string          `json:"requestId"`
	Data           json.RawMessage `json:"data"`
	Fault          *struct {
		Code        json.RawMessage `json:"code"`
		Message     string          `json:"message"`
		Description string          `json:"description"`
	} `json:"fault"`
}

// interpret classifies one HTTP answer.
func interpret(status int, h http.Header, body []byte) (*Response, outcome) {
	var env envelope
	parsed := json.Unmarshal(body, &env) == nil
	reqID := env.RequestID
	if reqID == "" {
		reqID = h.Get("X-Request-Id")
	}
	rejected := func(en, vi string) outcome {
		e := misconfigured(CodeAuthenError, "AUTHEN_ERROR", "NGSP refused the platform's access token twice: "+en,
			"NGSP từ chối access token của nền tảng hai lần liên tiếp: "+vi)
		e.HTTPStatus, e.RequestID = status, reqID
		return outcome{err: e, tokenRejected: true}
	}
	malformed := func() outcome {
		e := unavailable(status, fmt.Sprintf("NGSP answered HTTP %d with a body that is not its JSON envelope", status),
			fmt.Sprintf("NGSP trả về HTTP %d với nội dung không đúng định dạng JSON quy định", status), nil)
		e.RequestID = reqID
		return outcome{err: e, failure: true}
	}
	switch {
	case status >= 300 && status < 400:
		e := misconfigured(0, "", fmt.Sprintf("NGSP answered a redirect (HTTP %d), not followed: check BaseURL", status),
			fmt.Sprintf("NGSP trả về chuyển hướng (HTTP %d), không đi theo: cần kiểm tra BaseURL", status))
		e.HTTPStatus, e.RequestID = status, reqID
		return nil, outcome{err: e}
	case parsed && len(env.ErrorCode) > 0 && string(env.ErrorCode) != "null":
		code, ok := nationalCode(env.ErrorCode)
		if !ok {
			return nil, malformed()
		}
		return classify(status, code, &env, reqID, h, rejected)
	case status == http.StatusUnauthorized:
		// Plain 401, or the WSO2 gateway's 900901 Invalid Credentials
		// (also 900900–900904: inactive, expired, missing).
		return nil, rejected("the API gateway did not accept the token", "cổng API không chấp nhận token")
	case status == http.StatusTooManyRequests:
		e := unavailable(status, "NGSP is throttling the platform's calls", "NGSP đang giới hạn tần suất lời gọi của nền tảng", nil)
		e.RequestID, e.RetryAfter = reqID, retryAfter(h)
		// Throttling is not an outage: the breaker is not told.
		return nil, outcome{err: e}
	case status >= 500:
		en, vi := fmt.Sprintf("NGSP answered HTTP %d", status), fmt.Sprintf("NGSP trả về HTTP %d", status)
		if status == http.StatusGatewayTimeout {
			en, vi = "the national database did not answer NGSP in time (HTTP 504)", "cơ sở dữ liệu quốc gia không trả lời NGSP kịp thời (HTTP 504)"
		}
		e := unavailable(status, en, vi, nil)
		e.RequestID, e.RetryAfter = reqID, retryAfter(h)
		if parsed && env.Fault != nil {
			e.Name = env.Fault.Message
		}
		return nil, outcome{err: e, failure: true}
	case parsed && env.Fault != nil:
		// 403 (API not subscribed, resource forbidden), 404 (no such API),
		// 405: the platform calls NGSP wrongly.
		e := misconfigured(0, env.Fault.Message,
			fmt.Sprintf("the NGSP API gateway refused the call (HTTP %d, fault %s): check the API path and subscription", status, safeCode(env.Fault.Code)),
			fmt.Sprintf("cổng API của NGSP từ chối lời gọi (HTTP %d, mã lỗi %s): cần kiểm tra đường dẫn API và đăng ký sử dụng", status, safeCode(env.Fault.Code)))
		e.HTTPStatus, e.RequestID = status, reqID
		return nil, outcome{err: e}
	}
	return nil, malformed()
}

func classify(status, code int, env *envelope, reqID string, h http.Header, rejected func(en, vi string) outcome) (*Response, outcome) {
	e := &Error{Code: code, Name: env.ErrorName, HTTPStatus: status, Message: env.ErrorMessage,
		MessageVI: env.ErrorMessageVi, RequestID: reqID}
	switch code {
	case CodeSuccess, CodeRecordUncomplete:
		return &Response{HTTPStatus: status, Code: code, Name: env.ErrorName, Message: env.ErrorMessage,
			MessageVI: env.ErrorMessageVi, RequestID: reqID, Incomplete: code == CodeRecordUncomplete, Data: env.Data}, outcome{}
	case CodeAuthenError:
		return nil, rejected(env.ErrorMessage, env.ErrorMessageVi)
	case CodeRecordNotFound:
		e.Kind = NotFound
	case CodeDataTypeInvalid, CodeDataIncorrect:
		e.Kind = Invalid
	case CodeIPDisallowed, CodeAgencyIDIncorrect, CodeProvinceIDIncorrect:
		e.Kind = Misconfigured
	default:
		if status >= 500 {
			e.Kind, e.RetryAfter = Unavailable, retryAfter(h)
			return nil, outcome{err: e, failure: true}
		}
		e.Kind = Invalid
	}
	return nil, outcome{err: e}
}

// nationalCode reads errorCode, a string ("201") or a number (201).
func nationalCode(raw json.RawMessage) (int, bool) {
	var n int
	if json.Unmarshal(raw, &n) == nil {
		return n, true
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

// safeCode renders a fault code (a number) and nothing else.
func safeCode(raw json.RawMessage) string {
	var n int64
	if json.Unmarshal(raw, &n) == nil {
		return strconv.FormatInt(n, 10)
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return strconv.FormatInt(n, 10)
		}
	}
	return "?"
}

// retryAfter reads a Retry-After header in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s > 0 {
		return time.Duration(min(s, 3600)) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 && d <= time.Hour {
			return d
		}
	}
	return 0
}

func misconfigured(code int, name, en, vi string) *Error {
	return &Error{Kind: Misconfigured, Code: code, Name: name, Message: en, MessageVI: vi}
}

func unavailable(status int, en, vi string, cause error) *Error {
	return &Error{Kind: Unavailable, HTTPStatus: status, Message: en, MessageVI: vi, cause: cause}
}

// transportError describes a call that got no answer. The URL, which may
// carry citizen identifiers in its query, is left out of the cause.
func transportError(ctx context.Context, err error, what string) *Error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return unavailable(0, what+" did not answer in time", "không nhận được trả lời kịp thời từ "+vietnameseName(what), err)
	}
	return unavailable(0, what+" could not be reached", "không kết nối được tới "+vietnameseName(what), err)
}

func vietnameseName(what string) string {
	if what == "NGSP" {
		return "NGSP"
	}
	return "máy chủ cấp token của NGSP"
}

// neverSent reports an error that stopped the request before any byte of
// it left: the connection could not be made.
func neverSent(err error) bool {
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	var dns *net.DNSError
	return errors.As(err, &dns)
}

// backoff is the wait before retry n (1-based): "equal jitter", half fixed
// and half random, so that retries neither pile up nor wait for nothing.
func (c *Client) backoff(n int) time.Duration {
	d := c.cfg.BackoffBase << min(n-1, 20)
	if d <= 0 || d > c.cfg.BackoffMax {
		d = c.cfg.BackoffMax
	}
	half := d / 2
	return half + rand.N(d-half+1)
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

func newRequestID() string {
	var b [8]byte
	_, _ = crand.Read(b[:])
	return hex.EncodeToString(b[:])
}
