// Package apierr is the platform's error model for admin and internal APIs:
// a stable machine-readable code, a gRPC code, and a message in English and
// Vietnamese. It converts to a gRPC status and renders grpc-gateway errors as
// JSON {"code","message","message_vi","request_id"}.
package apierr

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

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
	if d, err := st.WithDetails(&errdetails.ErrorInfo{Reason: e.Code, Domain: Domain, Metadata: md}); err == nil {
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
		return Body{Code: e.Code, Message: e.Message, MessageVI: e.MessageVI, Field: e.Field}, runtime.HTTPStatusFromCode(e.GRPC)
	}
	st, ok := status.FromError(err)
	if !ok {
		return Body{Code: ErrInternal.Code, Message: ErrInternal.Message, MessageVI: ErrInternal.MessageVI}, http.StatusInternalServerError
	}
	b := Body{Code: codeName(st.Code()), Message: st.Message(), MessageVI: st.Message()}
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
	}
	return "internal"
}

// WriteJSON writes err as the platform's JSON error body.
func WriteJSON(w http.ResponseWriter, r *http.Request, err error) {
	b, code := FromError(err)
	b.RequestID = r.Header.Get("X-Request-Id")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(b)
}

// GatewayErrorHandler is a grpc-gateway runtime.ErrorHandlerFunc rendering
// the platform's JSON body.
func GatewayErrorHandler(_ context.Context, _ *runtime.ServeMux, _ runtime.Marshaler, w http.ResponseWriter, r *http.Request, err error) {
	WriteJSON(w, r, err)
}
