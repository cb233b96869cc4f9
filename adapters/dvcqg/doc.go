// Package dvcqg is the connector to the national public-service portal
// (Cổng Dịch vụ công quốc gia, "DVCQG") and the portal's wire dialect for
// dossiers of administrative procedures (hồ sơ TTHC): call names, the
// answer envelope, the error codes, the dossier (HoSo) and processing-step
// (TienDo) shapes and the date format.
//
// The portal's API is not fully public. The dialect here is our best
// knowledge from public provincial integrations, unverified against the
// real portal: every call is POST <base>/<Call> with a JSON body and a
// JSON answer; business answers are HTTP 200 with error_code ("00"
// success); outages are HTTP 5xx. The calls are LayPhien (log in with a
// username and password for a session), DongBoHoSoMC (sync a batch of
// dossiers), CapNhatTienDoHoSoMC (a batch of processing steps) and
// TraCuuHoSo (look a dossier up). Dates are yyyyMMddHHmmss in
// Asia/Ho_Chi_Minh (FormatTime, ParseTime). The simulator
// (adapters/sim/dvcqg) uses the same types, so that the two speak one
// dialect; where the real portal turns out to differ, it changes here.
//
// Idempotency and order are ours, not the portal's: every item carries
// PhienBan, one sequence per MaHoSo shared by dossiers and steps, starting
// at 1 with no gaps. A resent item whose PhienBan the portal already has is
// answered "00" and not recorded again, so a batch whose answer was lost
// can be sent again as it was.
//
// Client logs in lazily and shares one session between concurrent callers
// (one LayPhien however many calls wait for it). It keeps the session until
// shortly before it expires; an answer "01" (session invalid or expired)
// drops it, logs in again once and retries the call once. That is the only
// retry: batches are retried by the caller's outbox, with its backoff,
// which is why every failure tells whether trying later may help.
//
// Failures are *Error values carrying the portal's error_code, or
// transport errors. IsTemporary (HTTP 5xx or 429, "99", a transport error
// or timeout, an answer that is not the portal's JSON) tells the caller to
// try again later; IsBadCredentials ("02"), IsInvalidData ("03") and
// IsNotFound ("04") name the answers retrying will not change. A batch can
// succeed while single items fail: each ItemResult says OK or Permanent.
// The password and the session never appear in an error.
package dvcqg
