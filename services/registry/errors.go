package registry

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/services/registry/openapi"
)

// This file is the registry's error catalogue: every error the registry
// answers with is declared here, once, with its stable code and its message
// in English and Vietnamese. Codes are part of the API: clients and tests act
// on them, so they never change. An error that carries detail (a field, a
// value) is built by a small function named err…; the rest of the package
// builds no error of its own (errors_test.go checks both).

// Platform-wide answers.
var (
	errUnauthenticated = apierr.ErrUnauthenticated
	errForbidden       = apierr.ErrForbidden
)

// errInternal hides an unexpected failure from the caller; the cause is kept
// for the log only.
func errInternal(cause error) *apierr.Error {
	i := apierr.ErrInternal
	return apierr.Wrap(cause, codes.Internal, i.Code, i.Message, i.MessageVI)
}

// errRegistryUnavailable answers, in a process without the registry, a
// caller who cannot be authenticated because the registry does not answer.
func errRegistryUnavailable(cause error) *apierr.Error {
	return apierr.Wrap(cause, codes.Unavailable, "registry_unavailable",
		"the registry, which authenticates callers, cannot be reached or has not answered yet; try again shortly",
		"chưa kết nối được dịch vụ đăng ký (registry), nơi xác thực người gọi; vui lòng thử lại sau ít phút")
}

// errCanceled answers a request whose caller went away.
func errCanceled(cause error) *apierr.Error {
	return apierr.Wrap(cause, codes.Canceled, "canceled", "the request was cancelled", "yêu cầu đã bị huỷ")
}

// Requests in general.
var errPageToken = apierr.Invalid("page_token", "invalid_page_token", "the page token is not valid", "mã trang (page_token) không hợp lệ")

func errMissingID(field string) *apierr.Error {
	return apierr.Invalid(field, "missing_id",
		field+" is required: it names the resource to act on",
		field+" là bắt buộc: trường này xác định tài nguyên cần thao tác")
}

func errInvalidTime(field string) *apierr.Error {
	return apierr.Invalid(field, "invalid_time", "the time is not valid", "thời gian không hợp lệ")
}

func errUpdateMask(path string, allowed []string) *apierr.Error {
	return apierr.Invalid("update_mask", "invalid_update_mask",
		"field "+strconv.Quote(path)+" cannot be updated; allowed: "+strings.Join(allowed, ", "),
		"không thể cập nhật trường "+strconv.Quote(path)+"; được phép: "+strings.Join(allowed, ", "))
}

// Resources that do not exist. isNotFound recognises them by the
// "_not_found" suffix.
func errAgencyNotFound(code string) *apierr.Error {
	return notFound("agency_not_found", "agency", "cơ quan", code)
}

func errAPINotFound(id string) *apierr.Error { return notFound("api_not_found", "API", "API", id) }

// errOpenAPIDocumentNotFound answers for an API that exists but was given
// no OpenAPI document.
func errOpenAPIDocumentNotFound(id string) *apierr.Error {
	return apierr.New(codes.NotFound, "openapi_document_not_found",
		fmt.Sprintf("API %q has no OpenAPI document; import one first", id),
		fmt.Sprintf("API %q chưa có tài liệu OpenAPI; hãy nhập tài liệu trước", id))
}

func errTierNotFound(name string) *apierr.Error {
	return notFound("tier_not_found", "tier", "gói chính sách", name)
}

func errAppNotFound(id string) *apierr.Error {
	return notFound("application_not_found", "application", "ứng dụng", id)
}

func errCredentialNotFound(id string) *apierr.Error {
	return notFound("credential_not_found", "credential", "thông tin xác thực", id)
}

func errSubscriptionNotFound(id string) *apierr.Error {
	return notFound("subscription_not_found", "subscription", "đăng ký sử dụng", id)
}

func errUserNotFound(username string) *apierr.Error {
	return notFound("user_not_found", "user", "người dùng", username)
}

