// Package onestop keeps the records of administrative-procedure dossiers
// (hồ sơ thủ tục hành chính, TTHC) for the provincial one-stop software
// (một cửa điện tử) and the citizen portal, and relays every change to the
// national public-service portal (Cổng Dịch vụ công quốc gia).
//
// A province is judged by the share of its dossiers finished on time, and
// the national portal must see every status change. This service owns:
//
//   - dossier codes <agency code>-<yyMMdd>-<NNNN>: the sequence is per
//     receiving agency per day in Asia/Ho_Chi_Minh, allocated in the
//     transaction that creates the dossier, so it has no gap and no
//     duplicate on either SQL engine;
//   - the status machine of TrangThaiHoSo 1…10 (status.go), every change
//     with who, when and a note in the dossier's trail;
//   - deadlines in working days from a holiday calendar (platform/workday,
//     with the years an admin loads), paused while a supplement or a
//     financial obligation is awaited, and each dossier's timeliness;
//   - inter-level transfers (liên thông) between agencies of adjacent
//     configured levels, keeping one code and the full trail;
//   - the sync outbox: each change writes, in its own transaction, the
//     item the portal must receive (DongBoHoSoMC with the dossier as it is
//     then, or CapNhatTienDoHoSoMC for a processing step), numbered per
//     dossier (PhienBan). sync.go delivers them in order per dossier,
//     batched across dossiers, retried with backoff; an item the portal
//     keeps refusing goes to a dead letter and holds the dossier's later
//     items until an admin replays it;
//   - events on NATS (natsx.OneStopStream) published from the trail, which
//     doubles as the events' outbox, so that an acknowledged change is
//     never lost by a crash;
//   - statistics per agency and level, the staff search and a public
//     lookup by code that shows no personal data.
//
// Agencies call it through the gateway (API onestop/v1) with their own
// credential; the gateway asserts the application and its agency
// (platform/gatewayid), and metering counts the calls there.
package onestop
