package metering

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// Query strings of the REST reports and the CSV export are read by
// grpc-gateway's parser, which knows only the full enum names
// (GRANULARITY_DAY) and RFC 3339 times with an offset. People type "day"
// and "2026-01-01", so the parameters below are rewritten into what the
// parser reads before it runs; everything else is left to it. A date, or a
// date and time without an offset, is read in the service's time zone, the
// one its day, month and year buckets follow.

// queryParam is one query parameter metering reads in more spellings than
// grpc-gateway does.
type queryParam struct {
	// keys are the parameter's proto and JSON names.
	keys []string
	// field names the parameter in errors.
	field string
	// enum is the parameter's enum; nil for a time.
	enum protoreflect.EnumDescriptor
	// code is the error code of a value that is not understood.
	code string
}

var (
	paramStartTime   = queryParam{keys: []string{"start_time", "startTime"}, field: "start_time", code: "invalid_start_time"}
	paramEndTime     = queryParam{keys: []string{"end_time", "endTime"}, field: "end_time", code: "invalid_end_time"}
	paramGranularity = queryParam{keys: []string{"granularity"}, field: "granularity",
		enum: meteringv1.Granularity(0).Descriptor(), code: "invalid_granularity"}
	paramGroupBy = queryParam{keys: []string{"group_by", "groupBy"}, field: "group_by",
		enum: meteringv1.Dimension(0).Descriptor(), code: "invalid_group_by"}
	paramStatusClass = queryParam{keys: []string{"filter.status_classes", "filter.statusClasses"}, field: "filter.status_classes",
		enum: meteringv1.StatusClass(0).Descriptor(), code: "invalid_status_class"}
	paramPerspective = queryParam{keys: []string{"perspective"}, field: "perspective",
		enum: meteringv1.AgencyPerspective(0).Descriptor(), code: "invalid_perspective"}

	usageParams      = []queryParam{paramStartTime, paramEndTime, paramGranularity, paramGroupBy, paramStatusClass}
	topParams        = []queryParam{paramStartTime, paramEndTime, paramStatusClass}
	agencyYearParams = []queryParam{paramPerspective}
)

// csvGranularity is the CSV export's granularity when the query gives none.
var csvGranularity = queryDefault{paramGranularity, meteringv1.Granularity_GRANULARITY_DAY.String()}

// normaliseQuery returns a copy of q with the parameters in params
// rewritten into the spelling grpc-gateway parses: enum values by their
// full name, times as RFC 3339 with an offset. Plain dates and times
// without an offset are read in loc.
func normaliseQuery(q url.Values, params []queryParam, loc *time.Location) (url.Values, error) {
	out := make(url.Values, len(q))
	for k, vs := range q {
		out[k] = append([]string(nil), vs...)
	}
	for _, p := range params {
		for _, k := range p.keys {
			// An empty value is no value: "granularity=" is left to the
			// default or to the missing-parameter error.
			vs := slices.DeleteFunc(out[k], func(v string) bool { return strings.TrimSpace(v) == "" })
			if len(vs) == 0 {
				delete(out, k)
				continue
			}
			out[k] = vs
			for i, v := range vs {
				var err error
				if p.enum != nil {
					vs[i], err = enumValue(p, v)
				} else {
					vs[i], err = timeValue(p, v, loc)
				}
				if err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

// withDefault sets a parameter that none of its keys gives.
func withDefault(q url.Values, keys []string, value string) {
	for _, k := range keys {
		if len(q[k]) > 0 {
			return
		}
	}
	q.Set(keys[0], value)
}

// enumPrefix is the common prefix of an enum's value names, taken from its
// zero value (GRANULARITY_UNSPECIFIED -> GRANULARITY_).
func enumPrefix(e protoreflect.EnumDescriptor) string {
	return strings.TrimSuffix(string(e.Values().ByNumber(0).Name()), "UNSPECIFIED")
}

// enumValue reads an enum value by its full name or the name without the
// enum's prefix, in any case, or by its number.
func enumValue(p queryParam, v string) (string, error) {
	v = strings.TrimSpace(v)
	prefix := enumPrefix(p.enum)
	name := strings.ToUpper(v)
	if !strings.HasPrefix(name, prefix) {
		name = prefix + name
	}
	if ev := p.enum.Values().ByName(protoreflect.Name(name)); ev != nil && ev.Number() != 0 {
		return string(ev.Name()), nil
	}
	if n, err := strconv.Atoi(v); err == nil {
		if ev := p.enum.Values().ByNumber(protoreflect.EnumNumber(n)); ev != nil && n != 0 {
			return string(ev.Name()), nil
		}
	}
	return "", errInvalidEnum(p.field, p.code, v, prefix, acceptedNames(p.enum))
}

// acceptedNames lists an enum's short names as people type them, "day".
func acceptedNames(e protoreflect.EnumDescriptor) []string {
	prefix := enumPrefix(e)
	vals := e.Values()
	names := make([]string, 0, vals.Len()-1)
	for i := range vals.Len() {
		if ev := vals.Get(i); ev.Number() != 0 {
			names = append(names, strings.ToLower(strings.TrimPrefix(string(ev.Name()), prefix)))
		}
	}
	return names
}

// Layouts of a local date or date and time, read in the service's zone.
// Fractional seconds are accepted after the seconds by time.Parse.
var localLayouts = []string{"2006-01-02", "2006-01-02T15:04", "2006-01-02T15:04:05"}

// timeValue reads an RFC 3339 time, or a date or date and time without an
// offset in loc, and returns it as RFC 3339.
func timeValue(p queryParam, v string, loc *time.Location) (string, error) {
	t, ok := parseReportTime(v, loc)
	if !ok {
		return "", errInvalidTime(p.field, p.code, v, loc)
	}
	return t.Format(time.RFC3339Nano), nil
}

func parseReportTime(v string, loc *time.Location) (time.Time, bool) {
	v = strings.TrimSpace(v)
	// An unescaped '+' of an offset arrives as a space: "…T00:00:00 07:00".
	if i := len(v) - 6; i > len("2006-01-02") && v[i] == ' ' && v[i+3] == ':' {
		v = v[:i] + "+" + v[i+1:]
	}
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t, true
	}
	for _, l := range localLayouts {
		if t, err := time.ParseInLocation(l, v, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}