func errTrustedIssuerNotFound(id string) *apierr.Error {
	return notFound("trusted_issuer_not_found", "trusted issuer", "bên phát hành tin cậy", id)
}

// Agencies.
var (
	errAgencyRequired     = apierr.Invalid("agency", "agency_required", "the agency is required", "thiếu thông tin cơ quan")
	errAgencyName         = invalidName("agency.name", "invalid_agency_name", "the agency name", "tên cơ quan")
	errAgencyExists       = conflict("agency_exists", "an agency with this code already exists", "mã định danh cơ quan đã tồn tại")
	errAgencyStatus       = apierr.Invalid("agency.status", "invalid_agency_status", "status must be ACTIVE or INACTIVE; use SucceedAgency to supersede an agency", "trạng thái phải là ACTIVE hoặc INACTIVE; dùng SucceedAgency để thay thế mã cơ quan")
	errParentCycle        = apierr.Invalid("agency.parent_code", "agency_parent_cycle", "the parent chain would loop back to this agency", "cơ quan cấp trên tạo thành vòng lặp")
	errUnknownParent      = apierr.Invalid("agency.parent_code", "unknown_parent_agency", "the parent agency does not exist", "cơ quan cấp trên không tồn tại")
	errSuccessorOnCreate  = apierr.Invalid("agency.successor_code", "invalid_successor", "a successor is set with SucceedAgency", "mã kế thừa được đặt bằng SucceedAgency")
	errSucceedsItself     = apierr.Invalid("successor_code", "invalid_successor", "an agency cannot succeed itself", "cơ quan không thể tự kế thừa chính mình")
	errUnknownSuccessor   = apierr.Invalid("successor_code", "invalid_successor", "the successor agency does not exist", "cơ quan kế thừa không tồn tại")
	errInactiveSuccessor  = apierr.Invalid("successor_code", "invalid_successor", "the successor agency must be active", "cơ quan kế thừa phải đang hoạt động")
	errSuccessionConflict = conflict("succession_conflict", "the successor already has an application with the same name as one of the old agency's; rename it first", "cơ quan kế thừa đã có ứng dụng trùng tên với ứng dụng của cơ quan cũ; hãy đổi tên trước")
)

func errAgencyCode(field string) *apierr.Error {
	return apierr.Invalid(field, "invalid_agency_code",
		"the agency code must have the form LLL.LL.LL.XNN, e.g. 000.00.00.H30",
		"mã định danh cơ quan phải có dạng LLL.LL.LL.XNN, ví dụ 000.00.00.H30")
}

func errSuperseded(code string) *apierr.Error {
	return precondition("agency_superseded", "agency "+code+" was superseded and can no longer change",
		"cơ quan "+code+" đã được thay thế, không thể thay đổi")
}

func errUnknownAgency(field, code string) *apierr.Error {
	return apierr.Invalid(field, "unknown_agency", "the agency "+code+" is not registered", "cơ quan "+code+" chưa được đăng ký")
}

func errAgencyNotActive(field, code string) *apierr.Error {
	return apierr.Invalid(field, "agency_not_active", "the agency "+code+" is not active", "cơ quan "+code+" không còn hoạt động")
}

