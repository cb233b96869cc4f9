package metering

import (
	"fmt"
	"strings"
	"time"

	"google.golang.org/grpc/codes"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// Errors metering answers with. Codes are stable; clients may act on them.
var (
	errRegistryUnavailable = apierr.New(codes.Unavailable, "registry_unavailable",
		"the registry, which authenticates callers and holds subscriptions and their quotas, cannot be reached or has not answered yet; try again shortly",
		"chưa kết nối được dịch vụ đăng ký (registry), nơi xác thực người gọi và lưu đăng ký sử dụng cùng hạn mức; vui lòng thử lại sau ít phút")
	errMissingGranularity = apierr.Invalid("granularity", "missing_granularity",
		"granularity is required: minute, hour, day, month or year (or GRANULARITY_MINUTE … GRANULARITY_YEAR)",
		"cần chọn độ chi tiết thời gian (granularity): minute, hour, day, month hoặc year (hoặc GRANULARITY_MINUTE … GRANULARITY_YEAR)")
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

// errInvalidTime refuses a start or end time that is not a time.
func errInvalidTime(field, code, value string, loc *time.Location) error {
	return apierr.Invalid(field, code,
		fmt.Sprintf("%s %s is not a time: give a date (2026-01-01, the start of that day in %s), a local time (2026-01-01T08:30) or an RFC 3339 time with an offset (2026-01-01T08:30:00+07:00)", field, echo(value), loc),
		fmt.Sprintf("%s %s không phải thời điểm hợp lệ: hãy dùng ngày (2026-01-01, tức đầu ngày đó theo múi giờ %s), giờ địa phương (2026-01-01T08:30) hoặc thời điểm RFC 3339 có múi giờ (2026-01-01T08:30:00+07:00)", field, echo(value), loc))
}

// errInvalidQuery refuses a query string grpc-gateway cannot parse.
func errInvalidQuery(err error) error {
	return apierr.Invalid("query", "invalid_query", "invalid query parameters: "+err.Error(), "tham số truy vấn không hợp lệ: "+err.Error())
}

// registryUnavailable is errRegistryUnavailable keeping its cause for logs.
func registryUnavailable(cause error) error {
	e := errRegistryUnavailable
	return apierr.Wrap(cause, e.GRPC, e.Code, e.Message, e.MessageVI)
}
