// Package vdxp simulates the national document axis (trục liên thông văn
// bản quốc gia, "VDXP"), so that the province's bridge to it, the
// connector in adapters/vdxp and tests run without the real axis.
//
// It is a real HTTP server speaking the axis's dialect as the national SDK
// uses it (the wire shapes of adapters/vdxp):
//
//   - POST {base}/{call} for sendEdoc, getReceivedEdocList, getEdoc,
//     updateStatus, getSentEdocList, countReceiveEdoc, countReceiveStatus
//     and getAgenciesList (the last three also answer GET). The call is the
//     last path segment, so any base path works. Every answer is the
//     envelope {"status","ErrorCode","ErrorDesc"} (with "DocId" on sendEdoc,
//     failures included) and the national error codes;
//   - signed headers (platform/signedheader) checked against the
//     simulator's own table of systems, with a timestamp window and a
//     replay cache;
//   - /_sim/...: a control surface, protected by its own token, to list
//     and fetch what the axis received (byte for byte), inject a document
//     into the province as if another province had sent it, change the
//     fault knobs and reset the state.
//
// Routing. A system (systemid) hosts agency codes. The simulator keeps its
// own agency directory (directory.go): the national bodies and other
// provinces it plays itself. A document addressed to one of them is
// delivered at once and, when auto-answer is on, answered with edXML status
// packages (01 then 03) in the sending system's inbox. Every code outside
// the directory belongs to the province's system (DevSystemID in dev
// mode), so a document for such a code, sent by another system or
// injected, lands in the province's inbox. Extra systems configured with
// their own codes stand for other provinces' software.
//
// State lives in memory, behind one lock: this is a simulator. Faults
// (latency, error rate, outage, locked recipients) come before
// authentication, as a failing axis would show them, and are reproducible
// under a seed.
package vdxp