// APIs.
var (
	errAPIRequired    = apierr.Invalid("api", "api_required", "the API is required", "thiếu thông tin API")
	errAPIName        = invalidName("api.name", "invalid_api_name", "the API name", "tên API")
	errAPIContext     = apierr.Invalid("api.context", "invalid_api_context", "context must start with a letter and contain only letters, digits, '-' and '_' (at most 64)", "context phải bắt đầu bằng chữ cái, chỉ gồm chữ, số, '-' và '_' (tối đa 64 ký tự)")
	errReservedCtx    = apierr.Invalid("api.context", "reserved_api_context", "this context is reserved by the gateway", "context này đã được gateway dành riêng")
	errAPIVersion     = apierr.Invalid("api.version", "invalid_api_version", "version must be letters, digits, '.', '-' or '_' (at most 32), e.g. 1.0", "phiên bản chỉ gồm chữ, số, '.', '-', '_' (tối đa 32 ký tự), ví dụ 1.0")
	errAPIDescription = tooLong("api.description", "invalid_api_description", maxDescription)
	errVisibility     = apierr.Invalid("api.visibility", "invalid_visibility", "unknown visibility", "chế độ hiển thị không hợp lệ")
	errApprovalMode   = apierr.Invalid("api.approval_mode", "invalid_approval_mode", "unknown approval mode", "chế độ phê duyệt không hợp lệ")
	errAuthMethod     = apierr.Invalid("api.auth_methods", "invalid_auth_method", "auth methods must be known and listed once", "phương thức xác thực phải hợp lệ và không trùng lặp")
	errMaxBodyBytes   = apierr.Invalid("api.max_body_bytes", "invalid_max_body_bytes", "max_body_bytes must be between 0 (platform default) and 1 GiB", "max_body_bytes phải từ 0 (mặc định) đến 1 GiB")
	errTimeout        = apierr.Invalid("api.timeout_ms", "invalid_timeout", "timeout_ms must be between 0 (platform default) and 600000", "timeout_ms phải từ 0 (mặc định) đến 600000")
	errRetries        = apierr.Invalid("api.retries", "invalid_retries", "retries must be between 0 and 5", "số lần thử lại phải từ 0 đến 5")
	errNoUpstream     = apierr.Invalid("api.endpoints", "upstream_required", "at least one upstream endpoint is required", "cần ít nhất một địa chỉ dịch vụ nguồn (upstream)")
	errTooManyUps     = apierr.Invalid("api.endpoints", "too_many_endpoints", fmt.Sprintf("at most %d upstream endpoints", maxEndpoints), fmt.Sprintf("tối đa %d địa chỉ upstream", maxEndpoints))
	errUpstreamAuthTy = apierr.Invalid("api.upstream_auth.type", "invalid_upstream_auth", "unknown upstream authentication type", "kiểu xác thực upstream không hợp lệ")
	errTooManyRes     = apierr.Invalid("api.resources", "invalid_resource", fmt.Sprintf("at most %d resources", maxResources), fmt.Sprintf("tối đa %d tài nguyên", maxResources))
	errDuplicateAPI   = conflict("duplicate_api", "an API with this context and version already exists", "đã có API với context và phiên bản này")
	errLifecycle      = apierr.Invalid("lifecycle", "invalid_lifecycle", "the target lifecycle state is required", "cần trạng thái vòng đời đích")
	errAPIRetired     = precondition("api_retired", "a retired API can no longer change", "API đã ngừng hẳn, không thể thay đổi")
)

func errEndpointWeight(field string) *apierr.Error {
	return apierr.Invalid(field, "invalid_endpoint_weight", "weight must be between 1 and 1000", "trọng số phải từ 1 đến 1000")
}

func errUpstreamScheme(field string) *apierr.Error {
	return apierr.Invalid(field, "upstream_scheme_not_allowed",
		"the upstream URL must use http or https", "địa chỉ upstream phải dùng http hoặc https")
}

// errUpstreamForbidden names the refused network in English only: the
// Vietnamese text points to the setting, where an operator looks anyway.
func errUpstreamForbidden(field, detail string) *apierr.Error {
	return apierr.Invalid(field, "upstream_address_not_allowed",
		"the upstream address is outside the allowed networks ("+detail+"); see LGSP_REGISTRY_UPSTREAM_ALLOW",
		"địa chỉ upstream nằm ngoài các mạng được phép; xem LGSP_REGISTRY_UPSTREAM_ALLOW")
}

func errUpstreamUnresolvable(field string) *apierr.Error {
	return apierr.Invalid(field, "upstream_unresolvable",
		"the upstream host name does not resolve", "không phân giải được tên máy chủ upstream")
}

