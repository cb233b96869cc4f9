package vdxp

import (
	"context"
	"errors"
	"fmt"
	"net/http"
)

// Error is an answer of the axis that is not a success: a national error
// code (ErrorCode) with its description, or an HTTP failure that carried
// none (Code is then empty).
type Error struct {
	Call       string // the call, e.g. "sendEdoc"
	Code       string // national ErrorCode, e.g. "18"; "" when the answer had none
	Desc       string // ErrorDesc as the axis wrote it, or what the answer held instead
	HTTPStatus int
}

func (e *Error) Error() string {
	code := e.Code
	if code == "" {
		code = "no ErrorCode"
	}
	s := fmt.Sprintf("vdxp %s: %s (HTTP %d)", e.Call, code, e.HTTPStatus)
	if e.Desc != "" {
		s += ": " + e.Desc
	}
	return s
}

// temporary reports whether trying again later may succeed: the axis
// failed (20, any 5xx) or asked the caller to slow down (26, 429).
func (e *Error) temporary() bool {
	return e.Code == CodePlatformError || e.Code == CodeTooManyRequests ||
		e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests
}

// transportError is a call that got no answer: the connection failed, the
// per-call timeout passed, or the answer could not be read.
type transportError struct {
	call string
	err  error
	// notSent is true when the request was not completely written, so the
	// axis cannot have acted on it.
	notSent bool
}

func (e *transportError) Error() string { return "vdxp " + e.call + ": " + e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// codeOf returns the national code of err, or "".
func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}

// IsUnknownReceiver reports whether the axis refused a send because a
// recipient is not in its directory (18): resending will not help; the
// document goes to a dead letter or the recipient list is fixed.
func IsUnknownReceiver(err error) bool { return codeOf(err) == CodeUnknownReceiver }

// IsRejected reports whether a recipient refuses documents for now (23).
func IsRejected(err error) bool { return codeOf(err) == CodeReceiverLocked }

// IsBadCredentials reports whether the axis refused the signed headers
// (15): the systemid, the secret or the clock is wrong.
func IsBadCredentials(err error) bool { return codeOf(err) == CodeBadCredentials }

// IsInvalidPackage reports whether the axis refused the package itself
// (10 invalid file, 21 file processing, 22 invalid edXML).
func IsInvalidPackage(err error) bool {
	switch codeOf(err) {
	case CodeInvalidFile, CodeFileProcessing, CodeInvalidEdXML:
		return true
	}
	return false
}

// IsNotFound reports whether the document does not exist or is not the
// caller's (24).
func IsNotFound(err error) bool { return codeOf(err) == CodeNotFound }

// IsTemporary reports whether the same call may succeed later: a network
// failure or timeout, an HTTP 5xx, the axis's platform error (20), or a
// rate limit (26, 429). A caller retries these and dead-letters the rest.
// A context the caller cancelled is not temporary.
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
