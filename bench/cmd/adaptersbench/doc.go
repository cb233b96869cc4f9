// Command adaptersbench is the national-database adapters' benchmark, run
// by `make bench` after the others and alone by `make bench-adapters`.
//
// It measures bin/lgsp as `make build` ships it: `lgsp dev` as a child
// process on random loopback ports, its NGSP simulator included (it runs
// in the same process), in the same run:
//
//  1. typed against proxied: the same national lookup (a) typed, through
//     the gateway and the adapter, with the demo department's API key
//     (GET /ngsp-business/v1/enterprises/{code}), (b) proxied straight to
//     the simulator through the gateway by the demo's business-registration
//     API with its OAuth2 client (GET /apiCSDLDKDN/1.0/chiTietDoanhNghiep),
//     and (c) the simulator called directly, the floor; then a citizen
//     looked up (d) typed, with a legal basis and a case (not cached, one
//     access-log entry written per call before the answer), against (e)
//     the simulator's population API proxied through the gateway, which
//     the benchmark registers through the admin REST API as the demo's
//     business API is (OAuth2 upstream authentication), with the requester
//     headers NGSP wants. (a) runs twice: with one enterprise code on the
//     first child, where the business cache (10 minutes by default) answers
//     every call after the first, and with twenty codes on a second child
//     started with LGSP_ADAPTERS_CACHE_BUSINESS=0, where every call reaches
//     the simulator; there it alternates with (b) again. Each scenario
//     runs, for each number of concurrent clients, in interleaved rounds
//     (a, b, c, d, e, a, b, …) of a warm-up then a measured period in a
//     closed loop; the round with the median ratio is reported;
//  2. token refresh: on the second child, freshly started, 200 citizen
//     lookups are fired at once, first as the child started (the adapter
//     fetched a token when it warmed the shared catalogs), then after the
//     simulator revoked every token (DELETE /_sim/tokens), so that every
//     caller meets an invalid token; the token requests the simulator
//     received in each burst are read from its /_sim/stats.
//
// The results replace the section between the adaptersbench markers of
// docs/BENCHMARKS.md.
package main
