package gateway

import (
	"encoding/json"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
)

// gwError is an answer the gateway gives itself. Its bodies are built once,
// so answering costs a few appends.
type gwError struct {
	status int
	code   string
	// national is the national axis's ErrorCode for this refusal, answered
	// on routes whose error style is NATIONAL_AXIS.
	national string
	en, vi   string
	prefix   []byte // {"code":…,"message":…,"message_vi":…,"request_id":"
	// nationalBody is the whole answer in the national axis's shape.
	nationalBody []byte
}

func newErr(status int, code, national, en, vi string) *gwError {
	e := &gwError{status: status, code: code, national: national, en: en, vi: vi}
	b := []byte(`{"code":`)
	b = strconv.AppendQuote(b, code)
	b = append(b, `,"message":`...)
	b = appendLogString(b, en)
	b = append(b, `,"message_vi":`...)
	b = appendLogString(b, vi)
	e.prefix = append(b, `,"request_id":"`...)
	// The national SDK reads status, ErrorCode and ErrorDesc from every
	// answer and DocId from every sendEdoc answer, so DocId is always
	// there, empty.
	e.nationalBody, _ = json.Marshal(vdxp.SendResult{Result: vdxp.Fail(national, vi+" / "+en)})
	return e
}

// withMessage returns a copy with messages that carry detail (e.g. a reset
// time); used off the fast path only.
func (e *gwError) withMessage(en, vi string) *gwError {
	return newErr(e.status, e.code, e.national, en, vi)
}

