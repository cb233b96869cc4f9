package edxml

// Namespace is the XML namespace of QCVN 102:2016/BTTTT packages.
const Namespace = "http://www.mic.gov.vn/TBT/QCVN_102_2016"

// DefaultMaxSize is the package size limit when Options.MaxSize is zero.
const DefaultMaxSize = 50 << 20

// The JSON names below are the edXML element names, so that golden files and
// logs read like the standard.

// Organization is a From or To entry.
type Organization struct {
	OrganID              string `json:"OrganId"`
	OrganizationInCharge string `json:"OrganizationInCharge,omitempty"`
	OrganName            string `json:"OrganName,omitempty"`
	OrganAdd             string `json:"OrganAdd,omitempty"`
	Email                string `json:"Email,omitempty"`
	Telephone            string `json:"Telephone,omitempty"`
	Fax                  string `json:"Fax,omitempty"`
	Website              string `json:"Website,omitempty"`
}

// Code is the document's number and notation (số, ký hiệu).
type Code struct {
	CodeNumber   string `json:"CodeNumber,omitempty"`
	CodeNotation string `json:"CodeNotation,omitempty"`
}

// PromulgationInfo is where and when the document was issued.
type PromulgationInfo struct {
	Place            string `json:"Place,omitempty"`
	PromulgationDate string `json:"PromulgationDate"` // yyyy/MM/dd
}

// DocumentType is the kind of document (công văn, thông tư…).
type DocumentType struct {
	Type       string `json:"Type,omitempty"`
	TypeDetail string `json:"TypeDetail,omitempty"`
	TypeName   string `json:"TypeName,omitempty"`
}

// SignerInfo is who signed the document.
type SignerInfo struct {
	Competence string `json:"Competence,omitempty"`
	Position   string `json:"Position,omitempty"`
	FullName   string `json:"FullName,omitempty"`
}

// OtherInfo carries the optional descriptive fields.
type OtherInfo struct {
	Priority             string   `json:"Priority,omitempty"`
	SphereOfPromulgation string   `json:"SphereOfPromulgation,omitempty"`
	TyperNotation        string   `json:"TyperNotation,omitempty"`
	PromulgationAmount   string   `json:"PromulgationAmount,omitempty"`
	PageAmount           string   `json:"PageAmount,omitempty"`
	Direction            string   `json:"Direction,omitempty"`
	Appendixes           []string `json:"Appendixes,omitempty"`
}

// ResponseFor names the document a package answers, updates or revokes.
type ResponseFor struct {
	OrganID          string `json:"OrganId,omitempty"`
	Code             string `json:"Code,omitempty"`
	PromulgationDate string `json:"PromulgationDate,omitempty"`
	DocumentID       string `json:"DocumentId,omitempty"`
}

func (r ResponseFor) empty() bool { return r == ResponseFor{} }

// TraceHeader is one hop of the package's route.
type TraceHeader struct {
	OrganID   string `json:"OrganId"`
	Timestamp string `json:"Timestamp,omitempty"` // yyyy/MM/dd HH:mm:ss
}

// StaffInfo is the clerk who handled the document or status.
type StaffInfo struct {
	Department string `json:"Department,omitempty"`
	Staff      string `json:"Staff,omitempty"`
	Mobile     string `json:"Mobile,omitempty"`
	Email      string `json:"Email,omitempty"`
}

// BusinessDocType says whether a package is a new document or acts on an
// earlier one (the standard spells the element "BussinessDocType").
type BusinessDocType int

const (
	DocNew     BusinessDocType = 0 // văn bản mới
	DocRevoke  BusinessDocType = 1 // thu hồi
	DocUpdate  BusinessDocType = 2 // cập nhật
	DocReplace BusinessDocType = 3 // thay thế
)

// Receiver is an entry of an update's ReceiverList.
type Receiver struct {
	OrganID      string `json:"OrganId"`
	ReceiverType string `json:"ReceiverType,omitempty"`
}

// Replacement is an entry of a replacement's ReplacementInfoList: the
// document replaced and the agencies concerned.
type Replacement struct {
	DocumentID string   `json:"DocumentId"`
	OrganIDs   []string `json:"OrganIdList,omitempty"`
}

