package metering

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// reportEvents straddles the local new year 2025 -> 2026: half of them fall
// on Dec 31, 2025 23:xx in Hanoi, half on Jan 1, 2026 00:xx, which is still
// 2025 in UTC. APIs: dkdn (owned by B) and hotich (owned by C); consumers:
// app-a (agency A) and app-b (agency B).
func reportEvents() []*meteringv1.Event {
	evs := make([]*meteringv1.Event, 600)
	dec31 := time.Date(2025, 12, 31, 23, 0, 0, 0, hcm)
	jan1 := time.Date(2026, 1, 1, 0, 0, 0, 0, hcm)
	for i := range evs {
		ev := &meteringv1.Event{
			Id:         fmt.Sprintf("r-%d", i),
			ApiVersion: "1.0",
			Status:     200,
			BytesIn:    int64(i),
			BytesOut:   int64(2 * i),
			LatencyUs:  int64(1000 + i*997%300_000),
		}
		at := dec31
		if i >= 300 {
			at = jan1
		}
		ev.Time = timestamppb.New(at.Add(time.Duration(i%60)*time.Minute + time.Duration(i%7)*time.Second))
		if i%2 == 0 {
			ev.ApiId, ev.ApiOwnerAgency = "dkdn", agencyB
		} else {
			ev.ApiId, ev.ApiOwnerAgency, ev.ApiVersion = "hotich", agencyC, "2.0"
		}
		if (i/2)%2 == 0 {
			ev.ApplicationId, ev.AgencyCode = "app-a", agencyA
		} else {
			ev.ApplicationId, ev.AgencyCode = "app-b", agencyB
		}
		switch i % 10 {
		case 7:
			ev.Status = 404
		case 8:
			ev.Status = 502
		case 9:
			ev.Status, ev.ErrorCode = 429, "quota_exceeded"
		}
		if i%3 == 0 {
			// Let app-a be the top consumer: a third of app-b's calls are
			// moved to app-a.
			ev.ApplicationId, ev.AgencyCode = "app-a", agencyA
		}
		evs[i] = ev
	}
	return evs
}

// expected is a reference aggregation computed straight from the events.
type expected struct {
	n, client, server, gw, bytesIn, bytesOut int64
	lats                                     []int64
}

func refAggregate(evs []*meteringv1.Event, keep func(*meteringv1.Event) bool, key func(*meteringv1.Event) string) map[string]*expected {
	out := map[string]*expected{}
	for _, ev := range evs {
		if keep != nil && !keep(ev) {
			continue
		}
		k := key(ev)
		e := out[k]
		if e == nil {
			e = &expected{}
			out[k] = e
		}
		e.n++
		switch classify(ev) {
		case meteringv1.StatusClass_STATUS_CLASS_CLIENT_ERROR:
			e.client++
		case meteringv1.StatusClass_STATUS_CLASS_SERVER_ERROR:
			e.server++
		case meteringv1.StatusClass_STATUS_CLASS_GATEWAY_ERROR:
			e.gw++
		}
		e.bytesIn += ev.GetBytesIn()
		e.bytesOut += ev.GetBytesOut()
		e.lats = append(e.lats, ev.GetLatencyUs())
	}
	return out
}

func (e *expected) check(t *testing.T, what string, got *meteringv1.UsageTotals) {
	t.Helper()
	errs := e.client + e.server + e.gw
	if got.GetRequestCount() != e.n || got.GetClientErrorCount() != e.client || got.GetServerErrorCount() != e.server ||
		got.GetGatewayErrorCount() != e.gw || got.GetErrorCount() != errs || got.GetBytesIn() != e.bytesIn || got.GetBytesOut() != e.bytesOut {
		t.Errorf("%s: got n=%d 4xx=%d 5xx=%d gw=%d err=%d in=%d out=%d, want n=%d 4xx=%d 5xx=%d gw=%d err=%d in=%d out=%d", what,
			got.GetRequestCount(), got.GetClientErrorCount(), got.GetServerErrorCount(), got.GetGatewayErrorCount(), got.GetErrorCount(), got.GetBytesIn(), got.GetBytesOut(),
			e.n, e.client, e.server, e.gw, errs, e.bytesIn, e.bytesOut)
		return
	}
	if want := float64(errs) / float64(e.n); math.Abs(got.GetErrorRate()-want) > 1e-12 {
		t.Errorf("%s: error rate %v, want %v", what, got.GetErrorRate(), want)
	}
	lats := slices.Clone(e.lats)
	slices.Sort(lats)
	var sum int64
	for _, l := range lats {
		sum += l
	}
	if got.GetLatencyMeanUs() != sum/e.n {
		t.Errorf("%s: mean latency %d, want %d", what, got.GetLatencyMeanUs(), sum/e.n)
	}
	for _, q := range []struct {
		q   float64
		got int64
	}{{0.5, got.GetLatencyP50Us()}, {0.95, got.GetLatencyP95Us()}, {0.99, got.GetLatencyP99Us()}} {
		exact := float64(lats[int(math.Ceil(q.q*float64(len(lats))))-1])
		if rel := math.Abs(float64(q.got)-exact) / exact; rel > HistErrorBound {
			t.Errorf("%s: p%v = %d, exact %v (error %.3f > %.3f)", what, q.q*100, q.got, exact, rel, HistErrorBound)
		}
	}
}

