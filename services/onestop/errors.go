package onestop

import (
	"fmt"
	"strconv"
	"strings"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// Every error the one-stop service answers. Codes are stable; clients may
// act on them.
var (
	errUnauthenticated = apierr.ErrUnauthenticated
	errForbidden       = apierr.ErrForbidden

	errNotAgency = apierr.New(codes.PermissionDenied, "agency_application_required",
		"dossiers are created and changed by an agency's application through the gateway (API onestop/v1)",
		"hồ sơ phải do ứng dụng của cơ quan tạo và cập nhật qua cổng kết nối (API onestop/v1)")
	errNotHandler = apierr.New(codes.PermissionDenied, "not_handling_agency",
		"only the agency handling the dossier now may change it",
		"chỉ cơ quan đang xử lý hồ sơ mới được cập nhật hồ sơ")
	errDossierNotFound = apierr.New(codes.NotFound, "dossier_not_found",
		"no dossier with this code that your agency received or handles",
		"không có hồ sơ với mã này do cơ quan của bạn tiếp nhận hoặc xử lý")
	errBadCode = apierr.Invalid("code", "invalid_dossier_code",
		"a dossier code is <agency code>-<yyMMdd>-<NNNN>, e.g. 000.00.14.H56-200203-0118",
		"mã hồ sơ có dạng <mã cơ quan>-<yyMMdd>-<NNNN>, ví dụ 000.00.14.H56-200203-0118")
	errBadProcedureCode = apierr.Invalid("procedure_code", "invalid_procedure_code",
		"a procedure code looks like 1.011442.000.00.00.H38",
		"mã thủ tục hành chính có dạng 1.011442.000.00.00.H38")
	errUnknownProcedure = apierr.Invalid("procedure_code", "unknown_procedure",
		"this procedure is not in the province's catalogue (an admin adds it with PUT /admin/v1/onestop/procedures/{code})",
		"thủ tục này chưa có trong danh mục của tỉnh (quản trị viên thêm bằng PUT /admin/v1/onestop/procedures/{code})")
	errUnknownAgency = apierr.Invalid("agency", "unknown_agency",
		"this agency is not a one-stop unit (an admin gives it a level with PUT /admin/v1/onestop/units/{agency})",
		"cơ quan này chưa được khai báo là đơn vị một cửa (quản trị viên khai báo cấp bằng PUT /admin/v1/onestop/units/{agency})")
	errApplicantKind = apierr.Invalid("applicant.kind", "invalid_applicant_kind",
		"the applicant is a citizen (APPLICANT_KIND_CITIZEN) or a business (APPLICANT_KIND_BUSINESS)",
		"chủ hồ sơ là công dân (APPLICANT_KIND_CITIZEN) hoặc doanh nghiệp (APPLICANT_KIND_BUSINESS)")
	errCitizenID = apierr.Invalid("applicant.id", "invalid_citizen_id",
		"a citizen ID is 12 digits: a province code (001…096), a gender and century digit, the year of birth and 6 digits",
		"số định danh cá nhân gồm 12 chữ số: mã tỉnh (001…096), mã giới tính và thế kỷ, năm sinh và 6 chữ số")
	errEnterpriseCode = apierr.Invalid("applicant.id", "invalid_enterprise_code",
		"an enterprise code is 10 digits, or 10 digits, a dash and 3 digits for a branch",
		"mã số doanh nghiệp gồm 10 chữ số, hoặc 10 chữ số, dấu gạch ngang và 3 chữ số đối với chi nhánh")
	errApplicantName = apierr.Invalid("applicant.name", "missing_applicant_name",
		"the applicant's name is required", "cần có tên chủ hồ sơ")
	errFutureDate = apierr.Invalid("received_at", "date_in_future",
		"a date may not be in the future", "thời điểm không được ở tương lai")
	errBeforeReceipt = apierr.Invalid("at", "date_before_receipt",
		"a change may not be dated before the dossier was received", "thời điểm cập nhật không được trước thời điểm tiếp nhận hồ sơ")
	errInitialStatus = apierr.Invalid("status", "invalid_initial_status",
		"a new dossier is 2 (received) or 1 (newly registered online)",
		"hồ sơ mới có trạng thái 2 (đã tiếp nhận) hoặc 1 (mới đăng ký trực tuyến)")
	errStatusRange = apierr.Invalid("status", "invalid_status",
		"a status is 1 to 10 (TrangThaiHoSo)", "trạng thái hồ sơ là 1 đến 10 (TrangThaiHoSo)")
	errStepContent = apierr.Invalid("content", "missing_step_content",
		"a processing step needs its content (NoiDungXuLy)", "bước xử lý cần có nội dung (NoiDungXuLy)")
	errTransferSame = apierr.New(codes.AlreadyExists, "duplicate_transfer",
		"the dossier is already handled by this agency", "hồ sơ đã đang được cơ quan này xử lý")
	errTransferTarget = apierr.Invalid("to_agency", "missing_transfer_target",
		"the agency to transfer to is required", "cần có cơ quan nhận hồ sơ liên thông")
	errTooLong = apierr.Invalid("", "field_too_long",
		"a text field is longer than 2000 characters, or a list longer than 200 entries",
		"một trường văn bản dài quá 2000 ký tự hoặc một danh sách quá 200 phần tử")
	errBadPage = apierr.Invalid("page_token", "invalid_page_token",
		"the page token is not one this service gave", "page_token không hợp lệ")
	errBadLevel = apierr.Invalid("level", "unknown_level",
		"the level is not one of the configured levels (GET /admin/v1/onestop/units lists them)",
		"cấp không nằm trong các cấp đã cấu hình (xem GET /admin/v1/onestop/units)")
	errBadWorkingDays = apierr.Invalid("working_days", "invalid_working_days",
		"the processing time is 0 to 365 working days", "thời hạn giải quyết từ 0 đến 365 ngày làm việc")
	errProcedureName = apierr.Invalid("name", "missing_procedure_name",
		"the procedure's name is required", "cần có tên thủ tục")
	errDeadNotFound = apierr.New(codes.NotFound, "dead_letter_not_found",
		"no dead letter with this id", "không có mục lỗi đồng bộ với mã này")
	errBadPeriod = apierr.Invalid("to", "invalid_period",
		"the period's end must be after its start, and a period at most 10 years",
		"thời điểm kết thúc phải sau thời điểm bắt đầu, và khoảng thời gian tối đa 10 năm")
	errBadBy = apierr.Invalid("by", "invalid_group_by",
		"by is receiving (the agency that received the dossier) or handling (the agency handling it now)",
		"by là receiving (cơ quan tiếp nhận) hoặc handling (cơ quan đang xử lý)")
)

// statusNames are TrangThaiHoSo's names, Vietnamese then English.
var statusNames = [...]string{
	1:  "Mới đăng ký / newly registered",
	2:  "Đã tiếp nhận / received",
	3:  "Không được tiếp nhận / not accepted",
	4:  "Đang xử lý / processing",
	5:  "Yêu cầu bổ sung / supplement requested",
	6:  "Yêu cầu thực hiện nghĩa vụ tài chính / financial obligation requested",
	7:  "Công dân yêu cầu rút hồ sơ / withdrawn by the applicant",
	8:  "Dừng xử lý / processing stopped",
	9:  "Đã xử lý xong / processing finished",
	10: "Đã trả kết quả / result returned",
}

// errTransition refuses an illegal status change, naming the current
// status and the allowed next ones.
func errTransition(from, to int) error {
	next := allowed(from)
	list := make([]string, len(next))
	for i, n := range next {
		list[i] = strconv.Itoa(n)
	}
	en := fmt.Sprintf("a dossier in status %d (%s) cannot move to %d", from, statusNames[from], to)
	vi := fmt.Sprintf("hồ sơ ở trạng thái %d (%s) không thể chuyển sang %d", from, statusNames[from], to)
	if len(next) == 0 {
		en += "; it is closed and allows no further change"
		vi += "; hồ sơ đã kết thúc, không được chuyển tiếp"
	} else {
		en += "; allowed next: " + strings.Join(list, ", ")
		vi += "; các trạng thái được phép: " + strings.Join(list, ", ")
	}
	return apierr.New(codes.FailedPrecondition, "illegal_transition", en, vi)
}

// errTransferLevel refuses a transfer outside the adjacent levels.
func errTransferLevel(from, to string) error {
	return apierr.New(codes.FailedPrecondition, "transfer_level",
		fmt.Sprintf("a transfer goes to an agency of the next level up or down; the dossier is at level %s and the agency is at level %s", from, to),
		fmt.Sprintf("hồ sơ chỉ được liên thông sang cơ quan cấp liền trên hoặc liền dưới; hồ sơ đang ở cấp %s, cơ quan nhận ở cấp %s", from, to))
}

// errTransferStatus refuses a transfer in a status that allows none.
func errTransferStatus(status int) error {
	return apierr.New(codes.FailedPrecondition, "transfer_not_allowed",
		fmt.Sprintf("a dossier is transferred while received or processing (2 or 4); it is in status %d (%s)", status, statusNames[status]),
		fmt.Sprintf("chỉ liên thông hồ sơ đang ở trạng thái đã tiếp nhận hoặc đang xử lý (2 hoặc 4); hồ sơ đang ở trạng thái %d (%s)", status, statusNames[status]))
}

// errCalendar wraps a refused calendar.
func errCalendar(err error) error {
	return apierr.Wrap(err, codes.InvalidArgument, "invalid_calendar",
		"the calendar is not valid: "+err.Error(),
		"lịch ngày nghỉ không hợp lệ: "+err.Error())
}
