package ngsp

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// National error codes of the NGSP data envelope (errorCode).
const (
	CodeSuccess             = 0
	CodeAuthenError         = 100
	CodeIPDisallowed        = 101
	CodeAgencyIDIncorrect   = 106
	CodeProvinceIDIncorrect = 108
	CodeRecordUncomplete    = 200
	CodeRecordNotFound      = 201
	CodeDataTypeInvalid     = 302
	CodeDataIncorrect       = 500
)

// Kind is what a caller can do about an error.
type Kind string

const (
	// NotFound: the national database has no such record (201).
	NotFound Kind = "not_found"
	// Invalid: NGSP refused the request's data (302, 500), or the caller
	// asked for a complete record and got a partial one (200, see
	// Response.RequireComplete). Retrying the same request cannot help.
	Invalid Kind = "invalid"
	// Unavailable: NGSP or the database behind it did not answer usefully
	// (5xx, timeout, transport error, malformed answer, breaker open).
	// Trying again later may help; RetryAfter says when.
	Unavailable Kind = "unavailable"
	// Misconfigured: the platform's own NGSP setup is wrong (credentials,
	// IP allow-list, agency or province registration, API path): an
	// operator has to act, not the caller.
	Misconfigured Kind = "misconfigured"
)

// Error is a failed NGSP call. Its messages never carry the consumer
// secret, the access token or the query (which may hold citizen
// identifiers).
type Error struct {
	// Code is the national code (201, 302 …), 0 when NGSP gave none
	// (transport errors, gateway faults, breaker open).
	Code int
	// Name is the national code's symbolic name, e.g. RECORD_NOT_FOUND,
	// or the gateway fault's message.
	Name string
	// HTTPStatus is NGSP's HTTP status, 0 when there was no answer.
	HTTPStatus int
	Kind       Kind
	Message    string // English
	MessageVI  string // Vietnamese
	// RetryAfter is set for Unavailable: the earliest time a new call
	// has a chance.
	RetryAfter time.Duration
	// RequestID is NGSP's id of the call (or ours, when NGSP gave none).
	RequestID string

	cause error
}

func (e *Error) Error() string {
	s := "ngsp: " + string(e.Kind)
	if e.Code != 0 {
		s += " (code " + strconv.Itoa(e.Code)
		if e.Name != "" {
			s += " " + e.Name
		}
		s += ")"
	}
	if e.HTTPStatus != 0 {
		s += " HTTP " + strconv.Itoa(e.HTTPStatus)
	}
	s += ": " + e.Message
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

// Unwrap returns the transport error or context error behind the call.
func (e *Error) Unwrap() error { return e.cause }

// RetryAfterSeconds is RetryAfter in whole seconds, rounded up, at least 1
// for an Unavailable error (for a Retry-After header), 0 otherwise.
func (e *Error) RetryAfterSeconds() int {
	if e.Kind != Unavailable {
		return 0
	}
	return max(1, int(math.Ceil(e.RetryAfter.Seconds())))
}

// Platform error codes of the national-data errors.
const (
	APICodeNotFound         = "national_record_not_found"
	APICodeInvalid          = "national_invalid_request"
	APICodeRecordIncomplete = "national_record_incomplete"
	APICodeUnavailable      = "national_unavailable"
	APICodeMisconfigured    = "national_misconfigured"
)

// API maps the error into the platform's error model. The national
// messages are kept for NotFound and Invalid, where they tell the caller
// what was wrong with the request; for Unavailable and Misconfigured the
// caller gets a fixed message, since the details are the platform's.
//
// Misconfigured is 502 Bad Gateway over HTTP (the fault is between the
// platform and NGSP) and codes.Internal over gRPC, which has no code for
// it; CallerStatus gives the same HTTP statuses.
func (e *Error) API() *apierr.Error {
	switch e.Kind {
	case NotFound:
		return apierr.Wrap(e, codes.NotFound, APICodeNotFound,
			"the national database has no such record",
			"cơ sở dữ liệu quốc gia không có bản ghi này")
	case Invalid:
		if e.Code == CodeRecordUncomplete {
			return apierr.Wrap(e, codes.FailedPrecondition, APICodeRecordIncomplete,
				"the national database holds only part of this record",
				"cơ sở dữ liệu quốc gia chỉ có một phần thông tin của bản ghi này")
		}
		en, vi := e.Message, e.MessageVI
		if en == "" || vi == "" {
			en, vi = "the national database refused the request's data", "cơ sở dữ liệu quốc gia từ chối dữ liệu của yêu cầu"
		}
		return apierr.Wrap(e, codes.InvalidArgument, APICodeInvalid, en, vi)
	case Misconfigured:
		return apierr.Wrap(e, codes.Internal, APICodeMisconfigured,
			"the platform's connection to the national integration platform (NGSP) is misconfigured; the operators have been told",
			"kết nối của nền tảng tới nền tảng tích hợp quốc gia (NGSP) bị cấu hình sai; bộ phận vận hành cần xử lý").WithHTTPStatus(http.StatusBadGateway)
	}
	return apierr.Wrap(e, codes.Unavailable, APICodeUnavailable,
		fmt.Sprintf("the national integration platform (NGSP) is unavailable; try again in %d s", e.RetryAfterSeconds()),
		fmt.Sprintf("nền tảng tích hợp quốc gia (NGSP) tạm thời không sẵn sàng; vui lòng thử lại sau %d giây", e.RetryAfterSeconds())).
		WithRetryAfter(time.Duration(e.RetryAfterSeconds()) * time.Second)
}

// CallerStatus is the HTTP status a REST caller of the platform should
// get: 404, 400, 503 or 502.
func (e *Error) CallerStatus() int {
	switch e.Kind {
	case NotFound:
		return http.StatusNotFound
	case Invalid:
		return http.StatusBadRequest
	case Misconfigured:
		return http.StatusBadGateway
	}
	return http.StatusServiceUnavailable
}

// IsTemporary reports whether err is an NGSP error that may go away by
// itself (Kind Unavailable).
func IsTemporary(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == Unavailable
}

// KindOf returns the Kind of an NGSP error, "" for other errors.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}
