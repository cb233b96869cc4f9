package edxml

import "fmt"

// Error is a refusal of a package, with a stable machine-readable Code that
// the service maps to its API answers (national ErrorCode, gRPC status), an
// English and a Vietnamese message, and the element path it concerns.
type Error struct {
	Code      string // stable, e.g. "missing_field"
	Message   string // English
	MessageVI string // Vietnamese
	Field     string // element path such as "MessageHeader/From/OrganId", or ""
	Detail    string // what was found, e.g. the offending value or the XML parser's report
}

func (e *Error) Error() string {
	s := "edxml: " + e.Code + ": " + e.Message
	if e.Field != "" {
		s += " (" + e.Field + ")"
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is lets errors.Is match on the code: errors.Is(err, edxml.ErrHashMismatch).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func (e *Error) at(field string) *Error {
	c := *e
	c.Field = field
	return &c
}

func (e *Error) with(field, format string, args ...any) *Error {
	c := *e
	c.Field = field
	c.Detail = fmt.Sprintf(format, args...)
	return &c
}

func newError(code, en, vi string) *Error {
	return &Error{Code: code, Message: en, MessageVI: vi}
}

// The catalogue. Every refusal the codec makes is one of these, with Field
// and Detail filled in. Codes are stable; callers may act on them.
var (
	ErrEmpty        = newError("empty", "the package is empty", "gói tin rỗng")
	ErrTooLarge     = newError("too_large", "the package exceeds the size limit", "gói tin vượt quá dung lượng cho phép")
	ErrMalformed    = newError("malformed_xml", "the package is not well-formed XML", "gói tin không phải XML hợp lệ")
	ErrDoctype      = newError("doctype_forbidden", "DTDs and entity declarations are not allowed", "không chấp nhận khai báo DTD hoặc thực thể (DOCTYPE/ENTITY)")
	ErrRoot         = newError("bad_root", "the root element must be edXML", "phần tử gốc phải là edXML")
	ErrNamespace    = newError("bad_namespace", "the package is not in the edXML namespace "+Namespace, "gói tin không thuộc không gian tên edXML "+Namespace)
	ErrMissingField = newError("missing_field", "a required field is missing or empty", "thiếu trường bắt buộc hoặc trường bắt buộc để trống")
	ErrBadDate      = newError("bad_date", "a date is not in the format yyyy/MM/dd (or yyyy/MM/dd HH:mm:ss for a timestamp)", "ngày tháng không đúng định dạng yyyy/MM/dd (hoặc yyyy/MM/dd HH:mm:ss với thời điểm)")
	ErrBadValue     = newError("bad_value", "a field has a value outside those the standard allows", "trường có giá trị không thuộc tập giá trị chuẩn cho phép")
	ErrBadBase64    = newError("bad_base64", "an attachment is not valid base64", "tệp đính kèm không được mã hoá base64 hợp lệ")
	ErrWrongKind    = newError("wrong_kind", "the package is not of the expected kind (document or status)", "gói tin không đúng loại mong đợi (văn bản hoặc trạng thái)")
	ErrHashFormat   = newError("bad_hash_format", "the hash-file value is not a SHA-256 in hexadecimal", "giá trị hash-file không phải mã SHA-256 dạng thập lục phân")
	ErrHashMismatch = newError("hash_mismatch", "the package's SHA-256 does not match hash-file", "mã SHA-256 của gói tin không khớp với hash-file")
	ErrNoAttachment = newError("no_such_attachment", "the package has no attachment with this index", "gói tin không có tệp đính kèm với chỉ số này")
)

// Warning codes: things a lenient parse accepted and the caller should log.
const (
	WarnStrayBytes       = "stray_bytes"        // bytes before the root element or after it
	WarnBadBase64        = "bad_base64"         // an attachment that does not decode (lenient mode only)
	WarnManifestMismatch = "manifest_mismatch"  // a manifest Reference without an attachment, or the reverse
	WarnNormalized       = "unicode_normalized" // text in decomposed form (NFD) was normalised to NFC
)
