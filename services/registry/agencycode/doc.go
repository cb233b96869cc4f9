// Package agencycode validates agency electronic identifier codes (mã định
// danh điện tử, QĐ 20/2020/QĐ-TTg as amended by QĐ 09/2025/QĐ-TTg).
//
// Registration is strict: four dot-separated groups LLL.LL.LL.XNN, the last
// one a capital letter and two digits ("000.00.00.H30"). Inbound national
// traffic is read leniently, because real packages carry short or odd codes
// ("28.22.H17"); Lenient says what it accepted so the caller can log it.
package agencycode
