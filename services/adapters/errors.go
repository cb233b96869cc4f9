package adapters

import (
	"errors"
	"net/http"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/adapters/ngsp"
	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// Every error the adapters service answers. Codes are stable; clients may
// act on them. NGSP's own answers are mapped by ngsp.Error.API
// (national_record_not_found 404, national_invalid_request 400,
// national_record_incomplete, national_unavailable 503 with Retry-After,
// national_misconfigured 502).
var (
	errUnauthenticated = apierr.ErrUnauthenticated
	errForbidden       = apierr.ErrForbidden

	errNotCaller = apierr.New(codes.PermissionDenied, "agency_application_required",
		"national data is read by an agency's application through the gateway, or by a platform admin",
		"dữ liệu quốc gia được khai thác bởi ứng dụng của cơ quan qua cổng kết nối, hoặc bởi quản trị viên nền tảng")

	errPurposeRequired = apierr.Invalid("legal_basis", "purpose_required",
		"a lookup of a person's data must state its purpose: legal_basis (the legal ground) and case_ref (the case or dossier it serves), NĐ 13/2023/NĐ-CP",
		"tra cứu dữ liệu cá nhân phải nêu mục đích: legal_basis (căn cứ pháp lý) và case_ref (hồ sơ, vụ việc phục vụ), theo NĐ 13/2023/NĐ-CP")
	errCaseRefRequired = apierr.Invalid("case_ref", "purpose_required",
		"a lookup of a person's data must name the case or dossier it serves (case_ref), NĐ 13/2023/NĐ-CP",
		"tra cứu dữ liệu cá nhân phải nêu hồ sơ, vụ việc phục vụ (case_ref), theo NĐ 13/2023/NĐ-CP")
	errLegalBasisLong = apierr.Invalid("legal_basis", "invalid_purpose",
		"legal_basis is at most 300 characters of text", "legal_basis tối đa 300 ký tự văn bản")
	errCaseRefLong = apierr.Invalid("case_ref", "invalid_purpose",
		"case_ref is at most 100 characters of text", "case_ref tối đa 100 ký tự văn bản")
	errOfficerLong = apierr.Invalid("officer_id", "invalid_officer_id",
		"officer_id is at most 64 characters of text", "officer_id tối đa 64 ký tự văn bản")

	errCitizenID = apierr.Invalid("citizen_id", "invalid_citizen_id",
		"a citizen ID is 12 digits: a province code (001…096), a gender and century digit, the year of birth and 6 digits",
		"số định danh cá nhân gồm 12 chữ số: mã tỉnh (001…096), mã giới tính và thế kỷ, năm sinh và 6 chữ số")
	errEnterpriseCode = apierr.Invalid("enterprise_code", "invalid_enterprise_code",
		"an enterprise code is 10 digits, or 10 digits, a dash and 3 digits for a branch",
		"mã số doanh nghiệp gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số đối với chi nhánh")
	errInsuranceNumber = apierr.Invalid("insurance_number", "invalid_insurance_number",
		"a social insurance number is 10 digits", "mã số bảo hiểm xã hội gồm 10 chữ số")
	errSearchName = apierr.Invalid("name", "invalid_search_name",
		"name must have at least 2 letters and at most 200 characters", "tên tìm kiếm phải có ít nhất 2 chữ cái và tối đa 200 ký tự")
	errProvinceCode = apierr.Invalid("province_code", "invalid_province_code",
		"province_code is the 2-digit code of one of the 34 provinces in force since 1 July 2025",
		"province_code là mã 2 chữ số của một trong 34 tỉnh, thành phố có hiệu lực từ ngày 1/7/2025")
	errLimit = apierr.Invalid("limit", "invalid_limit",
		"limit is 1 to 100", "limit từ 1 đến 100")
	errDate = apierr.Invalid("from", "invalid_date",
		"dates are yyyy-MM-dd (or dd/MM/yyyy)", "ngày có dạng yyyy-MM-dd (hoặc dd/MM/yyyy)")
	errRange = apierr.Invalid("to", "invalid_date_range",
		"the range is from ≤ to and at most 5 days counting both ends (NGSP's limit)",
		"khoảng thời gian phải có from ≤ to và tối đa 5 ngày kể cả hai đầu (giới hạn của NGSP)")
	errFullName = apierr.Invalid("full_name", "invalid_full_name",
		"full_name is at most 200 characters", "full_name tối đa 200 ký tự")
	errBirthDate = apierr.Invalid("birth_date", "invalid_birth_date",
		"birth_date is yyyy-MM-dd or dd/MM/yyyy, not in the future", "birth_date có dạng yyyy-MM-dd hoặc dd/MM/yyyy, không ở tương lai")
	errDossierNumber = apierr.Invalid("dossier_number", "invalid_dossier_number",
		"a civil-status dossier number is 6 to 40 letters, digits, dots or dashes",
		"số hồ sơ hộ tịch gồm 6 đến 40 chữ cái, chữ số, dấu chấm hoặc gạch ngang")
	errReceiptNumber = apierr.Invalid("receipt_number", "invalid_receipt_number",
		"a receipt number is 4 to 40 letters, digits, dots, dashes or slashes",
		"số biên nhận gồm 4 đến 40 chữ cái, chữ số, dấu chấm, gạch ngang hoặc gạch chéo")
	errRequestID = apierr.Invalid("request_id", "invalid_request_id",
		"request_id (the idempotency key) is required: 1 to 64 letters, digits, dots, dashes or underscores",
		"cần request_id (khóa chống gửi trùng): 1 đến 64 chữ cái, chữ số, dấu chấm, gạch ngang hoặc gạch dưới")
	errCertificateType = apierr.Invalid("certificate_type", "invalid_certificate_type",
		"certificate_type is 1 (phiếu số 1) or 2 (phiếu số 2)", "certificate_type là 1 (phiếu số 1) hoặc 2 (phiếu số 2)")
	errPhone = apierr.Invalid("phone", "invalid_phone",
		"phone is a Vietnamese number: 0 or +84 and 9 or 10 digits", "số điện thoại Việt Nam: 0 hoặc +84 và 9 hoặc 10 chữ số")
	errAddress = apierr.Invalid("delivery_address", "invalid_address",
		"delivery_address is at most 300 characters", "delivery_address tối đa 300 ký tự")
	errCatalogCode = apierr.Invalid("code", "invalid_catalog_code",
		"a catalog code is up to 32 capital letters, digits or underscores", "mã danh mục gồm tối đa 32 chữ hoa, chữ số hoặc dấu gạch dưới")
	errSubjectKind = apierr.Invalid("subject_kind", "invalid_subject_kind",
		"subject_kind is SUBJECT_KIND_CITIZEN_ID or SUBJECT_KIND_INSURANCE_NUMBER",
		"subject_kind là SUBJECT_KIND_CITIZEN_ID hoặc SUBJECT_KIND_INSURANCE_NUMBER")
	errPageToken = apierr.Invalid("page_token", "invalid_page_token",
		"page_token is not one this report gave", "page_token không phải giá trị do báo cáo này trả về")
	errPageSize = apierr.Invalid("page_size", "invalid_page_size",
		"page_size is 0 (default 100) to 1000", "page_size từ 0 (mặc định 100) đến 1000")
	errKnownHead = apierr.Invalid("known_hash", "invalid_known_head",
		"known_seq and known_hash go together: the head_seq and head_hash of an earlier verification",
		"known_seq và known_hash đi cùng nhau: là head_seq và head_hash của một lần kiểm tra trước")
	errTimeRange = apierr.Invalid("to", "invalid_time_range",
		"from must be before to", "from phải trước to")

	errAuditUnavailable = apierr.New(codes.Unavailable, "audit_unavailable",
		"the personal-data access log cannot be written now, so no personal data is given; try again shortly",
		"không ghi được nhật ký truy cập dữ liệu cá nhân nên dữ liệu không được trả về; vui lòng thử lại sau ít phút")
	errNotConfigured = apierr.New(codes.Internal, ngsp.APICodeMisconfigured,
		"the platform has no connection to the national integration platform (NGSP) configured; the operators must set LGSP_ADAPTERS_NGSP_URL",
		"nền tảng chưa được cấu hình kết nối tới nền tảng tích hợp quốc gia (NGSP); bộ phận vận hành cần đặt LGSP_ADAPTERS_NGSP_URL").WithHTTPStatus(http.StatusBadGateway)
)

// toAPI maps an error into the API's, in one place: NGSP's errors by their
// kind, the service's own as they are, anything else as internal.
func toAPI(err error) error {
	var ne *ngsp.Error
	if errors.As(err, &ne) {
		return ne.API()
	}
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	return apierr.Wrap(err, codes.Internal, apierr.ErrInternal.Code, apierr.ErrInternal.Message, apierr.ErrInternal.MessageVI)
}
