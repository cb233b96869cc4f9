// Package edxml reads and writes edXML packages (QCVN 102:2016/BTTTT, as
// amended by TT 01/2022/TT-BTTTT): the documents and status messages that
// agencies' document-management software exchange over the document axis.
//
// It exists so that the document-exchange service, its national-axis
// connector (adapters/vdxp) and its simulator share one codec with no
// network and no database, that can be fuzzed and checked against golden
// files on its own; it sits in platform/ because those are separate
// packages that all need it.
//
// Received packages are never re-serialised. Parse keeps a reference to the
// bytes as received (they may carry an enveloped XML-DSig signature that
// must stay valid) and extracts the header fields next to them; Bytes gives
// those same bytes back for storage and forwarding. Text fields are trimmed
// and normalised to Unicode NFC, because senders mix composed and decomposed
// Vietnamese diacritics.
//
// Attachments are validated (base64) and measured while streaming from the
// received bytes, and OpenAttachment decodes them on demand the same way: a
// 50 MiB package is held once, not once as bytes, once as XML text and once
// decoded. The XML decoder is made to step over the base64 text rather than
// buffer it.
//
// The zero Options are strict: an attachment that is not base64 refuses the
// package. Options.LenientAttachments accepts it with a warning instead; the
// national SDK's sample edoc_small.edxml needs it, as it carries a test-tool
// placeholder where its attachment should be. Other tolerated quirks of real
// senders (bytes before the XML declaration, an undeclared "edXML:" prefix,
// decomposed diacritics, a manifest that disagrees with the attachments) are
// accepted and reported by Warnings, for the caller to log.
//
// Refusals are *Error values from one catalogue (errors.go) with a stable
// code and English and Vietnamese messages; the service maps them to its
// answers. DTDs and entity declarations are refused outright.
//
// The builders (BuildDocument, BuildStatus) write packages for the platform's
// own API with the national namespace and element names, and share their
// validation with the parser so that whatever they build, Parse accepts.
//
// MatchHashFile checks the hash-file header of the national SDK: SHA-256 hex
// with or without each byte's leading zero, over the file without the CRLF
// the SDK appends to the body.
package edxml