// Errors the gateway answers with. Codes are stable; clients may act on them.
//
// Each also names the national axis's ErrorCode it is answered with on a
// route whose error style is NATIONAL_AXIS (docs/security.md lists them):
// credentials, signatures, timestamps and replays "15"; the body (its size,
// its hash-file) "10"; subscriptions, suspensions and other refusals of a
// known caller "25"; rate limits and quotas "26"; paths and methods the API
// does not offer "27"; the upstream and the gateway itself "20". Errors
// answered before a route is known (bad_request, header_too_large,
// http_version_not_supported, invalid_path, a path that matches no API)
// always take the platform's shape; their national codes are for
// completeness.
var (
	errRouteNotFound       = newErr(404, "route_not_found", vdxp.CodeMethodNotAllowed, "no API is published at this path", "không có API nào được công bố tại đường dẫn này")
	errMethodNotAllowed    = newErr(405, "method_not_allowed", vdxp.CodeMethodNotAllowed, "the API does not offer this method on this resource", "API không hỗ trợ phương thức này cho tài nguyên này")
	errInvalidPath         = newErr(400, "invalid_path", vdxp.CodeMethodNotAllowed, "the path contains empty segments or dot segments, plain or encoded", "đường dẫn chứa đoạn rỗng hoặc đoạn '.', '..' (kể cả dạng mã hoá)")
	errMissingCredential   = newErr(401, "missing_credential", vdxp.CodeBadCredentials, "a credential is required: Bearer token, API key, signed headers or client certificate", "cần thông tin xác thực: Bearer token, API key, header có chữ ký hoặc chứng thư số máy khách")
	errMethodNotEnabled    = newErr(401, "auth_method_not_allowed", vdxp.CodeBadCredentials, "this API does not accept the credential type presented", "API này không chấp nhận loại thông tin xác thực đã gửi")
	errInvalidToken        = newErr(401, "invalid_token", vdxp.CodeBadCredentials, "the access token is malformed, badly signed or not for this platform", "access token sai định dạng, sai chữ ký hoặc không dành cho nền tảng này")
	errTokenExpired        = newErr(401, "token_expired", vdxp.CodeBadCredentials, "the access token has expired", "access token đã hết hạn")
	errTokenAudience       = newErr(401, "invalid_token_audience", vdxp.CodeBadCredentials, "the access token of the trusted issuer is not intended for this platform (its aud names none of the accepted audiences)", "access token của bên phát hành tin cậy không dành cho nền tảng này (aud không chứa audience nào được chấp nhận)")
	errIssuerUnavailable   = newErr(503, "issuer_keys_unavailable", vdxp.CodePlatformError, "the signing keys of the token's issuer cannot be obtained now; try again shortly", "hiện không lấy được khóa ký của bên phát hành token; vui lòng thử lại sau")
	errInvalidAPIKey       = newErr(401, "invalid_api_key", vdxp.CodeBadCredentials, "the API key is not valid", "API key không hợp lệ")
	errInvalidSignature    = newErr(401, "invalid_signature", vdxp.CodeBadCredentials, "the signed headers are missing, stale, replayed or do not match", "header có chữ ký bị thiếu, quá hạn, bị dùng lại hoặc không khớp")
	errHashFileMismatch    = newErr(401, "invalid_signature", vdxp.CodeInvalidFile, "hash-file does not match the request body", "hash-file không khớp với nội dung yêu cầu")
	errInvalidCert         = newErr(401, "invalid_client_certificate", vdxp.CodeBadCredentials, "the client certificate is not registered to an application", "chứng thư số máy khách chưa được đăng ký cho ứng dụng nào")
	errCredentialRevoked   = newErr(401, "credential_revoked", vdxp.CodeBadCredentials, "the credential has been revoked", "thông tin xác thực đã bị thu hồi")
	errCredentialExpired   = newErr(401, "credential_expired", vdxp.CodeBadCredentials, "the credential has expired", "thông tin xác thực đã hết hạn")
	errNoSubscription      = newErr(403, "no_subscription", vdxp.CodeForbidden, "the application has no approved subscription to this API version", "ứng dụng chưa có đăng ký sử dụng được phê duyệt cho phiên bản API này")
	errSubscriptionPending = newErr(403, "no_subscription", vdxp.CodeForbidden, "the application's subscription to this API version awaits approval", "đăng ký sử dụng phiên bản API này của ứng dụng đang chờ phê duyệt")
	errSubSuspended        = newErr(403, "subscription_suspended", vdxp.CodeForbidden, "the subscription to this API is suspended", "đăng ký sử dụng API này đang bị tạm dừng")
	errAppSuspended        = newErr(403, "application_suspended", vdxp.CodeForbidden, "the application is suspended", "ứng dụng đang bị tạm dừng")
	errAgencySuspended     = newErr(403, "agency_suspended", vdxp.CodeForbidden, "the application's agency is suspended", "cơ quan sở hữu ứng dụng đang bị tạm dừng")
	errAPIRetired          = newErr(410, "api_retired", vdxp.CodeMethodNotAllowed, "this API version has been retired", "phiên bản API này đã ngừng cung cấp")
	errRateLimited         = newErr(429, "rate_limited", vdxp.CodeTooManyRequests, "too many requests: the subscription tier's rate limit is reached", "quá nhiều yêu cầu: đã đạt giới hạn tốc độ của gói đăng ký")
	errPublicRateLimited   = newErr(429, "rate_limited", vdxp.CodeTooManyRequests, "too many requests from your address to this public API; try again later", "quá nhiều yêu cầu từ địa chỉ của bạn tới API công khai này; vui lòng thử lại sau")
	errQuotaExceeded       = newErr(429, "quota_exceeded", vdxp.CodeTooManyRequests, "the monthly quota of this subscription is used up", "đã dùng hết hạn mức tháng của đăng ký sử dụng")
	errBodyTooLarge        = newErr(413, "body_too_large", vdxp.CodeInvalidFile, "the request body exceeds the API's limit", "nội dung yêu cầu vượt quá giới hạn của API")
	errHeaderTooLarge      = newErr(431, "header_too_large", vdxp.CodeInvalidFile, "the request headers are too large", "phần header của yêu cầu quá lớn")
	errBadRequest          = newErr(400, "bad_request", vdxp.CodeInvalidFile, "the request could not be read", "không đọc được yêu cầu")
	errHTTPVersion         = newErr(505, "http_version_not_supported", vdxp.CodeMethodNotAllowed, "the gateway speaks HTTP/1.1 and HTTP/1.0 only", "cổng kết nối chỉ hỗ trợ HTTP/1.1 và HTTP/1.0")
	errUpstreamTimeout     = newErr(504, "upstream_timeout", vdxp.CodePlatformError, "the API's backend did not answer in time", "hệ thống cung cấp API không phản hồi kịp thời")
	errUpstreamUnavailable = newErr(502, "upstream_unavailable", vdxp.CodePlatformError, "the API's backend could not be reached", "không kết nối được hệ thống cung cấp API")
	errUpstreamBusy        = newErr(503, "upstream_unavailable", vdxp.CodePlatformError, "the API's backend has no free connection", "hệ thống cung cấp API đang quá tải")
	errUpstreamAuth        = newErr(502, "upstream_auth_failed", vdxp.CodePlatformError, "the gateway could not obtain the backend's credentials", "cổng kết nối không lấy được thông tin xác thực của hệ thống cung cấp API")
	errNoIdentityKey       = newErr(502, "upstream_auth_failed", vdxp.CodePlatformError, "the gateway cannot assert the caller's identity to this platform service: it has no internal token (LGSP_INTERNAL_TOKEN)", "cổng kết nối không thể xác nhận danh tính người gọi với dịch vụ nền tảng này: chưa cấu hình internal token (LGSP_INTERNAL_TOKEN)")
	errCircuitOpen         = newErr(503, "circuit_open", vdxp.CodePlatformError, "the API's backend is failing; calls are paused briefly", "hệ thống cung cấp API đang lỗi; tạm ngừng chuyển yêu cầu trong giây lát")
	errNoEndpoint          = newErr(503, "upstream_unavailable", vdxp.CodePlatformError, "the API has no upstream endpoint", "API chưa có địa chỉ hệ thống cung cấp")
	errMeteringUnavailable = newErr(503, "metering_unavailable", vdxp.CodePlatformError, "the call cannot be recorded for metering now, so it is not served; try again shortly", "hiện không ghi nhận được lượt gọi để đo đếm nên yêu cầu không được phục vụ; vui lòng thử lại sau")
	errNotReady            = newErr(503, "not_ready", vdxp.CodePlatformError, "the gateway has not loaded its routing table yet", "cổng kết nối chưa nạp xong bảng định tuyến")
)

