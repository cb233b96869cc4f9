// Package apierr is the platform's error model for admin and internal APIs:
// a stable machine-readable code, a gRPC code, and a message in English and
// Vietnamese. It converts to a gRPC status and renders grpc-gateway errors,
// routing errors included, as JSON {"code","message","message_vi","request_id"}.
package apierr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/protoadapt"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/lgsp-vn/lgsp/platform/authn"
)

// Domain names LGSP in gRPC ErrorInfo details.
const Domain = "lgsp"

// Error is an error a caller can act on.
type Error struct {
	GRPC      codes.Code
	Code      string // stable, e.g. "invalid_agency_code"
	Message   string // English
	MessageVI string // Vietnamese
	// Field names the offending input field, when there is one.
	Field string
	cause error
	// httpStatus overrides the status derived from GRPC, for HTTP answers
	// no gRPC code maps to (405).
	httpStatus int
	// retryAfter, in whole seconds, tells a caller of an unavailable
	// dependency when to try again (Retry-After over HTTP, RetryInfo over
	// gRPC).
	retryAfter int
}

func (e *Error) Error() string {
	if e.cause != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.cause)
	}
	return e.Code + ": " + e.Message
}

func (e *Error) Unwrap() error { return e.cause }

// GRPCStatus lets grpc-go and status.FromError convert the error.
func (e *Error) GRPCStatus() *status.Status {
	st := status.New(e.GRPC, e.Message+" / "+e.MessageVI)
	md := map[string]string{"message": e.Message, "message_vi": e.MessageVI}
	if e.Field != "" {
		md["field"] = e.Field
	}
	details := []protoadapt.MessageV1{&errdetails.ErrorInfo{Reason: e.Code, Domain: Domain, Metadata: md}}
	if e.retryAfter > 0 {
		details = append(details, &errdetails.RetryInfo{RetryDelay: durationpb.New(time.Duration(e.retryAfter) * time.Second)})
	}
	if d, err := st.WithDetails(details...); err == nil {
		return d
	}
	return st
}

// New builds an error.
func New(c codes.Code, code, en, vi string) *Error {
	return &Error{GRPC: c, Code: code, Message: en, MessageVI: vi}
}

// Wrap is New with an underlying cause kept for logs (never shown to callers).
func Wrap(cause error, c codes.Code, code, en, vi string) *Error {
	return &Error{GRPC: c, Code: code, Message: en, MessageVI: vi, cause: cause}
}

// WithHTTPStatus returns a copy of e answered over HTTP with status, for
// the answers no gRPC code maps to (502 Bad Gateway: the fault is in a
// system behind the platform). gRPC callers still get e.GRPC.
func (e *Error) WithHTTPStatus(status int) *Error {
	c := *e
	c.httpStatus = status
	return &c
}

// WithRetryAfter returns a copy of e that tells the caller to try again
// after d (rounded up to whole seconds, at least 1): the Retry-After
// header over HTTP, a RetryInfo detail over gRPC.
func (e *Error) WithRetryAfter(d time.Duration) *Error {
	c := *e
	c.retryAfter = max(1, int((d+time.Second-1)/time.Second))
	return &c
}

// RetryAfter is the wait WithRetryAfter set, 0 when none.
func (e *Error) RetryAfter() time.Duration { return time.Duration(e.retryAfter) * time.Second }

// Invalid is an InvalidArgument error about one field.
func Invalid(field, code, en, vi string) *Error {
	return &Error{GRPC: codes.InvalidArgument, Code: code, Message: en, MessageVI: vi, Field: field}
}

// Common errors.
var (
	ErrUnauthenticated = New(codes.Unauthenticated, "unauthenticated", "authentication required", "cần xác thực")
	ErrForbidden       = New(codes.PermissionDenied, "forbidden", "you are not allowed to do this", "bạn không có quyền thực hiện thao tác này")
	ErrInternal        = New(codes.Internal, "internal", "internal error", "lỗi hệ thống")
)

