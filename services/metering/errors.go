package metering

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// Errors metering answers with, over gRPC, REST and the CSV export. Codes
// are stable; clients may act on them. Every error a caller gets is built
// here.
var (
	errUnauthenticated = apierr.ErrUnauthenticated
	errForbidden       = apierr.ErrForbidden

	errRegistryUnavailable = apierr.New(codes.Unavailable, "registry_unavailable",
		"the registry, which authenticates callers and holds subscriptions and their quotas, cannot be reached or has not answered yet; try again shortly",
		"chưa kết nối được dịch vụ đăng ký (registry), nơi xác thực người gọi và lưu đăng ký sử dụng cùng hạn mức; vui lòng thử lại sau ít phút")

	errMissingStartTime = apierr.Invalid("start_time", "missing_start_time", "start_time is required", "cần có thời điểm bắt đầu (start_time)")
	errMissingEndTime   = apierr.Invalid("end_time", "missing_end_time", "end_time is required", "cần có thời điểm kết thúc (end_time)")
	errBadStartTime     = apierr.Invalid("start_time", "invalid_start_time", "start_time is not a valid time", "start_time không phải thời điểm hợp lệ")
	errBadEndTime       = apierr.Invalid("end_time", "invalid_end_time", "end_time is not a valid time", "end_time không phải thời điểm hợp lệ")
	errEmptyTimeRange   = apierr.Invalid("end_time", "empty_time_range", "end_time must be after start_time", "end_time phải sau start_time")

	errMissingGranularity = apierr.Invalid("granularity", "missing_granularity",
		"granularity is required: minute, hour, day, month or year (or GRANULARITY_MINUTE … GRANULARITY_YEAR)",
		"cần chọn độ chi tiết thời gian (granularity): minute, hour, day, month hoặc year (hoặc GRANULARITY_MINUTE … GRANULARITY_YEAR)")
	errInvalidStatusClass  = apierr.Invalid("filter.status_classes", "invalid_status_class", "unknown status class", "nhóm trạng thái không hợp lệ")
	errTooManyAgencyCodes  = apierr.Invalid("agency_codes", "too_many_filter_values", "too many agency codes", "quá nhiều mã cơ quan")
	errInvalidPerspective  = apierr.Invalid("perspective", "invalid_perspective", "unknown perspective", "góc nhìn không hợp lệ")
	errInvalidYear         = apierr.Invalid("year", "invalid_year", "year must be between 1970 and 9999", "năm phải trong khoảng 1970 đến 9999")
	errInvalidPageToken    = apierr.Invalid("page_token", "invalid_page_token", "page_token is not valid", "page_token không hợp lệ")
	errInvalidPageSize     = apierr.Invalid("page_size", "invalid_page_size", "page_size must not be negative", "page_size không được âm")
	errInvalidLimit        = apierr.Invalid("limit", "invalid_limit", "limit must not be negative", "limit không được âm")
	errInvalidSubscription = apierr.Invalid("subscription_id", "invalid_subscription_id", "subscription_id is required", "cần có mã đăng ký sử dụng (subscription_id)")

	// errCSVMethod is answered with 405, which no gRPC code maps to.
	errCSVMethod = apierr.New(codes.Unimplemented, "method_not_allowed", "the CSV export answers GET only", "bản xuất CSV chỉ nhận phương thức GET")
)

// maxEcho bounds how much of a rejected value an error repeats.
const maxEcho = 40

func echo(v string) string {
	if len(v) > maxEcho {
		v = strings.ToValidUTF8(v[:maxEcho], "") + "…"
	}
	return fmt.Sprintf("%q", v)
}

// errInvalidEnum refuses a value of an enum parameter, listing the
// accepted short names.
func errInvalidEnum(field, code, value, prefix string, accepted []string) error {
	list := strings.Join(accepted, ", ")
	return apierr.Invalid(field, code,
		fmt.Sprintf("%s %s is not understood; use one of: %s (in any case, with or without the %s prefix)", field, echo(value), list, prefix),
		fmt.Sprintf("không hiểu giá trị %s của %s; hãy dùng một trong: %s (chữ hoa hay thường, có hoặc không có tiền tố %s)", echo(value), field, list, prefix))
}

