package metering

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// restClient calls metering's REST face and CSV export over HTTP, mounted
// the way the composition root mounts them, as the principal of ctx.
type restClient struct {
	t   *testing.T
	url string
}

func newRESTClient(t *testing.T, s *Service, ctx func() context.Context) *restClient {
	t.Helper()
	mux := runtime.NewServeMux(runtime.WithErrorHandler(apierr.GatewayErrorHandler))
	if err := s.RegisterREST(context.Background(), mux); err != nil {
		t.Fatal(err)
	}
	routes := http.NewServeMux()
	routes.Handle("/admin/", mux)
	routes.Handle("GET "+CSVPath, s.CSVHandler())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		routes.ServeHTTP(w, r.WithContext(ctx()))
	}))
	t.Cleanup(srv.Close)
	return &restClient{t: t, url: srv.URL}
}

// get returns the response's status, headers and body.
func (c *restClient) get(path string, q url.Values) (int, http.Header, []byte) {
	c.t.Helper()
	u := c.url + path
	if q != nil {
		u += "?" + q.Encode()
	}
	return c.getRaw(u)
}

// getRaw takes the query string as typed, unescaped characters included.
func (c *restClient) getRaw(u string) (int, http.Header, []byte) {
	c.t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// json decodes a successful JSON answer into out.
func (c *restClient) json(path string, q url.Values, out proto.Message) http.Header {
	c.t.Helper()
	code, h, b := c.get(path, q)
	if code != http.StatusOK {
		c.t.Fatalf("GET %s?%s: %d %s", path, q.Encode(), code, b)
	}
	if err := protojson.Unmarshal(b, out); err != nil {
		c.t.Fatalf("GET %s: %v: %s", path, err, b)
	}
	return h
}

// csv returns the records of a successful CSV export.
func (c *restClient) csv(q url.Values) ([][]string, http.Header) {
	c.t.Helper()
	code, h, b := c.get(CSVPath, q)
	if code != http.StatusOK {
		c.t.Fatalf("CSV %s: %d %s", q.Encode(), code, b)
	}
	recs, err := csv.NewReader(strings.NewReader(string(b))).ReadAll()
	if err != nil {
		c.t.Fatal(err)
	}
	return recs, h
}

// refusal decodes an error answer and checks its status and code.
func (c *restClient) refusal(path string, q url.Values, status int, code string) apierr.Body {
	c.t.Helper()
	got, _, b := c.get(path, q)
	var body apierr.Body
	if err := json.Unmarshal(b, &body); err != nil || got != status || body.Code != code || body.Message == "" || body.MessageVI == "" {
		c.t.Errorf("GET %s?%s: %d %s, want %d %s with both messages", path, q.Encode(), got, b, status, code)
	}
	return body
}

// testGranularitySpellings checks that REST and CSV reports read the enum
// values people type, on the reportFixture data.
func testGranularitySpellings(t *testing.T, s *Service) {
	c := newRESTClient(t, s, admin)
	span := func(kv ...string) url.Values {
		q := url.Values{"startTime": {"2025-12-31T00:00:00+07:00"}, "endTime": {"2026-01-02T00:00:00+07:00"}}
		for i := 0; i+1 < len(kv); i += 2 {
			q.Add(kv[i], kv[i+1])
		}
		return q
	}
	var want meteringv1.QueryUsageResponse
	c.json(pathUsage, span("granularity", "GRANULARITY_DAY", "group_by", "DIMENSION_API"), &want)
	if len(want.GetRows()) != 4 {
		t.Fatalf("two days by two APIs: %d rows", len(want.GetRows()))
	}
	for _, g := range []string{"day", "DAY", "Day", "granularity_day", " day ", "3"} {
		for _, d := range []string{"api", "API", "DIMENSION_API", "dimension_api"} {
			var got meteringv1.QueryUsageResponse
			c.json(pathUsage, span("granularity", g, "groupBy", d), &got)
			if !proto.Equal(&got, &want) {
				t.Errorf("granularity=%q group_by=%q: %v, want %v", g, d, &got, &want)
			}
		}
	}
	for _, g := range []string{"minute", "hour", "month", "year", "GRANULARITY_YEAR"} {
		q := span("granularity", g, "total", "true")
		if g != "minute" && g != "hour" {
			q.Set("startTime", "2025-01-01T00:00:00+07:00")
			q.Set("endTime", "2027-01-01T00:00:00+07:00")
		}
		var got meteringv1.QueryUsageResponse
		c.json(pathUsage, q, &got)
		if len(got.GetRows()) != 1 || got.GetRows()[0].GetTotals().GetRequestCount() != 600 {
			t.Errorf("granularity=%s total: %v", g, &got)
		}
	}

	// What is not understood is refused with the list of what is.
	body := c.refusal(pathUsage, span("granularity", "weekly"), http.StatusBadRequest, "invalid_granularity")
	if body.Field != "granularity" || !strings.Contains(body.Message, "minute, hour, day, month, year") || !strings.Contains(body.MessageVI, "minute, hour, day, month, year") {
		t.Errorf("unknown granularity: %+v", body)
	}
	c.refusal(pathUsage, span("granularity", "unspecified"), http.StatusBadRequest, "invalid_granularity")
	c.refusal(pathUsage, span("granularity", "day", "group_by", "weekday"), http.StatusBadRequest, "invalid_group_by")
	// The JSON report needs a granularity; its error names the same values.
	body = c.refusal(pathUsage, span(), http.StatusBadRequest, "missing_granularity")
	if !strings.Contains(body.Message, "minute, hour, day, month or year") {
		t.Errorf("missing granularity: %+v", body)
	}
	c.refusal(pathUsage, span("granularity", ""), http.StatusBadRequest, "missing_granularity")

	// The CSV export reads the same spellings and defaults to days.
	byDay, _ := c.csv(span("granularity", "GRANULARITY_DAY", "group_by", "DIMENSION_API", "group_by", "DIMENSION_STATUS_CLASS"))
	for _, q := range []url.Values{
		span("granularity", "day", "group_by", "api", "group_by", "status_class"),
		span("groupBy", "Api", "groupBy", "STATUS_CLASS"),
		span("granularity", "", "group_by", "api", "group_by", "status_class"),
	} {
		got, _ := c.csv(q)
		if len(got) < 3 || strings.Join(got[0], ",") != strings.Join(byDay[0], ",") || len(got) != len(byDay) {
			t.Errorf("CSV %s: %d records, header %v; want %d, %v", q.Encode(), len(got), got[0], len(byDay), byDay[0])
			continue
		}
		for i := range got {
			if strings.Join(got[i], ",") != strings.Join(byDay[i], ",") {
				t.Errorf("CSV %s record %d: %v, want %v", q.Encode(), i, got[i], byDay[i])
			}
		}
	}
	c.refusal(CSVPath, span("granularity", "fortnight"), http.StatusBadRequest, "invalid_granularity")
	c.refusal(CSVPath, url.Values{"granularity": {"day"}, "startTime": {"2026-01-01T00:00:00Z"}, "endTime": {"2026-01-01T00:00:00Z"}},
		http.StatusBadRequest, "empty_time_range")

	// Other enums: status classes in filters, the agency perspective.
	var filtered, wantFiltered meteringv1.TopApisResponse
	c.json(pathTopAPIs, span("filter.statusClasses", "STATUS_CLASS_CLIENT_ERROR"), &wantFiltered)
	c.json(pathTopAPIs, span("filter.status_classes", "client_error"), &filtered)
	if len(filtered.GetApis()) == 0 || !proto.Equal(&filtered, &wantFiltered) {
		t.Errorf("top APIs with client errors: %v, want %v", &filtered, &wantFiltered)
	}
	var persp meteringv1.AgencyYearTotalsResponse
	c.json(pathAgencyYearTotals, url.Values{"year": {"2025"}, "perspective": {"provider"}}, &persp)
	if persp.GetPerspective() != meteringv1.AgencyPerspective_AGENCY_PERSPECTIVE_PROVIDER || persp.GetTotal().GetRequestCount() != 300 {
		t.Errorf("agency year totals as provider: %v", &persp)
	}
	c.refusal(pathAgencyYearTotals, url.Values{"perspective": {"bystander"}}, http.StatusBadRequest, "invalid_perspective")

	// The route the service does not rewrite is still served.
	if code, _, b := c.get("/admin/v1/metering/quotas/sub-x", nil); code != http.StatusOK || !strings.Contains(string(b), `"subscriptionId":"sub-x"`) {
		t.Errorf("quota state over REST: %d %s", code, b)
	}
}

// testDatesAndZones checks, on the reportFixture data (half of it on Dec
// 31, 2025 23:xx and half on Jan 1, 2026 00:xx in Hanoi), that a report
// range selects every bucket it overlaps, whatever its spelling, and that
// answers name the zone of their buckets.
func testDatesAndZones(t *testing.T, s *Service, g *grpcServer) {
	c := newRESTClient(t, s, admin)
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, hcm)
	for _, r := range [][2]string{
		{"2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z"}, // 07:00 in Hanoi, inside the 2026 bucket
		{"2026-01-01", "2027-01-01"},
		{"2026-01-01T00:00:00+07:00", "2027-01-01T00:00:00+07:00"},
		{"2026-01-01T00:00", "2027-01-01T00:00"},
		{"2026-06-30T12:34:56.789", "2026-07-01"},
	} {
		for _, keys := range [][2]string{{"startTime", "endTime"}, {"start_time", "end_time"}} {
			q := url.Values{keys[0]: {r[0]}, keys[1]: {r[1]}, "granularity": {"year"}}
			var resp meteringv1.QueryUsageResponse
			h := c.json(pathUsage, q, &resp)
			if len(resp.GetRows()) != 1 || !resp.GetRows()[0].GetBucketStartTime().AsTime().Equal(jan1) || resp.GetRows()[0].GetTotals().GetRequestCount() != 300 {
				t.Errorf("year report %s..%s: %v, want 2026's row of 300", r[0], r[1], &resp)
			}
			if got := h.Get(TimeZoneHeader); got != "Asia/Ho_Chi_Minh" {
				t.Errorf("year report %s..%s: %s %q", r[0], r[1], TimeZoneHeader, got)
			}
		}
	}
	// An offset typed unescaped: its '+' arrives as a space.
	code, _, b := c.getRaw(c.url + pathUsage + "?granularity=year&startTime=2026-01-01T00:00:00+07:00&endTime=2027-01-01T00:00:00+07:00")
	if code != http.StatusOK || !strings.Contains(string(b), `"requestCount":"300"`) {
		t.Errorf("unescaped offset: %d %s", code, b)
	}
	// gRPC reads the same buckets for the same instants.
	resp, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{
		StartTime: timestamppb.New(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)), EndTime: timestamppb.New(time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)),
		Granularity: meteringv1.Granularity_GRANULARITY_YEAR,
	})
	if err != nil || len(resp.GetRows()) != 1 || resp.GetRows()[0].GetTotals().GetRequestCount() != 300 {
		t.Errorf("gRPC year report from 2026-01-01T00:00Z: %v, %v", resp, err)
	}
	// Buckets overlapping either end are read whole: Dec 31's day from
	// 23:30, and Jan 1's hour 00:00 until 00:30.
	var days meteringv1.QueryUsageResponse
	c.json(pathUsage, url.Values{"granularity": {"day"}, "startTime": {"2025-12-31T23:30"}, "endTime": {"2026-01-01T00:30"}}, &days)
	if len(days.GetRows()) != 2 || days.GetRows()[0].GetTotals().GetRequestCount() != 300 || days.GetRows()[1].GetTotals().GetRequestCount() != 300 {
		t.Errorf("day report over an hour around midnight: %v", &days)
	}
	// A range inside one bucket still gets that bucket; one that ends
	// where a bucket starts does not.
	var month meteringv1.QueryUsageResponse
	c.json(pathUsage, url.Values{"granularity": {"month"}, "startTime": {"2026-01-15"}, "endTime": {"2026-01-16"}}, &month)
	if len(month.GetRows()) != 1 || month.GetRows()[0].GetTotals().GetRequestCount() != 300 {
		t.Errorf("month report within January: %v", &month)
	}
	c.json(pathUsage, url.Values{"granularity": {"month"}, "startTime": {"2025-11-15"}, "endTime": {"2025-12-01"}}, &month)
	if len(month.GetRows()) != 0 {
		t.Errorf("month report ending at December: %v", &month)
	}

	// The CSV export: plain dates, days by default, local bucket starts
	// with their offset and zone.
	recs, h := c.csv(url.Values{"startTime": {"2025-12-31"}, "endTime": {"2026-01-02"}})
	if h.Get(TimeZoneHeader) != "Asia/Ho_Chi_Minh" || !strings.Contains(h.Get("Content-Disposition"), "lgsp-usage-20251231T0000-20260102T0000.csv") {
		t.Errorf("CSV headers %v", h)
	}
	want := [][]string{
		{"bucket_start", "time_zone", "request_count"},
		{"2025-12-31T00:00:00+07:00", "Asia/Ho_Chi_Minh", "300"},
		{"2026-01-01T00:00:00+07:00", "Asia/Ho_Chi_Minh", "300"},
	}
	if len(recs) != len(want) {
		t.Fatalf("CSV by day: %v", recs)
	}
	for i, w := range want {
		if got := recs[i][:3]; strings.Join(got, ",") != strings.Join(w, ",") {
			t.Errorf("CSV record %d: %v, want %v", i, got, w)
		}
	}
	recs, _ = c.csv(url.Values{"start_time": {"2026-01-01T00:00:00Z"}, "end_time": {"2027-01-01"}, "granularity": {"year"}})
	if len(recs) != 2 || recs[1][0] != "2026-01-01T00:00:00+07:00" || recs[1][2] != "300" {
		t.Errorf("CSV year report: %v", recs)
	}

	// Top lists take dates too.
	var top meteringv1.TopConsumersResponse
	h = c.json(pathTopConsumers, url.Values{"startTime": {"2026-01-01"}, "endTime": {"2026-01-02"}}, &top)
	var n int64
	for _, cu := range top.GetConsumers() {
		n += cu.GetTotals().GetRequestCount()
	}
	if n != 300 || h.Get(TimeZoneHeader) != "Asia/Ho_Chi_Minh" {
		t.Errorf("top consumers on Jan 1: %d calls, zone %q", n, h.Get(TimeZoneHeader))
	}

	// What is not a time is refused, saying what is.
	for _, p := range []string{CSVPath, pathUsage, pathTopAPIs} {
		body := c.refusal(p, url.Values{"granularity": {"day"}, "startTime": {"yesterday"}, "endTime": {"2026-01-02"}}, http.StatusBadRequest, "invalid_start_time")
		if body.Field != "start_time" || !strings.Contains(body.Message, "2026-01-01") || !strings.Contains(body.Message, "Asia/Ho_Chi_Minh") {
			t.Errorf("%s with a bad start: %+v", p, body)
		}
		c.refusal(p, url.Values{"granularity": {"day"}, "startTime": {"2026-01-01"}, "endTime": {"2026-13-01"}}, http.StatusBadRequest, "invalid_end_time")
	}
}