// Answers of the REST routing in front of the services' handlers.
var (
	ErrRouteNotFound = New(codes.NotFound, "not_found",
		"no API answers at this path", "không có API nào tại đường dẫn này")
	ErrMethodNotAllowed = &Error{GRPC: codes.Unimplemented, Code: "method_not_allowed",
		Message: "this path does not accept this HTTP method", MessageVI: "đường dẫn này không hỗ trợ phương thức HTTP này",
		httpStatus: http.StatusMethodNotAllowed}
	// ErrMissingID answers a path with an empty segment: no route has one,
	// so an identifier was left out (as in /admin/v1/apis/ or
	// /admin/v1/apis/:transition).
	ErrMissingID = New(codes.InvalidArgument, "missing_id",
		"the path has an empty segment: an identifier is missing", "đường dẫn có đoạn rỗng: thiếu mã định danh")
	ErrBadPath = New(codes.InvalidArgument, "invalid_argument",
		"the request path could not be read", "không đọc được đường dẫn của yêu cầu")
)

// NotFound is a NotFound error for a kind of thing.
func NotFound(kind, id string) *Error {
	return New(codes.NotFound, kind+"_not_found", fmt.Sprintf("%s %q not found", kind, id), fmt.Sprintf("không tìm thấy %s %q", kind, id))
}