// reportFixture ingests reportEvents through the real stream once per
// engine.
func reportFixture(t *testing.T, db *sqlstore.DB) (*Service, *grpcServer, []*meteringv1.Event) {
	t.Helper()
	_, bus := natstest.Start(t)
	s := newService(t, testConfig(), db, bus, nil, WithClock(func() time.Time { return time.Date(2026, 1, 15, 12, 0, 0, 0, hcm) }))
	r := start(t, s)
	evs := reportEvents()
	var gw, doc []*meteringv1.Event
	for i, ev := range evs {
		if i%50 == 0 {
			doc = append(doc, ev)
		} else {
			gw = append(gw, ev)
		}
	}
	publishAll(t, bus, meterpub.SourceGateway, gw, 20)
	publishAll(t, bus, meterpub.SourceDocExchange, doc, 1)
	waitCaughtUp(t, db, bus)
	if err := r.stop(t); err != nil {
		t.Fatal(err)
	}
	return s, &grpcServer{s: s}, evs
}

func localYear(ev *meteringv1.Event) string {
	return strconv.Itoa(ev.GetTime().AsTime().In(hcm).Year())
}

var (
	from2025 = timestamppb.New(time.Date(2025, 1, 1, 0, 0, 0, 0, hcm))
	to2027   = timestamppb.New(time.Date(2027, 1, 1, 0, 0, 0, 0, hcm))
	admin    = func() context.Context { return asPrincipal(authn.RolePlatformAdmin, "") }
)

