// Package ngsp is the platform's connector to NGSP, the national
// integration platform through which provincial systems read the national
// databases (business registration, population, civil status, judicial
// records, social insurance, shared catalogs), as TT 13/2017/TT-BTTTT art.
// 17 has NGSP and LGSP relay such requests.
//
// It exists so that the services calling national databases share one
// correct implementation of what every such call needs and what is easy to
// get subtly wrong: the WSO2 token, retries that do not repeat writes, a
// circuit breaker that keeps a national outage from tying up the platform,
// and one reading of the national error codes. It knows no API's fields;
// typed, validated and audited access per database belongs to the
// adapters service built on top of it.
//
// # Tokens
//
// NGSP issues OAuth2 client-credentials tokens (consumer key and secret in
// HTTP Basic, grant_type=client_credentials). The client caches one and
// renews it RefreshBefore ahead of expires_in (never earlier than half its
// lifetime). Callers that find the cache cold or stale while a request is
// under way wait for that request: a burst of calls costs one token. A
// token the API refuses anyway (HTTP 401, national code 100 AUTHEN_ERROR,
// or the API gateway's invalid-credentials fault) is dropped and the call
// is tried once more with a new one; a second refusal is Misconfigured.
//
// # Retries
//
// Get is idempotent and is retried up to Retries times after a temporary
// failure (5xx, timeout, transport error, malformed answer, throttling),
// waiting BackoffBase·2ⁿ⁻¹ capped at BackoffMax, half of it random. Post is
// retried only when the request surely never reached NGSP: the connection
// could not be made, or no token could be obtained. Each attempt has its
// own Timeout; the caller's context bounds the whole call.
//
// # Circuit breaker
//
// BreakerFailures consecutive outage-type failures (5xx, timeouts,
// transport errors, malformed JSON) open the breaker: calls then fail at
// once with Unavailable and a RetryAfter saying when it closes again.
// National business answers (201, 302 …) are answers, not failures, and
// reset the count. After BreakerOpen one probe call is let through; its
// success closes the breaker, its failure opens it again.
//
// # Errors
//
// Failures are *Error, with the national code, NGSP's request id and a
// Kind: NotFound (201), Invalid (302, 500), Unavailable (with RetryAfter)
// and Misconfigured (100 after the retry, 101, 106, 108, refused
// credentials, gateway 403/404/405: the platform's NGSP setup is wrong,
// not the caller's input). Error.API maps them into platform/apierr.
//
// Code 200 RECORD_UNCOMPLETE is not an error: NGSP answers the part of the
// record it has, and for many procedures that part is enough. Get returns
// it with Response.Incomplete set; a caller that needs the whole record
// calls Response.RequireComplete, which turns it into an Invalid error
// (national_record_incomplete).
//
// Neither errors nor anything else here carries the consumer secret, the
// token or a call's query string, which may hold citizen identifiers.
package ngsp
