package docexchange

import (
	"errors"
	"fmt"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/edxml"
)

// Every error the document exchange answers, on the clean API (our JSON
// error) and on the national surface (status FAIL with a numeric
// ErrorCode). Codes are stable; clients may act on them. nationalCodes
// gives each its national ErrorCode.
var (
	errUnauthenticated = apierr.ErrUnauthenticated
	errForbidden       = apierr.ErrForbidden

	errNotAgency = apierr.New(codes.PermissionDenied, "agency_application_required",
		"document exchange calls are made by an agency's application through the gateway (API docexchange/v1 or vdxp/1.0)",
		"nghiệp vụ liên thông văn bản phải do ứng dụng của cơ quan gọi qua cổng kết nối (API docexchange/v1 hoặc vdxp/1.0)")
	errSenderMismatch = apierr.New(codes.PermissionDenied, "sender_mismatch",
		"the package's sender (From/OrganId) and the from header must be the calling agency",
		"đơn vị gửi trong gói tin (From/OrganId) và header from phải là chính cơ quan đang gọi")
	errNoRecipients = apierr.Invalid("to", "no_recipients",
		"the package names no recipient: give the to header (a JSON array of agency codes) or To elements in the package",
		"gói tin không có đơn vị nhận: hãy ghi header to (mảng JSON các mã định danh) hoặc phần tử To trong gói tin")
	errBadTo = apierr.Invalid("to", "invalid_to",
		`the to header must be a JSON array of agency codes, e.g. ["000.00.00.H30"]`,
		`header to phải là mảng JSON các mã định danh cơ quan, ví dụ ["000.00.00.H30"]`)
	errTooManyRecipients = apierr.Invalid("to", "too_many_recipients",
		"a package may be addressed to at most 2000 agencies",
		"một gói tin chỉ được gửi tối đa 2000 cơ quan")
	errDocumentIDReused = apierr.New(codes.AlreadyExists, "document_id_reused",
		"this DocumentId was already used by another new document of the same sender with different content; a new document needs its own DocumentId (an update, revoke or replace carries BussinessDocType 1, 2 or 3)",
		"DocumentId này đã được dùng cho một văn bản mới khác có nội dung khác của cùng đơn vị gửi; văn bản mới phải có DocumentId riêng (cập nhật, thu hồi, thay thế dùng BussinessDocType 1, 2, 3)")
	errMessageType = apierr.Invalid("messagetype", "invalid_message_type",
		"messagetype must be edoc or status",
		"messagetype phải là edoc hoặc status")
	errDocNotFound = apierr.New(codes.NotFound, "document_not_found",
		"no document with this docId was sent by or delivered to your agency",
		"không có văn bản với docId này do cơ quan của bạn gửi hoặc được gửi tới cơ quan của bạn")
	errMissingDocID = apierr.Invalid("docId", "missing_doc_id",
		"docId is required", "cần có docId")
	errStatusTarget = apierr.New(codes.FailedPrecondition, "status_for_unknown_document",
		"a status may answer only a document your agency received (ResponseFor names a DocumentId and sender your agency never received from)",
		"chỉ được gửi trạng thái cho văn bản mà cơ quan của bạn đã nhận (ResponseFor trỏ tới DocumentId và đơn vị gửi mà cơ quan bạn chưa từng nhận)")
	errStatusCode = apierr.Invalid("status_code", "invalid_status_code",
		"the status code must be 01, 02, 03, 04, 05, 06, 13, 15 or 16",
		"mã trạng thái phải là 01, 02, 03, 04, 05, 06, 13, 15 hoặc 16")
	errChangeStatus = apierr.New(codes.FailedPrecondition, "not_a_change_request",
		"15 and 16 answer an update, revoke or replace request; the document has none for your agency",
		"mã 15 và 16 dùng để trả lời yêu cầu cập nhật, thu hồi hoặc thay thế; văn bản này không có yêu cầu nào như vậy gửi cơ quan của bạn")
	errWithdrawStatus = apierr.New(codes.FailedPrecondition, "withdraw_by_sender_only",
		"13 (withdrawn) is sent by the document's sender only",
		"mã 13 (lấy lại) chỉ do đơn vị gửi văn bản gửi")
	errTransportStatus = apierr.Invalid("status", "invalid_transport_status",
		"status must be done, fail or processing",
		"status phải là done, fail hoặc processing")
	errUnavailable = apierr.New(codes.Unavailable, "storage_unavailable",
		"the document store cannot be reached right now; nothing was stored, send again shortly",
		"hiện không kết nối được kho lưu trữ văn bản; chưa có gì được lưu, vui lòng gửi lại sau ít phút")
	errRegistryUnavailable = apierr.New(codes.Unavailable, "registry_unavailable",
		"the agency directory (registry) cannot be reached; try again shortly",
		"chưa kết nối được danh bạ cơ quan (registry); vui lòng thử lại sau ít phút")
	errPublicStatsOff = apierr.New(codes.NotFound, "public_statistics_disabled",
		"public exchange statistics are not enabled on this platform",
		"nền tảng này chưa bật công khai thống kê liên thông văn bản")
	errWebhookURL = apierr.Invalid("url", "invalid_webhook_url",
		"the webhook URL must be an absolute https URL (http only where the operator allowed it)",
		"URL webhook phải là URL https đầy đủ (chỉ dùng http khi người vận hành cho phép)")
	errWebhookNotFound = apierr.New(codes.NotFound, "webhook_not_found",
		"no webhook with this id belongs to your agency", "không có webhook với mã này thuộc cơ quan của bạn")
	errPageToken = apierr.Invalid("page_token", "invalid_page_token", "page_token is not valid", "page_token không hợp lệ")
	errTimeRange = apierr.Invalid("end_time", "invalid_time_range",
		"end_time must be after start_time, and the range at most 10 years",
		"end_time phải sau start_time và khoảng thời gian tối đa 10 năm")
	errUnknownCall = apierr.New(codes.NotFound, "unknown_call",
		"the national axis has no such call: sendEdoc, getReceivedEdocList, getEdoc, updateStatus, getSentEdocList, countReceiveEdoc, countReceiveStatus, getAgenciesList",
		"trục liên thông không có lời gọi này: sendEdoc, getReceivedEdocList, getEdoc, updateStatus, getSentEdocList, countReceiveEdoc, countReceiveStatus, getAgenciesList")
)