func errUpstreamUserinfo(field string) *apierr.Error {
	return apierr.Invalid(field, "invalid_upstream_url",
		"credentials must not be put in the upstream URL; use upstream_auth",
		"không được đặt thông tin đăng nhập trong URL upstream; hãy dùng upstream_auth")
}

func errUpstreamURL(field string) *apierr.Error {
	return apierr.Invalid(field, "invalid_upstream_url",
		"the upstream URL must be an absolute http(s) URL", "địa chỉ upstream phải là URL http(s) đầy đủ")
}

// errUpstreamAuth names what an upstream authentication type lacks.
func errUpstreamAuth(authType, what string) *apierr.Error {
	return apierr.Invalid("api.upstream_auth", "invalid_upstream_auth",
		"upstream authentication "+authType+" needs "+what,
		"xác thực upstream "+authType+" cần "+what)
}

func errResource(field string) *apierr.Error {
	return apierr.Invalid(field, "invalid_resource",
		"a resource needs an HTTP method (or *) and a path starting with /",
		"tài nguyên cần phương thức HTTP (hoặc *) và đường dẫn bắt đầu bằng /")
}

// errOpenAPI refuses an OpenAPI document. Its codes (openapi_invalid,
// openapi_too_large, …) are declared by package openapi.
func errOpenAPI(field string, oe *openapi.Error) *apierr.Error {
	return apierr.Invalid(field, oe.Code, "OpenAPI document refused: "+oe.Detail, "tài liệu OpenAPI không hợp lệ: "+oe.Detail)
}

// errUpstreamSecretRequired refuses a change of where an API's upstream
// secret is sent (endpoints, token URL, auth type, signing system) that does
// not carry the secret again: a stored secret never follows a new address.
var errUpstreamSecretRequired = apierr.Invalid("api.upstream_auth", "upstream_secret_required",
	"the upstream endpoints, token URL, authentication type or system id changed, so the stored upstream secret is not kept; send the secret again in the same request",
	"địa chỉ upstream, token URL, kiểu xác thực hoặc system id đã thay đổi nên bí mật upstream đã lưu không được giữ lại; hãy gửi lại bí mật trong cùng yêu cầu")

// errErrorStyle refuses an unknown error style.
var errErrorStyle = apierr.Invalid("api.error_style", "invalid_error_style",
	"error_style must be LGSP or NATIONAL_AXIS", "error_style phải là LGSP hoặc NATIONAL_AXIS")

// errPlatformUpstreamAdminOnly refuses a caller other than a platform admin
// who creates or changes an API whose upstream is an LGSP service: the
// gateway sends that upstream its signed identity assertion, which only
// the platform's own services may receive.
var errPlatformUpstreamAdminOnly = apierr.New(codes.PermissionDenied, "platform_upstream_admin_only",
	"only a platform admin may create or change an API whose upstream authentication is PLATFORM (an LGSP service that receives the gateway's identity assertion)",
	"chỉ quản trị nền tảng được tạo hoặc thay đổi API có xác thực upstream PLATFORM (dịch vụ của LGSP nhận xác nhận danh tính do cổng kết nối ký)")

// errPlatformUpstreamCredential refuses a credential given with the
// PLATFORM upstream authentication, which has none.
var errPlatformUpstreamCredential = apierr.Invalid("api.upstream_auth", "invalid_upstream_auth",
	"upstream authentication PLATFORM takes no credential: the gateway presents its own signed identity assertion",
	"xác thực upstream PLATFORM không nhận thông tin xác thực: cổng kết nối tự xuất trình xác nhận danh tính có chữ ký")

// errUpstreamManaged refuses an agency publisher's change to an upstream
// whose secret a platform admin configured.
var errUpstreamManaged = apierr.New(codes.PermissionDenied, "upstream_managed_by_admin",
	"the upstream authentication of this API was configured by a platform admin; only a platform admin may change its endpoints or upstream authentication",
	"xác thực upstream của API này do quản trị nền tảng cấu hình; chỉ quản trị nền tảng được thay đổi địa chỉ upstream hoặc xác thực upstream")

