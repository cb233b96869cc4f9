// Package adapters is the national-database adapters service: typed,
// validated and audited access to the national databases that NGSP (the
// national integration platform) relays to the province, as TT 13/2017
// art. 17 and NĐ 278/2025 ask an LGSP to provide.
//
// Why a service and not a proxy: a department system proxied straight to
// NGSP would need the national credential, would see NGSP's quirks (its
// error envelope, its tokens, its outages) and could look a citizen up
// without saying why. Here the platform holds the credential
// (adapters/ngsp shares one token, retries reads, breaks the circuit), each
// database has one typed contract (proto/lgsp/adapters/v1) whose inputs are
// checked before anything leaves the province, and each lookup of a
// person's data must state its legal basis and case, and is written to a
// tamper-evident access log before its answer leaves (NĐ 13/2023/NĐ-CP).
//
// The access log keeps the person's identifier only as a keyed hash
// (HMAC-SHA256 under a key derived from LGSP_ADAPTERS_AUDIT_KEY), so the
// database never holds it in plain text, yet an auditor who types the ID
// gets the person's access report. Each entry is chained to the previous
// one with a keyed hash, so an entry removed or rewritten without the key
// breaks VerifyAccessLog.
//
// Caches: the shared catalogs are cached and served from the cache while
// NGSP is down; business registration may be (LGSP_ADAPTERS_CACHE_BUSINESS);
// personal data is not cached unless an operator turns it on per database.
package adapters
