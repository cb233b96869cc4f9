// Package vnid checks the identifiers of Vietnamese persons and businesses
// that national databases are keyed by: the 12-digit personal
// identification number (số định danh cá nhân, printed on the CCCD), the
// enterprise code (mã số doanh nghiệp, 10 digits or 10-3 for a branch) and
// the social insurance number (mã số BHXH, 10 digits).
//
// The checks live here, once, because several services must refuse a bad
// identifier before anything leaves the province: the one-stop service when
// a dossier names its applicant, the national-database adapters before a
// lookup is sent to NGSP. They check form only; whether a person or
// business exists is the national database's answer.
package vnid