func errIllegalTransition(from, to string) *apierr.Error {
	return precondition("illegal_transition",
		fmt.Sprintf("an API cannot go from %s to %s (draft → published → deprecated → retired; deprecated → published)", from, to),
		fmt.Sprintf("API không thể chuyển từ %s sang %s (draft → published → deprecated → retired; deprecated → published)", from, to))
}

// Policy tiers.
var (
	errTierName        = apierr.Invalid("tier.name", "invalid_tier_name", "the tier name must start with a letter and contain only letters, digits, '-' and '_' (at most 64)", "tên gói phải bắt đầu bằng chữ cái, chỉ gồm chữ, số, '-' và '_' (tối đa 64 ký tự)")
	errTierDescription = tooLong("tier.description", "invalid_tier_description", maxShortText)
	errTierRate        = apierr.Invalid("tier.rate_per_second", "invalid_tier_rate", "rate_per_second must be above 0 and at most 1000000", "rate_per_second phải lớn hơn 0 và tối đa 1000000")
	errTierBurst       = apierr.Invalid("tier.burst", "invalid_tier_burst", "burst must be between 1 and 1000000", "burst phải từ 1 đến 1000000")
	errTierQuota       = apierr.Invalid("tier.monthly_quota", "invalid_tier_quota", "monthly_quota must be 0 (unlimited) or more", "monthly_quota phải từ 0 (không giới hạn) trở lên")
	errTierExists      = conflict("tier_exists", "a tier with this name already exists", "gói chính sách này đã tồn tại")
)

// Applications and credentials.
var (
	errAppName           = invalidName("application.name", "invalid_application_name", "the application name", "tên ứng dụng")
	errAppDescription    = tooLong("application.description", "invalid_application_description", maxDescription)
	errFingerprint       = apierr.Invalid("application.cert_fingerprint", "invalid_cert_fingerprint", "the certificate fingerprint must be the SHA-256 of the DER certificate, in hex", "dấu vân tay chứng thư phải là SHA-256 của chứng thư DER, dạng hex")
	errDuplicateApp      = conflict("duplicate_application", "the agency already has an application with this name", "cơ quan đã có ứng dụng trùng tên")
	errAppSuspended      = precondition("application_suspended", "the application is suspended", "ứng dụng đang bị tạm dừng")
	errCredentialType    = apierr.Invalid("type", "invalid_credential_type", "type must be OAUTH2_CLIENT, API_KEY or SIGNED_HEADER", "loại phải là OAUTH2_CLIENT, API_KEY hoặc SIGNED_HEADER")
	errSystemID          = apierr.Invalid("system_id", "invalid_system_id", "system_id applies to signed-header credentials and is letters, digits, '.', '_', ':' or '-' (at most 128)", "system_id chỉ dùng cho loại SIGNED_HEADER, gồm chữ, số, '.', '_', ':' hoặc '-' (tối đa 128)")
	errCredDescription   = tooLong("description", "invalid_credential_description", maxShortText)
	errExpireTime        = apierr.Invalid("expire_time", "invalid_expire_time", "the expiry must be in the future", "thời điểm hết hạn phải ở tương lai")
	errDuplicateKeyID    = conflict("duplicate_key_id", "a credential with this key id / systemid already exists", "đã có thông tin xác thực với mã này")
	errCredentialRevoked = precondition("credential_revoked", "the credential is already revoked", "thông tin xác thực đã bị thu hồi")
)

// errDuplicateFingerprint refuses a client certificate another application
// holds, whatever its agency: the gateway identifies the application by it.
var errDuplicateFingerprint = conflict("duplicate_cert_fingerprint",
	"this client certificate is already bound to another application; a certificate identifies exactly one application",
	"chứng thư số này đã được gắn với một ứng dụng khác; mỗi chứng thư chỉ xác định một ứng dụng")