func TestParseReportTime(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		in   string
		loc  *time.Location
		want time.Time
	}{
		{"2026-01-01", hcm, time.Date(2026, 1, 1, 0, 0, 0, 0, hcm)},
		{"2026-07-01", paris, time.Date(2026, 7, 1, 0, 0, 0, 0, paris)},
		{"2026-07-01T08:30", paris, time.Date(2026, 7, 1, 8, 30, 0, 0, paris)},
		{"2026-07-01T08:30:15.5", hcm, time.Date(2026, 7, 1, 8, 30, 15, 5e8, hcm)},
		{"2026-01-01T00:00:00Z", hcm, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2026-01-01T00:00:00-05:00", hcm, time.Date(2026, 1, 1, 5, 0, 0, 0, time.UTC)},
		{"2026-01-01T00:00:00 07:00", paris, time.Date(2025, 12, 31, 17, 0, 0, 0, time.UTC)},
		{" 2026-01-01 ", hcm, time.Date(2026, 1, 1, 0, 0, 0, 0, hcm)},
	} {
		got, ok := parseReportTime(c.in, c.loc)
		if !ok || !got.Equal(c.want) {
			t.Errorf("parseReportTime(%q, %s) = %v, %v; want %v", c.in, c.loc, got, ok, c.want)
		}
	}
	for _, in := range []string{"", "yesterday", "2026-1-1", "2026-02-30", "01/01/2026", "2026-01-01T25:00", "1767225600"} {
		if got, ok := parseReportTime(in, hcm); ok {
			t.Errorf("parseReportTime(%q) = %v, want refused", in, got)
		}
	}
}