const (
	hdrError     = "X-LGSP-Error"
	hdrRequestID = "X-Request-Id"
)

// errorStyle is the shape of a route's refusals (registry ErrorStyle).
type errorStyle uint8

const (
	// styleLGSP is the platform's JSON: code, message, message_vi,
	// request_id, with "X-LGSP-Error: gateway".
	styleLGSP errorStyle = iota
	// styleNational is the national axis's answer envelope (status FAIL,
	// ErrorCode, ErrorDesc "<vi> / <en>", DocId), with the stable code in
	// X-LGSP-Error since the body cannot carry it.
	styleNational
)

// errStyle is the style of rt's refusals; the platform's when no route is
// known.
func (rt *route) errStyle() errorStyle {
	if rt == nil {
		return styleLGSP
	}
	return rt.style
}

// writeError answers e in style, with the X-LGSP-Error marker.
func writeError(ctx *fasthttp.RequestCtx, e *gwError, style errorStyle, requestID string) {
	resp := &ctx.Response
	resp.Reset()
	resp.SetStatusCode(e.status)
	resp.Header.SetContentType("application/json; charset=utf-8")
	resp.Header.Set(hdrRequestID, requestID)
	if style == styleNational {
		resp.Header.Set(hdrError, e.code)
		resp.AppendBody(e.nationalBody)
		return
	}
	resp.Header.Set(hdrError, "gateway")
	resp.AppendBody(e.prefix)
	resp.AppendBodyString(requestID) // request ids are restricted to safe characters
	resp.AppendBodyString(`"}`)
}