// errSystemIDNotOwned refuses a signed-header systemid that names an agency
// other than the application's own agency or an agency under it.
func errSystemIDNotOwned(code string) *apierr.Error {
	return apierr.New(codes.PermissionDenied, "system_id_not_owned",
		"the system_id contains the agency code "+code+", which is neither the application's agency nor an agency under it",
		"system_id chứa mã cơ quan "+code+", không phải mã của cơ quan sở hữu ứng dụng hay của cơ quan trực thuộc")
}

func errAppTransition(from, to string) *apierr.Error {
	return precondition("illegal_application_transition", "the application is "+from+"; it cannot become "+to,
		"ứng dụng đang ở trạng thái "+from+", không thể chuyển sang "+to)
}

// Subscriptions.
var (
	errTierRequired  = apierr.Invalid("tier", "tier_required", "a tier is required", "cần chọn gói chính sách")
	errUnknownTier   = apierr.Invalid("tier", "unknown_tier", "the tier does not exist", "gói chính sách không tồn tại")
	errAPINotVisible = apierr.Invalid("api_id", "api_not_visible", "the API is private to its owner agency", "API này chỉ dành cho cơ quan sở hữu")
	errReason        = apierr.Invalid("reason", "invalid_reason", fmt.Sprintf("the reason is limited to %d characters", maxShortText), fmt.Sprintf("lý do tối đa %d ký tự", maxShortText))
	errDuplicateSub  = conflict("duplicate_subscription", "the application already has a subscription to this API", "ứng dụng đã đăng ký API này")
)

func errAPINotPublished(lifecycle string) *apierr.Error {
	return precondition("api_not_published", "only published APIs accept new subscriptions (this one is "+lifecycle+")",
		"chỉ API đã xuất bản mới nhận đăng ký mới (API này đang ở trạng thái "+lifecycle+")")
}

func errSubTransition(action, state string) *apierr.Error {
	return precondition("illegal_subscription_transition",
		"cannot "+action+" a subscription that is "+state+" (pending → approved | rejected; approved ↔ suspended)",
		"không thể "+action+" đăng ký đang ở trạng thái "+state+" (pending → approved | rejected; approved ↔ suspended)")
}

// Users and sessions.
var (
	errBadLogin        = apierr.New(codes.Unauthenticated, "invalid_credentials", "wrong username or password", "sai tên đăng nhập hoặc mật khẩu")
	errLoginThrottled  = apierr.New(codes.ResourceExhausted, "too_many_login_attempts", "too many failed logins for this user; try again in 15 minutes", "đăng nhập sai quá nhiều lần; hãy thử lại sau 15 phút")
	errBadSession      = apierr.New(codes.Unauthenticated, "invalid_session", "the session is unknown, expired or ended", "phiên đăng nhập không tồn tại, đã hết hạn hoặc đã kết thúc")
	errWrongPassword   = apierr.Invalid("current_password", "wrong_password", "the current password is wrong", "mật khẩu hiện tại không đúng")
	errUsername        = apierr.Invalid("user.username", "invalid_username", "the username is 3 to 64 lower-case letters, digits, '.', '_' or '-', starting with a letter", "tên đăng nhập gồm 3 đến 64 chữ thường, số, '.', '_' hoặc '-', bắt đầu bằng chữ cái")
	errDisplayName     = apierr.Invalid("user.display_name", "invalid_display_name", "the display name is limited to 255 characters", "tên hiển thị tối đa 255 ký tự")
	errRole            = apierr.Invalid("user.role", "invalid_role", "the role is required", "cần chọn vai trò")
	errUserAgency      = apierr.Invalid("user.agency_code", "agency_required", "agency publishers and developers belong to an agency", "người dùng của cơ quan phải thuộc một cơ quan")
	errAgencyForbidden = apierr.Invalid("user.agency_code", "agency_not_allowed", "platform admins and auditors belong to no agency", "quản trị nền tảng và kiểm toán viên không thuộc cơ quan nào")
	errUserExists      = conflict("user_exists", "a user with this name already exists", "tên người dùng đã tồn tại")
	errLastAdmin       = precondition("last_admin", "this is the last enabled platform admin", "đây là quản trị nền tảng cuối cùng đang hoạt động")
)