// errInvalidTime refuses a start or end time in a query string that is not
// a time.
func errInvalidTime(field, code, value string, loc *time.Location) error {
	return apierr.Invalid(field, code,
		fmt.Sprintf("%s %s is not a time: give a date (2026-01-01, the start of that day in %s), a local time (2026-01-01T08:30) or an RFC 3339 time with an offset (2026-01-01T08:30:00+07:00)", field, echo(value), loc),
		fmt.Sprintf("%s %s không phải thời điểm hợp lệ: hãy dùng ngày (2026-01-01, tức đầu ngày đó theo múi giờ %s), giờ địa phương (2026-01-01T08:30) hoặc thời điểm RFC 3339 có múi giờ (2026-01-01T08:30:00+07:00)", field, echo(value), loc))
}

// errInvalidQuery refuses a query string grpc-gateway cannot parse.
func errInvalidQuery(err error) error {
	return apierr.Invalid("query", "invalid_query", "invalid query parameters: "+err.Error(), "tham số truy vấn không hợp lệ: "+err.Error())
}

// errTooManyFilterValues refuses a filter field with more than max values.
func errTooManyFilterValues(field string, max int) error {
	return apierr.Invalid(field, "too_many_filter_values",
		fmt.Sprintf("%s has more than %d values", field, max),
		fmt.Sprintf("%s có quá %d giá trị", field, max))
}

// spanName says, per rollup table, how long a report's range may be.
var spanName = map[string][2]string{
	tableMinute: {"31 days at minute granularity", "31 ngày ở độ chi tiết phút"},
	tableHour:   {"366 days at hour granularity", "366 ngày ở độ chi tiết giờ"},
	tableDay:    {"10 years at day granularity", "10 năm ở độ chi tiết ngày"},
}

// errTimeRangeTooLong refuses a range longer than maxSpan allows for table.
func errTimeRangeTooLong(table string) error {
	n := spanName[table]
	en, vi := "the time range is too long: at most "+n[0], "khoảng thời gian quá dài: tối đa "+n[1]
	if table == tableMinute {
		en += "; for longer ranges use whole hours (or days, months) for start_time and end_time"
		vi += "; với khoảng dài hơn, hãy dùng giờ tròn (hoặc ngày, tháng) cho start_time và end_time"
	}
	return apierr.Invalid("end_time", "time_range_too_long", en, vi)
}

// errSubscriptionNotFound is also the answer for another agency's
// subscription, which is not disclosed.
func errSubscriptionNotFound(id string) error {
	return apierr.NotFound("subscription", id)
}

// internal turns an error a handler did not expect into what the caller
// gets: catalogue errors as they are, a cancelled call as canceled, and
// anything else as internal, logged here with op and hidden from the
// caller.
func (s *Service) internal(ctx context.Context, op string, err error) error {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae
	}
	if ctx.Err() != nil {
		return apierr.Wrap(err, codes.Canceled, "canceled", "request canceled", "yêu cầu đã bị hủy")
	}
	s.log.ErrorContext(ctx, "metering: "+op+" failed", "err", err)
	e := apierr.ErrInternal
	return apierr.Wrap(err, e.GRPC, e.Code, e.Message, e.MessageVI)
}

// writeCSVMethodError answers a CSV request with a method other than GET or
// HEAD.
func writeCSVMethodError(w http.ResponseWriter, r *http.Request) {
	b, _ := apierr.FromError(errCSVMethod)
	b.RequestID = r.Header.Get("X-Request-Id")
	w.Header().Set("Allow", "GET, HEAD")
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusMethodNotAllowed)
	_ = json.NewEncoder(w).Encode(b)
}