// nationalCodes gives the national ErrorCode of each error code.
var nationalCodes = map[string]string{
	errUnauthenticated.Code:     vdxp.CodeBadCredentials,
	errForbidden.Code:           vdxp.CodeForbidden,
	errNotAgency.Code:           vdxp.CodeForbidden,
	errSenderMismatch.Code:      vdxp.CodeUnknownSender,
	errNoRecipients.Code:        vdxp.CodeUnknownReceiver,
	errBadTo.Code:               vdxp.CodeInvalidFile,
	errTooManyRecipients.Code:   vdxp.CodeInvalidFile,
	errDocumentIDReused.Code:    vdxp.CodeFileProcessing,
	errMessageType.Code:         vdxp.CodeInvalidFile,
	errDocNotFound.Code:         vdxp.CodeNotFound,
	errMissingDocID.Code:        vdxp.CodeFileProcessing,
	errStatusTarget.Code:        vdxp.CodeNotFound,
	errStatusCode.Code:          vdxp.CodeInvalidEdXML,
	errChangeStatus.Code:        vdxp.CodeFileProcessing,
	errWithdrawStatus.Code:      vdxp.CodeFileProcessing,
	errTransportStatus.Code:     vdxp.CodeFileProcessing,
	errUnavailable.Code:         vdxp.CodePlatformError,
	errRegistryUnavailable.Code: vdxp.CodePlatformError,
	errUnknownCall.Code:         vdxp.CodeMethodNotAllowed,
	"unknown_recipient":         vdxp.CodeUnknownReceiver,
	"package_too_large":         vdxp.CodeInvalidFile,
	"hash_mismatch":             vdxp.CodeInvalidFile,
	"invalid_hash_file":         vdxp.CodeInvalidFile,
	"empty_package":             vdxp.CodeInvalidFile,
}

// errUnknownRecipient names the codes no directory knows.
func errUnknownRecipient(codes_ []string) error {
	list := strings.Join(codes_, ", ")
	return apierr.Invalid("to", "unknown_recipient",
		"no agency with these codes is known to the province or the national axis: "+list,
		"không tìm thấy cơ quan có mã định danh sau trong danh bạ của tỉnh hoặc trục liên thông quốc gia: "+list)
}

// errPackage turns a codec refusal into the service's error, keeping the
// codec's stable code in ours (edxml_<code>) and its detail.
func errPackage(err error) error {
	var e *edxml.Error
	if !errors.As(err, &e) {
		return apierr.Wrap(err, codes.InvalidArgument, "invalid_edxml", "the package is not a valid edXML package", "gói tin không phải gói edXML hợp lệ")
	}
	en, vi := e.Message, e.MessageVI
	if e.Field != "" {
		en += " (" + e.Field + ")"
		vi += " (" + e.Field + ")"
	}
	if e.Detail != "" {
		en += ": " + e.Detail
		vi += ": " + e.Detail
	}
	switch e.Code {
	case edxml.ErrTooLarge.Code:
		return apierr.New(codes.InvalidArgument, "package_too_large", en, vi)
	case edxml.ErrHashMismatch.Code:
		return apierr.Invalid("hash-file", "hash_mismatch", en, vi)
	case edxml.ErrHashFormat.Code:
		return apierr.Invalid("hash-file", "invalid_hash_file", en, vi)
	case edxml.ErrEmpty.Code:
		return apierr.Invalid("package", "empty_package", en, vi)
	}
	return apierr.Invalid(e.Field, "edxml_"+e.Code, en, vi)
}

// nationalCode is the national ErrorCode of err.
func nationalCode(err error) string {
	var e *apierr.Error
	if !errors.As(err, &e) {
		return vdxp.CodePlatformError
	}
	if c, ok := nationalCodes[e.Code]; ok {
		return c
	}
	if strings.HasPrefix(e.Code, "edxml_") {
		return vdxp.CodeInvalidEdXML
	}
	if e.GRPC == codes.Unavailable || e.GRPC == codes.Internal {
		return vdxp.CodePlatformError
	}
	return vdxp.CodeFileProcessing
}

// nationalDesc is the ErrorDesc of err: Vietnamese, then English.
func nationalDesc(err error) string {
	b, _ := apierr.FromError(err)
	return fmt.Sprintf("%s / %s", b.MessageVI, b.Message)
}

var errDuplicateNational = apierr.New(codes.AlreadyExists, "national_duplicate",
	"this national document was already received", "văn bản từ trục quốc gia này đã được nhận")

// isAPIErr reports whether err is one of the catalogue's errors.
func isAPIErr(err error) bool {
	var e *apierr.Error
	return errors.As(err, &e)
}

// errWebhookForbidden refuses a webhook URL outside the allow-list.
func errWebhookForbidden(cause error) error {
	return apierr.Wrap(cause, codes.InvalidArgument, "webhook_address_forbidden",
		"the webhook URL points to an address the platform does not call (LGSP_DOCEXCHANGE_WEBHOOK_ALLOW)",
		"URL webhook trỏ tới địa chỉ mà nền tảng không được phép gọi (LGSP_DOCEXCHANGE_WEBHOOK_ALLOW)")
}
