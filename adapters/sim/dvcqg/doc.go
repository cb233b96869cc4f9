// Package dvcqg simulates the national public-service portal (Cổng Dịch vụ
// công quốc gia, "DVCQG"), so that the province's sync of dossiers of
// administrative procedures, the connector in adapters/dvcqg and tests run
// without the real portal.
//
// It is a real HTTP server speaking the portal's dialect as adapters/dvcqg
// writes it down (our best knowledge, unverified against the real portal):
//
//   - POST {base}/{call} for LayPhien, DongBoHoSoMC, CapNhatTienDoHoSoMC
//     and TraCuuHoSo, JSON in and out. The call is the last path segment,
//     so any base path works. Business answers are HTTP 200 with
//     error_code; an outage is HTTP 503 with a proxy's page;
//   - real sessions: LayPhien checks the configured username and password
//     and issues a session that expires after the session lifetime; a call
//     with a missing, unknown or expired session is answered "01";
//   - strict checks of every item: a MaHoSo that is not
//     <agency code>-<yyMMdd>-<NNNN>, a status outside 1 to 10, a date that
//     is not yyyyMMddHHmmss, a PhienBan below 1 or an unknown field is
//     answered "03" for that item alone;
//   - /_sim/...: a control surface, protected by its own token, to list
//     and fetch what the portal recorded, read the statistics, change the
//     fault knobs, expire every session and reset the state.
//
// Per dossier code the simulator keeps, in the order received, every item
// it recorded, and the latest dossier state (the change with the highest
// PhienBan). A PhienBan already recorded for the dossier is answered "00"
// and counted as a duplicate, not recorded again; one below the highest
// recorded is counted out of order, one beyond the next is counted as a
// gap. The statistics count outcomes per receiving agency as provinces
// report them (received, finished, on time, late), so a test of the
// platform can compare them with its own.
//
// State lives in memory, behind one lock: this is a simulator. Faults
// (latency, error rate, outage, malformed answers, expiring sessions,
// rejected dossiers) are reproducible under a seed.
package dvcqg