// errLoginBackoff answers a login attempted before the wait that earlier
// failures from its address or for its user impose (throttle.go).
func errLoginBackoff(wait time.Duration) *apierr.Error {
	secs := int64((wait + time.Second - 1) / time.Second)
	return apierr.New(codes.ResourceExhausted, "too_many_login_attempts",
		fmt.Sprintf("too many failed logins from this address or for this user; try again in %d seconds", secs),
		fmt.Sprintf("đăng nhập sai quá nhiều lần từ địa chỉ này hoặc cho tài khoản này; hãy thử lại sau %d giây", secs))
}

func errWeakPassword(field string) *apierr.Error {
	return apierr.Invalid(field, "weak_password",
		fmt.Sprintf("the password must have at least %d characters", minPasswordLen),
		fmt.Sprintf("mật khẩu phải có ít nhất %d ký tự", minPasswordLen))
}

// Trusted external issuers (federation).
var (
	errTrustedIssuerRequired = apierr.Invalid("trusted_issuer", "trusted_issuer_required", "the trusted issuer is required", "thiếu thông tin bên phát hành tin cậy")
	errTrustedIssuerName     = invalidName("trusted_issuer.name", "invalid_trusted_issuer_name", "the trusted issuer's name", "tên bên phát hành tin cậy")
	errIssuerValue           = apierr.Invalid("trusted_issuer.issuer", "invalid_issuer", "the issuer (the tokens' iss claim) is required, on one line, at most 255 characters", "bên phát hành (claim iss của token) là bắt buộc, trên một dòng, tối đa 255 ký tự")
	errIssuerIsPlatform      = apierr.Invalid("trusted_issuer.issuer", "issuer_is_platform", "the issuer is the platform's own token issuer (LGSP_TOKEN_ISSUER), whose tokens are verified with the platform's keys", "bên phát hành trùng với bên phát hành token của chính nền tảng (LGSP_TOKEN_ISSUER), vốn được xác thực bằng khóa của nền tảng")
	errDuplicateIssuer       = conflict("duplicate_issuer", "a trusted issuer with this iss already exists", "đã có bên phát hành tin cậy với iss này")
	errJWKSURL               = apierr.Invalid("trusted_issuer.jwks_url", "invalid_jwks_url", "the JWKS URL must be an absolute https URL without credentials or fragment, at most 2048 characters", "địa chỉ JWKS phải là URL https đầy đủ, không chứa thông tin đăng nhập hay phân đoạn (#), tối đa 2048 ký tự")
	errJWKSNotHTTPS          = apierr.Invalid("trusted_issuer.jwks_url", "jwks_url_not_https", "the JWKS URL must use https; allow_http is for tests and development only", "địa chỉ JWKS phải dùng https; allow_http chỉ dành cho kiểm thử và phát triển")
	errJWKSUnresolvable      = apierr.Invalid("trusted_issuer.jwks_url", "jwks_unresolvable", "the JWKS host name does not resolve", "không phân giải được tên máy chủ của địa chỉ JWKS")
	errAudiences             = apierr.Invalid("trusted_issuer.audiences", "invalid_audiences", "give 1 to 10 distinct audiences, each on one line, at most 255 characters", "cần từ 1 đến 10 audience khác nhau, mỗi audience trên một dòng, tối đa 255 ký tự")
	errRequiredClaims        = apierr.Invalid("trusted_issuer.required_claims", "invalid_required_claims", "at most 10 required claims; a name is letters, digits, '_', '-', '.' or ':' (at most 64) other than iss, aud, exp, nbf and iat; a value is one non-empty line of at most 255 characters", "tối đa 10 claim bắt buộc; tên gồm chữ, số, '_', '-', '.' hoặc ':' (tối đa 64), không phải iss, aud, exp, nbf, iat; giá trị là một dòng không rỗng, tối đa 255 ký tự")
	errLeeway                = apierr.Invalid("trusted_issuer.leeway_seconds", "invalid_leeway", "leeway_seconds must be between 0 and 300", "leeway_seconds phải từ 0 đến 300")
)

