package vdxp

// The national axis's wire shapes, shared by the connector, the simulator
// and the platform's own national-compatible surface (services/docexchange),
// so that all three speak exactly one dialect.

// Call names: the last path segment of each call.
const (
	CallSendEdoc            = "sendEdoc"
	CallGetReceivedEdocList = "getReceivedEdocList"
	CallGetEdoc             = "getEdoc"
	CallUpdateStatus        = "updateStatus"
	CallGetSentEdocList     = "getSentEdocList"
	CallCountReceiveEdoc    = "countReceiveEdoc"
	CallCountReceiveStatus  = "countReceiveStatus"
	CallGetAgenciesList     = "getAgenciesList"
	CallRegisterAgency      = "registerAgency"
	CallDeleteAgency        = "deleteAgency"
)

// Logical request headers (sent with the XroadVnpt- prefix, accepted with
// or without it).
const (
	HeaderFrom        = "from"
	HeaderTo          = "to"
	HeaderServiceType = "servicetype"
	HeaderMessageType = "messagetype"
	HeaderDocID       = "docId"
	HeaderStatus      = "status"
	HeaderHashFile    = "hash-file"
)

// Message types and the service type of document exchange.
const (
	MessageEdoc   = "edoc"
	MessageStatus = "status"
	ServiceEDoc   = "eDoc"
)

// Transport statuses of updateStatus, and TransportPending for an inbox
// entry no one has acknowledged yet.
const (
	TransportPending    = "pending"
	TransportDone       = "done"
	TransportFail       = "fail"
	TransportProcessing = "processing"
)

// Answer statuses.
const (
	StatusOK   = "OK"
	StatusFail = "FAIL"
)

// National error codes (ErrorCode), as a provincial variant of the axis
// numbers them. "0" is success.
const (
	CodeOK               = "0"
	CodeInvalidFile      = "10" // the file is missing or not acceptable
	CodeBadCredentials   = "15" // signature, timestamp or systemid refused
	CodeUnknownReceiver  = "18" // a recipient is not in the directory
	CodeUnknownSender    = "19" // the sender is not registered, or not the caller
	CodePlatformError    = "20" // the axis failed; try again later
	CodeFileProcessing   = "21" // the file could not be processed (unknown docId …)
	CodeInvalidEdXML     = "22" // the package is not valid edXML
	CodeReceiverLocked   = "23" // a recipient refuses documents for now
	CodeNotFound         = "24" // the document does not exist or is not the caller's
	CodeForbidden        = "25" // the caller may not do this (no subscription …)
	CodeTooManyRequests  = "26" // rate limit or quota
	CodeMethodNotAllowed = "27" // the call is not known, or not with this method
)

// Result is the envelope of every answer. The SDK reads status, ErrorCode
// and ErrorDesc from every answer, and DocId from every sendEdoc answer,
// failures included, so those are always written.
type Result struct {
	Status    string `json:"status"`
	ErrorCode string `json:"ErrorCode"`
	ErrorDesc string `json:"ErrorDesc"`
}

// OK is the envelope of a success.
func OK() Result { return Result{Status: StatusOK, ErrorCode: CodeOK, ErrorDesc: ""} }

// Fail is the envelope of a failure.
func Fail(code, desc string) Result {
	return Result{Status: StatusFail, ErrorCode: code, ErrorDesc: desc}
}

// Failed reports whether the answer is a failure.
func (r Result) Failed() bool {
	return r.Status != StatusOK || (r.ErrorCode != "" && r.ErrorCode != CodeOK)
}

// SendResult answers sendEdoc.
type SendResult struct {
	Result
	DocID string `json:"DocId"`
}

// Knobstick is one entry of getReceivedEdocList: a document or status
// waiting in the caller's inbox.
type Knobstick struct {
	ID          string `json:"id"`
	DocID       string `json:"docId"`
	From        string `json:"from"`
	To          string `json:"to"`
	ServiceType string `json:"serviceType"`
	MessageType string `json:"messageType"`
	Status      string `json:"status"`
	Created     string `json:"createdTime"`
	Updated     string `json:"updatedTime"`
	// DocumentID is the edXML DocumentId of the package.
	DocumentID string `json:"documentId,omitempty"`
}

// ReceivedResult answers getReceivedEdocList.
type ReceivedResult struct {
	Result
	Data []Knobstick `json:"data"`
}

// EdocResult answers getEdoc: Data is the package, base64.
type EdocResult struct {
	Result
	Data string `json:"data"`
}

// SentEntry is one recipient of one sent document, in getSentEdocList.
type SentEntry struct {
	DocID          string `json:"docId"`
	FromCode       string `json:"fromCode"`
	ToCode         string `json:"toCode"`
	Status         string `json:"status"`
	BusinessStatus string `json:"statusCode,omitempty"`
	Created        string `json:"createdTime"`
	Updated        string `json:"updatedTime"`
}

// SentResult answers getSentEdocList.
type SentResult struct {
	Result
	Data []SentEntry `json:"data"`
}

// CountResult answers countReceiveEdoc and countReceiveStatus.
type CountResult struct {
	Result
	Count int64 `json:"count"`
}

// Agency is one entry of the axis's directory.
type Agency struct {
	ID     string `json:"id"`
	Code   string `json:"code"`
	PCode  string `json:"pcode,omitempty"`
	Name   string `json:"name"`
	Mail   string `json:"mail,omitempty"`
	Mobile string `json:"mobile,omitempty"`
	Fax    string `json:"fax,omitempty"`
}

// AgenciesResult answers getAgenciesList.
type AgenciesResult struct {
	Result
	Data []Agency `json:"data"`
}

// TimeLayout is how times are written in answers, in Asia/Ho_Chi_Minh.
const TimeLayout = "2006-01-02 15:04:05"
