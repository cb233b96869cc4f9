// Package ngsp simulates the national integration platform (NGSP) and the
// national databases reached through it, so that connectors, the gateway demo
// and tests can run without the real national systems.
//
// It speaks the same surface the real platform does, over real HTTP:
//
//   - POST /token: a WSO2-style OAuth2 token endpoint (consumer key and
//     secret in HTTP Basic or form fields, grant_type=client_credentials)
//     issuing opaque bearer tokens that expire;
//   - data APIs under /{apiContext}/{version}/{resource}: business
//     registration (apiCSDLDKDN: detail, search, changes over a date range),
//     shared catalogs (dmdc), population (apiCSDLDC), civil status
//     (apiHoTichTuPhap: birth, marriage, death, dossier status), judicial
//     records (apiLyLichTuPhap: record status, certificate requests and
//     their progress) and social insurance (apiBHXH). They answer one
//     envelope, {"errorCode","errorName","errorMessage","errorMessageVi",
//     "requestId","data"}, with the national numeric error codes (100, 101,
//     106, 108, 200, 201, 302, 500) and a matching HTTP status. All are GET
//     but the certificate request, a POST of JSON that the caller's key
//     (maYeuCau) makes idempotent;
//   - /_sim/...: an admin surface, protected by its own token, to inject
//     latency, failures, hangs, answers cut short and tokens refused before
//     their expiry at run time, and to read call statistics.
//
// The fault knobs (FaultProfile) cover what a connector must survive: slow
// answers, gateway 5xx, hangs ending in 504, answers cut short mid-body
// (malformedRate: served, then half the body, not valid JSON) and the
// gateway's 900901 Invalid Credentials fault for a token NGSP expired early
// (tokenRejectRate: the token is revoked, so a connector must renew it and
// retry once). A non-zero seed makes every draw reproducible.
//
// The data is a small in-memory set generated deterministically at start
// (about twenty enterprises, a dozen citizens, the 34 provinces after the
// 2025 merger), so every run and every test sees the same records. It is a
// snapshot as of 30/06/2026, with two exceptions that follow the simulator
// clock (Config.Clock) so that a demo run on any day finds something: one
// enterprise in three has its latest registration change a fixed number of
// days before today, and certificate requests move from received to being
// verified to issued as time passes. The Vietnamese field names live in
// adapters/natdb, shared with the platform's typed adapters, and nowhere
// else.
//
// The population-type APIs carry personal data. As NĐ 13/2023/NĐ-CP asks,
// every lookup must say who asks (maCanBo), for which agency (maDonVi) and
// why (mucDich); the simulator logs those with the citizen identifier masked.
// The dossier status names no person and asks for the agency only.
// Tokens and identifiers are never logged in clear.
package ngsp