// Business is TraceHeaderList/Bussiness.
type Business struct {
	DocumentID         string          `json:"DocumentId,omitempty"`
	BussinessDocType   BusinessDocType `json:"BussinessDocType"`
	BussinessDocReason string          `json:"BussinessDocReason,omitempty"`
	Paper              string          `json:"Paper,omitempty"`
	StaffInfo          StaffInfo       `json:"StaffInfo,omitzero"`
	DocumentInfo       string          `json:"DocumentInfo,omitempty"`
	DocumentReceiver   string          `json:"DocumentReceiver,omitempty"`
	ReceiverList       []Receiver      `json:"ReceiverList,omitempty"`
	ReplacementList    []Replacement   `json:"ReplacementInfoList,omitempty"`
}

// Attachment describes one AttachmentEncoded/Attachment, merged with its
// manifest Reference when the Attachment itself lacks a name or type.
type Attachment struct {
	ContentID   string `json:"ContentId,omitempty"`
	Name        string `json:"AttachmentName,omitempty"`
	ContentType string `json:"ContentType,omitempty"`
	Description string `json:"Description,omitempty"`
	Size        int64  `json:"Size"` // decoded bytes; 0 when it did not decode (lenient mode)
}

// Document is the header of a document package: what Parse extracts and what
// BuildDocument writes. Text is trimmed and in Unicode NFC.
type Document struct {
	From             Organization     `json:"From"`
	To               []Organization   `json:"To"`
	DocumentID       string           `json:"DocumentId"`
	Code             Code             `json:"Code"`
	PromulgationInfo PromulgationInfo `json:"PromulgationInfo"`
	DocumentType     DocumentType     `json:"DocumentType"`
	Subject          string           `json:"Subject"`
	Content          string           `json:"Content,omitempty"`
	SignerInfo       SignerInfo       `json:"SignerInfo"`
	DueDate          string           `json:"DueDate,omitempty"` // yyyy/MM/dd
	OtherInfo        OtherInfo        `json:"OtherInfo"`
	SteeringType     string           `json:"SteeringType,omitempty"`
	ToPlaces         []string         `json:"ToPlaces,omitempty"`
	ResponseFor      []ResponseFor    `json:"ResponseFor,omitempty"`
	TraceHeaders     []TraceHeader    `json:"TraceHeaderList,omitempty"`
	Business         Business         `json:"Bussiness"`
	// Attachments is filled by Parse; BuildDocument takes File values instead.
	Attachments []Attachment `json:"Attachments,omitempty"`
}

// StatusCode is the two-digit business status of a status package.
type StatusCode string

const (
	StatusArrived        StatusCode = "01" // đã đến
	StatusRejected       StatusCode = "02" // từ chối tiếp nhận
	StatusAccepted       StatusCode = "03" // đã tiếp nhận
	StatusAssigned       StatusCode = "04" // phân công
	StatusProcessing     StatusCode = "05" // đang xử lý
	StatusFinished       StatusCode = "06" // hoàn thành
	StatusWithdrawn      StatusCode = "13" // lấy lại / thu hồi
	StatusChangeAccepted StatusCode = "15" // đồng ý cập nhật/thu hồi
	StatusChangeRefused  StatusCode = "16" // từ chối cập nhật/thu hồi
)

// Known reports whether the code is one of the statuses of the standard.
func (c StatusCode) Known() bool {
	switch c {
	case StatusArrived, StatusRejected, StatusAccepted, StatusAssigned, StatusProcessing,
		StatusFinished, StatusWithdrawn, StatusChangeAccepted, StatusChangeRefused:
		return true
	}
	return false
}

// Status is the header of a status package: what ParseStatus extracts and
// what BuildStatus writes.
type Status struct {
	From        Organization `json:"From"`
	ResponseFor ResponseFor  `json:"ResponseFor"`
	StaffInfo   StaffInfo    `json:"StaffInfo,omitzero"`
	StatusCode  StatusCode   `json:"StatusCode"`
	Description string       `json:"Description,omitempty"`
	Timestamp   string       `json:"Timestamp"` // yyyy/MM/dd HH:mm:ss
}
