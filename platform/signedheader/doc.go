// Package signedheader implements the national document axis's signed-header
// authentication, as the national Java SDK (SDKVXP) sends it.
//
// A client sends its logical headers (systemid, timestamp, from, to, docId,
// …) with the prefix "XroadVnpt-", plus:
//
//   - XroadVnpt-sign-header-key: the logical names joined by ";";
//   - XroadVnpt-sign-header: a compact JSON object of prefixed name → value,
//     written with Gson's HTML-safe escaping;
//   - XroadVnpt-hash-header: lower-case hex of HMAC-SHA256(secret, the exact
//     text of XroadVnpt-sign-header).
//
// Verify checks the HMAC over the header text exactly as received (it never
// re-serialises the JSON), then checks that each signed pair equals the header
// actually received (with or without the prefix), that the timestamp is fresh
// and that the same signature is not replayed. Sign produces what the Java SDK
// sends, so that tests and provincial services can act as a real client.
//
// The package takes headers through a getter function, so it serves net/http
// and fasthttp alike.
package signedheader
