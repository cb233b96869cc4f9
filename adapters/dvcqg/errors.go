package dvcqg

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Description is what an error code means, for a person: in Vietnamese and
// in English.
type Description struct {
	VI string
	EN string
}

// String writes the description as answers and logs show it: Vietnamese,
// then English in parentheses.
func (d Description) String() string { return d.VI + " (" + d.EN + ")" }

// descriptions is the catalogue of the portal's error codes.
var descriptions = map[string]Description{
	CodeOK:             {"thành công", "success"},
	CodeSessionInvalid: {"phiên làm việc không hợp lệ hoặc đã hết hạn", "session invalid or expired"},
	CodeBadCredentials: {"sai tên đăng nhập hoặc mật khẩu", "bad username or password"},
	CodeInvalidData:    {"dữ liệu không hợp lệ", "invalid data"},
	CodeNotFound:       {"không tìm thấy hồ sơ", "dossier not found"},
	CodeSystemError:    {"lỗi hệ thống Cổng Dịch vụ công quốc gia, vui lòng thử lại sau", "portal system error, try again later"},
}

// Describe returns what an error code means; an unknown code is described
// as such.
func Describe(code string) Description {
	if d, ok := descriptions[code]; ok {
		return d
	}
	return Description{"mã lỗi không xác định " + code, "unknown error code " + code}
}

// Error is an answer of the portal that is not a success: an error_code
// with the portal's message, or an answer that carried none (Code is then
// empty: an HTTP failure, or an answer that is not the portal's JSON).
type Error struct {
	Call       string // the call, e.g. "DongBoHoSoMC"
	Code       string // error_code, e.g. "03"; "" when the answer had none
	Message    string // the portal's message, or what the answer held instead
	HTTPStatus int    // 0 when no answer was read

	// malformed is true for an answer that could not be read as the
	// portal's JSON: a proxy's page, a truncated body.
	malformed bool
}

func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = "no error_code"
	} else if d, ok := descriptions[code]; ok {
		code += " " + d.EN
	}
	s := fmt.Sprintf("dvcqg %s: %s (HTTP %d)", e.Call, code, e.HTTPStatus)
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// temporary reports whether trying again later may succeed.
func (e *Error) temporary() bool {
	return e.malformed || e.Code == CodeSystemError || e.Code == CodeSessionInvalid ||
		e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests || e.HTTPStatus == http.StatusRequestTimeout
}

// transportError is a call that got no answer: the connection failed, the
// per-attempt timeout passed, or the answer could not be read.
type transportError struct {
	call string
	err  error
}

func (e *transportError) Error() string { return "dvcqg " + e.call + ": " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// codeOf returns the error_code of err, or "".
func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsTemporary reports whether the same call may succeed later: a network
// failure or timeout, HTTP 5xx, 429 or 408, the portal's system error
// ("99"), an answer that is not the portal's JSON, or a session refused
// again right after a fresh login ("01"). The caller's outbox retries these
// with backoff and dead-letters the rest. A context the caller cancelled
// is not temporary.
func IsTemporary(err error) bool {
	if err == nil || errors.Is(err, context.Canceled) {
		return false
	}
	var te *transportError
	if errors.As(err, &te) {
		return true
	}
	var e *Error
	return errors.As(err, &e) && e.temporary()
}

// IsBadCredentials reports whether the portal refused the username or
// password ("02"): the configuration is wrong, retrying will not help.
func IsBadCredentials(err error) bool { return codeOf(err) == CodeBadCredentials }

// IsNotFound reports whether the portal has no such dossier ("04").
func IsNotFound(err error) bool { return codeOf(err) == CodeNotFound }

// IsInvalidData reports whether the portal refused the request itself as
// invalid ("03"). Single items refused in a batch are ItemResults, not
// errors.
func IsInvalidData(err error) bool { return codeOf(err) == CodeInvalidData }