// errJWKSForbidden names the refused network in English only, as
// errUpstreamForbidden does.
func errJWKSForbidden(detail string) *apierr.Error {
	return apierr.Invalid("trusted_issuer.jwks_url", "jwks_address_not_allowed",
		"the JWKS address is outside the allowed networks ("+detail+"); see LGSP_REGISTRY_UPSTREAM_ALLOW",
		"địa chỉ JWKS nằm ngoài các mạng được phép; xem LGSP_REGISTRY_UPSTREAM_ALLOW")
}

func errUnknownApplication(id string) *apierr.Error {
	return apierr.Invalid("trusted_issuer.application_id", "unknown_application",
		"the application "+strconv.Quote(id)+" is not registered", "ứng dụng "+strconv.Quote(id)+" chưa được đăng ký")
}

// Token requests (GatewayService.IssueToken). ErrInvalidClient answers any
// failed client authentication (unknown client, wrong secret, revoked
// credential) without saying which; ErrClientNotAllowed answers a client
// that authenticated but may not have a token now (expired credential,
// suspended application, inactive agency). The precise reason is logged and
// counted.
var (
	ErrInvalidClient    = apierr.New(codes.Unauthenticated, "invalid_client", "client authentication failed", "xác thực ứng dụng thất bại")
	ErrClientNotAllowed = apierr.New(codes.FailedPrecondition, "unauthorized_client", "the client may not obtain tokens now (credential expired, application suspended or agency inactive)", "ứng dụng hiện không được cấp token (thông tin xác thực hết hạn, ứng dụng bị tạm dừng hoặc cơ quan ngừng hoạt động)")
)

// Text people read.

// errUnsafeText refuses text with characters that can disguise or corrupt
// what people see: control characters, invisible and direction-changing
// characters, and markup in names (see checkText).
func errUnsafeText(field string) *apierr.Error {
	return apierr.Invalid(field, "invalid_characters",
		field+" contains characters that are not allowed: control characters, zero-width or text-direction characters, or < and > in a name",
		field+" chứa ký tự không được phép: ký tự điều khiển, ký tự vô hình hoặc đổi chiều văn bản, hoặc < và > trong tên")
}

// The shapes entries share. They take the code as a parameter, so they are
// only called from this file, with a literal code.

func conflict(code, en, vi string) *apierr.Error {
	return apierr.New(codes.AlreadyExists, code, en, vi)
}

func precondition(code, en, vi string) *apierr.Error {
	return apierr.New(codes.FailedPrecondition, code, en, vi)
}

func notFound(code, what, whatVI, id string) *apierr.Error {
	return apierr.New(codes.NotFound, code, fmt.Sprintf("%s %q not found", what, id), fmt.Sprintf("không tìm thấy %s %q", whatVI, id))
}

// invalidName refuses a name that is empty or longer than maxNameLen.
func invalidName(field, code, what, whatVI string) *apierr.Error {
	return apierr.Invalid(field, code,
		what+" is required and at most "+strconv.Itoa(maxNameLen)+" characters",
		whatVI+" là bắt buộc và tối đa "+strconv.Itoa(maxNameLen)+" ký tự")
}

// tooLong refuses a description longer than max characters.
func tooLong(field, code string, max int) *apierr.Error {
	return apierr.Invalid(field, code,
		fmt.Sprintf("the description is limited to %d characters", max), fmt.Sprintf("mô tả tối đa %d ký tự", max))
}