func TestReports(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		s, g, evs := reportFixture(t, db)

		t.Run("yearly by agency at the local year boundary", func(t *testing.T) {
			resp, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{
				StartTime: from2025, EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_YEAR,
				GroupBy: []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_AGENCY},
			})
			if err != nil {
				t.Fatal(err)
			}
			want := refAggregate(evs, nil, func(ev *meteringv1.Event) string { return localYear(ev) + "/" + ev.GetAgencyCode() })
			if len(resp.GetRows()) != len(want) {
				t.Fatalf("%d rows, want %d", len(resp.GetRows()), len(want))
			}
			for _, row := range resp.GetRows() {
				k := strconv.Itoa(row.GetBucketStartTime().AsTime().In(hcm).Year()) + "/" + row.GetAgencyCode()
				if row.GetBucketStartTime().AsTime().In(hcm).YearDay() != 1 {
					t.Errorf("year bucket starts %v", row.GetBucketStartTime().AsTime().In(hcm))
				}
				if e := want[k]; e == nil {
					t.Errorf("unexpected row %s", k)
				} else {
					e.check(t, k, row.GetTotals())
				}
			}
		})

		t.Run("agency year totals", func(t *testing.T) {
			for _, c := range []struct {
				persp meteringv1.AgencyPerspective
				key   func(*meteringv1.Event) string
			}{
				{meteringv1.AgencyPerspective_AGENCY_PERSPECTIVE_CONSUMER, func(ev *meteringv1.Event) string { return ev.GetAgencyCode() }},
				{meteringv1.AgencyPerspective_AGENCY_PERSPECTIVE_PROVIDER, func(ev *meteringv1.Event) string { return ev.GetApiOwnerAgency() }},
			} {
				for _, year := range []int32{2025, 2026} {
					resp, err := g.AgencyYearTotals(admin(), &meteringv1.AgencyYearTotalsRequest{Year: year, Perspective: c.persp})
					if err != nil {
						t.Fatal(err)
					}
					inYear := func(ev *meteringv1.Event) bool { return localYear(ev) == strconv.Itoa(int(year)) }
					want := refAggregate(evs, inYear, c.key)
					if len(resp.GetAgencies()) != len(want) {
						t.Fatalf("%v %d: %d agencies, want %d", c.persp, year, len(resp.GetAgencies()), len(want))
					}
					for _, a := range resp.GetAgencies() {
						want[a.GetAgencyCode()].check(t, fmt.Sprintf("%v %d %s", c.persp, year, a.GetAgencyCode()), a.GetTotals())
					}
					refAggregate(evs, inYear, func(*meteringv1.Event) string { return "" })[""].check(t, "year total", resp.GetTotal())
					if year == 2025 && resp.GetTotal().GetRequestCount() != 300 {
						t.Errorf("2025 total %d, want 300 (local calendar)", resp.GetTotal().GetRequestCount())
					}
				}
			}
			// The current year by default.
			resp, err := g.AgencyYearTotals(admin(), &meteringv1.AgencyYearTotalsRequest{})
			if err != nil || resp.GetYear() != 2026 || resp.GetTotal().GetRequestCount() != 300 {
				t.Errorf("default year: %v, %v", resp, err)
			}
		})

		t.Run("filters and grouping", func(t *testing.T) {
			resp, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{
				StartTime:   timestamppb.New(time.Date(2025, 12, 1, 0, 0, 0, 0, hcm)),
				EndTime:     timestamppb.New(time.Date(2026, 2, 1, 0, 0, 0, 0, hcm)),
				Granularity: meteringv1.Granularity_GRANULARITY_HOUR,
				Filter: &meteringv1.UsageFilter{
					ApiIds:        []string{"dkdn"},
					StatusClasses: []meteringv1.StatusClass{meteringv1.StatusClass_STATUS_CLASS_CLIENT_ERROR, meteringv1.StatusClass_STATUS_CLASS_SUCCESS},
				},
				GroupBy: []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_STATUS_CLASS, meteringv1.Dimension_DIMENSION_APPLICATION},
			})
			if err != nil {
				t.Fatal(err)
			}
			keep := func(ev *meteringv1.Event) bool {
				c := classify(ev)
				return ev.GetApiId() == "dkdn" && (c == meteringv1.StatusClass_STATUS_CLASS_CLIENT_ERROR || c == meteringv1.StatusClass_STATUS_CLASS_SUCCESS)
			}
			key := func(ev *meteringv1.Event) string {
				h := ev.GetTime().AsTime().Truncate(time.Hour).Unix()
				return fmt.Sprintf("%d/%d/%s", h, classify(ev), ev.GetApplicationId())
			}
			want := refAggregate(evs, keep, key)
			if len(resp.GetRows()) != len(want) {
				t.Fatalf("%d rows, want %d", len(resp.GetRows()), len(want))
			}
			for _, row := range resp.GetRows() {
				if row.GetApiId() != "" || row.GetAgencyCode() != "" {
					t.Errorf("row carries dimensions it was not grouped by: %v", row)
				}
				k := fmt.Sprintf("%d/%d/%s", row.GetBucketStartTime().AsTime().Unix(), row.GetStatusClass(), row.GetApplicationId())
				want[k].check(t, k, row.GetTotals())
			}
		})

		t.Run("totals by source and version", func(t *testing.T) {
			resp, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{
				StartTime: from2025, EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_DAY, Total: true,
				GroupBy: []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_SOURCE, meteringv1.Dimension_DIMENSION_API_VERSION},
			})
			if err != nil {
				t.Fatal(err)
			}
			want := refAggregate(evs, nil, func(ev *meteringv1.Event) string {
				src := "gateway"
				if strings.HasPrefix(ev.GetId(), "r-") && mustAtoi(strings.TrimPrefix(ev.GetId(), "r-"))%50 == 0 {
					src = "docexchange"
				}
				return src + "/" + ev.GetApiVersion()
			})
			if len(resp.GetRows()) != len(want) {
				t.Fatalf("%d rows, want %d", len(resp.GetRows()), len(want))
			}
			for _, row := range resp.GetRows() {
				if row.GetBucketStartTime() != nil {
					t.Error("a total row has a bucket time")
				}
				k := row.GetSource() + "/" + row.GetApiVersion()
				want[k].check(t, k, row.GetTotals())
			}
		})

		t.Run("skip latency", func(t *testing.T) {
			req := &meteringv1.QueryUsageRequest{StartTime: from2025, EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_YEAR,
				GroupBy: []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_API}}
			with, err := g.QueryUsage(admin(), req)
			if err != nil {
				t.Fatal(err)
			}
			req.SkipLatency = true
			without, err := g.QueryUsage(admin(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(with.GetRows()) != len(without.GetRows()) || len(with.GetRows()) == 0 {
				t.Fatalf("%d rows with latency, %d without", len(with.GetRows()), len(without.GetRows()))
			}
			for i, r := range without.GetRows() {
				w := with.GetRows()[i].GetTotals()
				if r.GetTotals().GetLatencyP50Us() != 0 || r.GetTotals().GetLatencyP99Us() != 0 || w.GetLatencyP50Us() == 0 {
					t.Errorf("row %d: quantiles %v (skipped) vs %v", i, r.GetTotals(), w)
				}
				if r.GetTotals().GetRequestCount() != w.GetRequestCount() || r.GetTotals().GetLatencyMeanUs() != w.GetLatencyMeanUs() {
					t.Errorf("row %d: counts differ when skipping latency", i)
				}
			}
		})

		t.Run("paging", func(t *testing.T) {
			req := &meteringv1.QueryUsageRequest{
				StartTime:   timestamppb.New(time.Date(2025, 12, 31, 0, 0, 0, 0, hcm)),
				EndTime:     timestamppb.New(time.Date(2026, 1, 2, 0, 0, 0, 0, hcm)),
				Granularity: meteringv1.Granularity_GRANULARITY_MINUTE,
				GroupBy:     []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_API},
			}
			all, err := g.QueryUsage(admin(), req)
			if err != nil {
				t.Fatal(err)
			}
			if len(all.GetRows()) < 100 || all.GetNextPageToken() != "" || len(all.GetRows()) > 1000 {
				t.Fatalf("one page: %d rows, next %q", len(all.GetRows()), all.GetNextPageToken())
			}
			var paged []*meteringv1.UsageRow
			req.PageSize = 37
			for pages := 0; ; pages++ {
				resp, err := g.QueryUsage(admin(), req)
				if err != nil {
					t.Fatal(err)
				}
				paged = append(paged, resp.GetRows()...)
				if resp.GetNextPageToken() == "" {
					break
				}
				req.PageToken = resp.GetNextPageToken()
				if pages > 100 {
					t.Fatal("paging does not end")
				}
			}
			if len(paged) != len(all.GetRows()) {
				t.Fatalf("paged %d rows, unpaged %d", len(paged), len(all.GetRows()))
			}
			for i := range paged {
				if paged[i].String() != all.GetRows()[i].String() {
					t.Fatalf("row %d differs: %v vs %v", i, paged[i], all.GetRows()[i])
				}
			}
		})

		t.Run("top consumers and APIs", func(t *testing.T) {
			tc, err := g.TopConsumers(admin(), &meteringv1.TopConsumersRequest{StartTime: from2025, EndTime: to2027, Limit: 1})
			if err != nil {
				t.Fatal(err)
			}
			byApp := refAggregate(evs, nil, func(ev *meteringv1.Event) string { return ev.GetApplicationId() })
			if len(tc.GetConsumers()) != 1 || tc.GetConsumers()[0].GetApplicationId() != "app-a" || tc.GetConsumers()[0].GetAgencyCode() != agencyA {
				t.Fatalf("top consumer %v, want app-a", tc.GetConsumers())
			}
			byApp["app-a"].check(t, "top consumer", tc.GetConsumers()[0].GetTotals())

			// An unaligned range (read from the minute table) that leaves out
			// the first ten minutes of Jan 1.
			startTS := timestamppb.New(time.Date(2026, 1, 1, 0, 10, 0, 0, hcm))
			endTS := timestamppb.New(time.Date(2026, 1, 2, 0, 0, 0, 0, hcm))
			if _, err := g.TopApis(admin(), &meteringv1.TopApisRequest{StartTime: startTS, EndTime: to2027}); status.Code(err) != codes.InvalidArgument {
				t.Errorf("a year of minutes for top APIs: %v, want InvalidArgument", err)
			}
			ta, err := g.TopApis(admin(), &meteringv1.TopApisRequest{StartTime: startTS, EndTime: endTS})
			if err != nil {
				t.Fatal(err)
			}
			inRange := func(ev *meteringv1.Event) bool { return !ev.GetTime().AsTime().Before(startTS.AsTime()) }
			byAPI := refAggregate(evs, inRange, func(ev *meteringv1.Event) string { return ev.GetApiId() })
			if len(ta.GetApis()) != 2 {
				t.Fatalf("top APIs %v", ta.GetApis())
			}
			for i, a := range ta.GetApis() {
				byAPI[a.GetApiId()].check(t, "top api "+a.GetApiId(), a.GetTotals())
				if i > 0 && a.GetTotals().GetRequestCount() > ta.GetApis()[i-1].GetTotals().GetRequestCount() {
					t.Error("top APIs are not ordered by request count")
				}
			}
			if got := s.tableFor(startTS.AsTime().UnixMilli(), endTS.AsTime().UnixMilli()); got != tableMinute {
				t.Errorf("unaligned range read from %s", got)
			}
			if got := s.tableFor(from2025.AsTime().UnixMilli(), to2027.AsTime().UnixMilli()); got != tableYear {
				t.Errorf("year range read from %s", got)
			}
		})

		t.Run("authorisation", func(t *testing.T) {
			totalReq := func(f *meteringv1.UsageFilter) *meteringv1.QueryUsageRequest {
				return &meteringv1.QueryUsageRequest{
					StartTime: from2025, EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_MONTH, Total: true, Filter: f,
					GroupBy: []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_AGENCY, meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY},
				}
			}
			sees := func(ctx context.Context, f *meteringv1.UsageFilter) map[string]int64 {
				resp, err := g.QueryUsage(ctx, totalReq(f))
				if err != nil {
					t.Fatal(err)
				}
				m := map[string]int64{}
				for _, r := range resp.GetRows() {
					m[r.GetAgencyCode()+">"+r.GetApiOwnerAgency()] = r.GetTotals().GetRequestCount()
				}
				return m
			}
			all := refAggregate(evs, nil, func(ev *meteringv1.Event) string { return ev.GetAgencyCode() + ">" + ev.GetApiOwnerAgency() })
			for _, c := range []struct {
				name    string
				ctx     context.Context
				filter  *meteringv1.UsageFilter
				visible func(consumer, owner string) bool
			}{
				{"admin", admin(), nil, func(string, string) bool { return true }},
				{"auditor", asPrincipal(authn.RoleAuditor, ""), nil, func(string, string) bool { return true }},
				{"consumer agency A", asPrincipal(authn.RoleAgencyDeveloper, agencyA), nil, func(c, o string) bool { return c == agencyA || o == agencyA }},
				{"agency B, consumer and owner", asPrincipal(authn.RoleAgencyPublisher, agencyB), nil, func(c, o string) bool { return c == agencyB || o == agencyB }},
				{"owner agency C", asPrincipal(authn.RoleAgencyPublisher, agencyC), nil, func(c, o string) bool { return o == agencyC }},
				// Asking for another agency's rows is narrowed, not widened.
				{"A asking for B", asPrincipal(authn.RoleAgencyDeveloper, agencyA), &meteringv1.UsageFilter{AgencyCodes: []string{agencyB}},
					func(c, o string) bool { return false }},
				{"C asking for B's consumption", asPrincipal(authn.RoleAgencyPublisher, agencyC), &meteringv1.UsageFilter{AgencyCodes: []string{agencyB}},
					func(c, o string) bool { return c == agencyB && o == agencyC }},
			} {
				got := sees(c.ctx, c.filter)
				want := map[string]int64{}
				for k, e := range all {
					cons, owner, _ := strings.Cut(k, ">")
					if c.visible(cons, owner) {
						want[k] = e.n
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s sees %v, want %v", c.name, got, want)
				}
			}
			// Agency users' yearly totals and top lists are scoped the same way.
			ay, err := g.AgencyYearTotals(asPrincipal(authn.RoleAgencyDeveloper, agencyA), &meteringv1.AgencyYearTotalsRequest{Year: 2026})
			if err != nil {
				t.Fatal(err)
			}
			if len(ay.GetAgencies()) != 1 || ay.GetAgencies()[0].GetAgencyCode() != agencyA {
				t.Errorf("agency A's yearly totals list %v", ay.GetAgencies())
			}
			tc, err := g.TopConsumers(asPrincipal(authn.RoleAgencyPublisher, agencyC), &meteringv1.TopConsumersRequest{StartTime: from2025, EndTime: to2027})
			if err != nil {
				t.Fatal(err)
			}
			hotichOnly := refAggregate(evs, func(ev *meteringv1.Event) bool { return ev.GetApiOwnerAgency() == agencyC }, func(ev *meteringv1.Event) string { return ev.GetApplicationId() })
			for _, c := range tc.GetConsumers() {
				hotichOnly[c.GetApplicationId()].check(t, "C's consumer "+c.GetApplicationId(), c.GetTotals())
			}
			// Refusals.
			for _, c := range []struct {
				name string
				ctx  context.Context
				want codes.Code
			}{
				{"anonymous", context.Background(), codes.Unauthenticated},
				{"service", asPrincipal(authn.RoleService, ""), codes.PermissionDenied},
				{"agency user without agency", asPrincipal(authn.RoleAgencyDeveloper, ""), codes.PermissionDenied},
			} {
				_, err := g.QueryUsage(c.ctx, totalReq(nil))
				if got := status.Code(err); got != c.want {
					t.Errorf("%s: QueryUsage code %v, want %v", c.name, got, c.want)
				}
				_, err = g.TopApis(c.ctx, &meteringv1.TopApisRequest{StartTime: from2025, EndTime: to2027})
				if got := status.Code(err); got != c.want {
					t.Errorf("%s: TopApis code %v, want %v", c.name, got, c.want)
				}
				_, err = g.AgencyYearTotals(c.ctx, &meteringv1.AgencyYearTotalsRequest{Year: 2025})
				if got := status.Code(err); got != c.want {
					t.Errorf("%s: AgencyYearTotals code %v, want %v", c.name, got, c.want)
				}
			}
		})

		t.Run("invalid requests", func(t *testing.T) {
			for name, req := range map[string]*meteringv1.QueryUsageRequest{
				"no granularity": {StartTime: from2025, EndTime: to2027},
				"no start":       {EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_DAY},
				"empty range":    {StartTime: to2027, EndTime: from2025, Granularity: meteringv1.Granularity_GRANULARITY_DAY},
				"bad token":      {StartTime: from2025, EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_DAY, PageToken: "%%%"},
				"bad class": {StartTime: from2025, EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_DAY,
					Filter: &meteringv1.UsageFilter{StatusClasses: []meteringv1.StatusClass{9}}},
				"two years of minutes": {StartTime: from2025, EndTime: to2027, Granularity: meteringv1.Granularity_GRANULARITY_MINUTE},
			} {
				_, err := g.QueryUsage(admin(), req)
				if status.Code(err) != codes.InvalidArgument {
					t.Errorf("%s: code %v, want InvalidArgument", name, status.Code(err))
				}
			}
		})

		t.Run("CSV export", func(t *testing.T) {
			h := s.CSVHandler()
			q := url.Values{}
			q.Set("start_time", "2025-01-01T00:00:00+07:00")
			q.Set("end_time", "2027-01-01T00:00:00+07:00")
			q.Set("granularity", "GRANULARITY_DAY")
			q.Add("group_by", "DIMENSION_API")
			q.Add("group_by", "DIMENSION_STATUS_CLASS")
			get := func(ctx context.Context, q url.Values) *httptest.ResponseRecorder {
				req := httptest.NewRequest(http.MethodGet, CSVPath+"?"+q.Encode(), nil).WithContext(ctx)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				return rec
			}
			rec := get(admin(), q)
			if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
				t.Fatalf("CSV: %d %s: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
			}
			records, err := csv.NewReader(rec.Body).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if rec.Header().Get(TimeZoneHeader) != "Asia/Ho_Chi_Minh" {
				t.Errorf("CSV time zone header %q", rec.Header().Get(TimeZoneHeader))
			}
			wantHeader := "bucket_start,time_zone,api,status_class,request_count,error_count,client_error_count,server_error_count,gateway_error_count,error_rate,bytes_in,bytes_out,latency_mean_us,latency_p50_us,latency_p95_us,latency_p99_us"
			if strings.Join(records[0], ",") != wantHeader {
				t.Fatalf("header %v", records[0])
			}
			labels := map[meteringv1.StatusClass]string{1: "2xx", 2: "4xx", 3: "5xx", 4: "gateway_error"}
			want := refAggregate(evs, nil, func(ev *meteringv1.Event) string {
				day := ev.GetTime().AsTime().In(hcm)
				day = time.Date(day.Year(), day.Month(), day.Day(), 0, 0, 0, 0, hcm)
				return day.Format(time.RFC3339) + "," + ev.GetApiId() + "," + labels[classify(ev)]
			})
			if len(records)-1 != len(want) {
				t.Fatalf("%d CSV rows, want %d", len(records)-1, len(want))
			}
			for _, r := range records[1:] {
				if r[1] != "Asia/Ho_Chi_Minh" {
					t.Errorf("CSV row %v: time zone %q", r, r[1])
				}
				e := want[r[0]+","+r[2]+","+r[3]]
				if e == nil {
					t.Fatalf("unexpected CSV row %v", r)
				}
				if r[4] != strconv.FormatInt(e.n, 10) || r[10] != strconv.FormatInt(e.bytesIn, 10) {
					t.Errorf("CSV row %v, want count %d bytes_in %d", r, e.n, e.bytesIn)
				}
			}
			// Agency C sees only calls to its API.
			rec = get(asPrincipal(authn.RoleAgencyPublisher, agencyC), q)
			records, err = csv.NewReader(rec.Body).ReadAll()
			if err != nil || rec.Code != http.StatusOK {
				t.Fatalf("agency CSV: %d %v", rec.Code, err)
			}
			for _, r := range records[1:] {
				if r[2] != "hotich" {
					t.Errorf("agency C's CSV holds %v", r)
				}
			}
			if len(records) < 2 {
				t.Error("agency C's CSV is empty")
			}
			// Refusals come as the platform's JSON errors.
			rec = get(context.Background(), q)
			var body apierr.Body
			if rec.Code != http.StatusUnauthorized || json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Code != "unauthenticated" || body.MessageVI == "" {
				t.Errorf("anonymous CSV: %d %s", rec.Code, rec.Body.String())
			}
			bad := url.Values{"start_time": {"2025-01-01T00:00:00Z"}}
			if rec = get(admin(), bad); rec.Code != http.StatusBadRequest {
				t.Errorf("CSV without end_time: %d", rec.Code)
			}
		})

		t.Run("REST and CSV spellings", func(t *testing.T) { testGranularitySpellings(t, s) })
		t.Run("dates and time zones", func(t *testing.T) { testDatesAndZones(t, s, g) })

		t.Run("REST", func(t *testing.T) {
			mux := runtime.NewServeMux(runtime.WithErrorHandler(apierr.GatewayErrorHandler))
			if err := s.RegisterREST(context.Background(), mux); err != nil {
				t.Fatal(err)
			}
			asAdmin := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mux.ServeHTTP(w, r.WithContext(admin()))
			})
			srv := httptest.NewServer(asAdmin)
			defer srv.Close()
			resp, err := http.Get(srv.URL + "/admin/v1/metering/agency-year-totals?year=2025&perspective=AGENCY_PERSPECTIVE_PROVIDER")
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out meteringv1.AgencyYearTotalsResponse
			var raw json.RawMessage
			if err := json.NewDecoder(resp.Body).Decode(&raw); err != nil {
				t.Fatal(err)
			}
			if err := protojson.Unmarshal(raw, &out); err != nil {
				t.Fatal(err)
			}
			if resp.StatusCode != http.StatusOK || out.GetTotal().GetRequestCount() != 300 || len(out.GetAgencies()) != 2 {
				t.Errorf("REST agency totals: %d %s", resp.StatusCode, raw)
			}
			u := srv.URL + "/admin/v1/metering/usage?" + url.Values{
				"start_time": {"2025-12-31T00:00:00+07:00"}, "end_time": {"2026-01-02T00:00:00+07:00"},
				"granularity": {"GRANULARITY_DAY"}, "filter.api_ids": {"hotich"},
			}.Encode()
			resp2, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			defer resp2.Body.Close()
			var usage meteringv1.QueryUsageResponse
			raw = nil
			if err := json.NewDecoder(resp2.Body).Decode(&raw); err != nil {
				t.Fatal(err)
			}
			if err := protojson.Unmarshal(raw, &usage); err != nil {
				t.Fatal(err)
			}
			if len(usage.GetRows()) != 2 || usage.GetRows()[0].GetTotals().GetRequestCount()+usage.GetRows()[1].GetTotals().GetRequestCount() != 300 {
				t.Errorf("REST usage: %s", raw)
			}
		})
	})
}

func mustAtoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(err)
	}
	return n
}