// Body is the JSON shape of an error answered over HTTP.
type Body struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
	Field     string `json:"field,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// FromError extracts the code, messages and HTTP status from any error.
func FromError(err error) (Body, int) {
	if errors.Is(err, authn.ErrUnauthenticated) {
		err = ErrUnauthenticated
	}
	var e *Error
	if errors.As(err, &e) {
		code := e.httpStatus
		if code == 0 {
			code = runtime.HTTPStatusFromCode(e.GRPC)
		}
		return Body{Code: e.Code, Message: e.Message, MessageVI: e.MessageVI, Field: e.Field}, code
	}
	st, ok := status.FromError(err)
	if !ok {
		return Body{Code: ErrInternal.Code, Message: ErrInternal.Message, MessageVI: ErrInternal.MessageVI}, http.StatusInternalServerError
	}
	// A status without our details comes from below the services (request
	// decoding in grpc-gateway, gRPC itself): its text is English only.
	b := Body{Code: codeName(st.Code()), Message: st.Message(), MessageVI: vietnameseFor(st.Code()) + " (" + st.Message() + ")"}
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.Domain == Domain {
			b.Code = info.Reason
			b.Message = info.Metadata["message"]
			b.MessageVI = info.Metadata["message_vi"]
			b.Field = info.Metadata["field"]
		}
	}
	if st.Code() == codes.Internal || st.Code() == codes.Unknown {
		b.Message, b.MessageVI = ErrInternal.Message, ErrInternal.MessageVI
	}
	return b, runtime.HTTPStatusFromCode(st.Code())
}

func codeName(c codes.Code) string {
	switch c {
	case codes.InvalidArgument:
		return "invalid_argument"
	case codes.NotFound:
		return "not_found"
	case codes.AlreadyExists:
		return "already_exists"
	case codes.PermissionDenied:
		return "forbidden"
	case codes.Unauthenticated:
		return "unauthenticated"
	case codes.FailedPrecondition:
		return "failed_precondition"
	case codes.ResourceExhausted:
		return "resource_exhausted"
	case codes.Unavailable:
		return "unavailable"
	case codes.DeadlineExceeded:
		return "timeout"
	case codes.Unimplemented:
		return "not_implemented"
	}
	return "internal"
}

// vietnameseFor names a gRPC code in Vietnamese, for statuses that carry an
// English message only.
func vietnameseFor(c codes.Code) string {
	switch c {
	case codes.InvalidArgument, codes.OutOfRange:
		return "yêu cầu không hợp lệ"
	case codes.NotFound:
		return "không tìm thấy"
	case codes.AlreadyExists, codes.Aborted:
		return "xung đột với dữ liệu hiện có"
	case codes.PermissionDenied:
		return "không có quyền"
	case codes.Unauthenticated:
		return "cần xác thực"
	case codes.FailedPrecondition:
		return "không thực hiện được ở trạng thái hiện tại"
	case codes.ResourceExhausted:
		return "vượt quá giới hạn"
	case codes.Unavailable:
		return "dịch vụ tạm thời không sẵn sàng"
	case codes.DeadlineExceeded:
		return "quá thời gian chờ"
	case codes.Unimplemented:
		return "chức năng chưa được hỗ trợ"
	case codes.Canceled:
		return "yêu cầu đã bị huỷ"
	}
	return ErrInternal.MessageVI
}

// ServiceAnswerHeader marks an error the platform's service wrote itself:
// the service is up and answered, whatever the status. A 503 so marked
// means a system behind the service is unavailable (NGSP, the national
// portal), so the gateway counts it neither against the service's circuit
// breaker nor as a reason to retry.
const ServiceAnswerHeader = "X-Lgsp-Service-Answer"

// WriteJSON writes err as the platform's JSON error body.
func WriteJSON(w http.ResponseWriter, r *http.Request, err error) {
	b, code := FromError(err)
	b.RequestID = r.Header.Get("X-Request-Id")
	if e := (*Error)(nil); errors.As(err, &e) && e.retryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.retryAfter))
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set(ServiceAnswerHeader, "1")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(b)
}

// GatewayErrorHandler is a grpc-gateway runtime.ErrorHandlerFunc rendering
// the platform's JSON body. It also recognises the routing errors that
// runtime.DefaultRoutingErrorHandler hands it, so a mux built without
// RoutingErrorHandler still answers 404, 405 and 400 properly.
func GatewayErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	if httpStatus, ok := routingStatus(err); ok {
		err = routingError(r, httpStatus)
	}
	WriteJSON(w, r, err)
}

// RoutingErrorHandler is a grpc-gateway runtime.RoutingErrorHandlerFunc
// rendering the platform's JSON body (runtime.WithRoutingErrorHandler).
func RoutingErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, httpStatus int) {
	WriteJSON(w, r, routingError(r, httpStatus))
}

// routingError is the answer to a request no handler took. A path with an
// empty segment lacks an identifier, whatever the mux matched it against.
func routingError(r *http.Request, httpStatus int) *Error {
	if emptySegment(r.URL.Path) {
		return ErrMissingID
	}
	switch httpStatus {
	case http.StatusNotFound:
		return ErrRouteNotFound
	case http.StatusMethodNotAllowed:
		return ErrMethodNotAllowed
	}
	return ErrBadPath
}

// emptySegment reports a path with an empty segment, including an empty one
// before a custom verb ("/apis/:transition").
func emptySegment(path string) bool {
	segs := strings.Split(strings.TrimPrefix(path, "/"), "/")
	for _, s := range segs {
		if s == "" || s[0] == ':' {
			return true
		}
	}
	return false
}

// routingStatus recognises what runtime.DefaultRoutingErrorHandler passes to
// the error handler: a bare status (no details) whose message is the HTTP
// status text, InvalidArgument for 400, NotFound for 404 and Unimplemented
// for 405. It also takes the runtime.HTTPStatusError the mux reports for a
// malformed path.
func routingStatus(err error) (int, bool) {
	var he *runtime.HTTPStatusError
	if errors.As(err, &he) {
		return he.HTTPStatus, true
	}
	var e *Error
	if errors.As(err, &e) {
		return 0, false
	}
	st, ok := status.FromError(err)
	if !ok || len(st.Details()) != 0 {
		return 0, false
	}
	for _, h := range []struct {
		grpc   codes.Code
		status int
	}{
		{codes.InvalidArgument, http.StatusBadRequest},
		{codes.NotFound, http.StatusNotFound},
		{codes.Unimplemented, http.StatusMethodNotAllowed},
	} {
		if st.Code() == h.grpc && st.Message() == http.StatusText(h.status) {
			return h.status, true
		}
	}
	return 0, false
}
