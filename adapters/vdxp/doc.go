// Package vdxp is the connector to the national document axis (trục liên
// thông văn bản quốc gia) and the axis's wire dialect: call names, logical
// headers, the answer envelope and the national error codes.
//
// The platform's own national-compatible surface (services/docexchange)
// and the simulator (adapters/sim/vdxp) use the same types, so that the
// three speak one dialect.
//
// Client makes the calls as the national Java SDK does: every call signed
// with platform/signedheader (prefixed headers, sign-header-key, the
// Gson-escaped sign-header, hash-header, XroadVnpt-version and the SDK's
// User-Agent), a package sent as the file followed by CRLF with hash-file
// over the file alone. It bounds each attempt with a timeout and retries
// with exponential backoff and jitter: reading calls and updateStatus on
// any temporary failure, Send only when the axis surely did not act on the
// request (the request was not completely written, or the axis answered
// 503, 429, ErrorCode 20 or 26), since the axis gives a same-bytes resend
// the DocId of the first.
//
// Failures are *Error values carrying the national ErrorCode, or transport
// errors. IsTemporary tells a caller to try again later; IsUnknownReceiver
// (18), IsRejected (23), IsBadCredentials (15), IsInvalidPackage and
// IsNotFound name the answers that retrying will not change, for the
// caller to dead-letter or fix.
package vdxp
