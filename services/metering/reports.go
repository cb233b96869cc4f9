package metering

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"google.golang.org/protobuf/types/known/timestamppb"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// Report limits.
const (
	defaultPageSize = 1000
	defaultTopN     = 10
	maxTopN         = 1000
	maxFilterValues = 500
)

// grpcServer implements MeteringService on top of the Service.
type grpcServer struct {
	meteringv1.UnimplementedMeteringServiceServer
	s *Service
}

// timeRange validates a report's [start_time, end_time).
func timeRange(start, end *timestamppb.Timestamp) (int64, int64, error) {
	if start == nil {
		return 0, 0, errMissingStartTime
	}
	if end == nil {
		return 0, 0, errMissingEndTime
	}
	if err := start.CheckValid(); err != nil {
		return 0, 0, errBadStartTime
	}
	if err := end.CheckValid(); err != nil {
		return 0, 0, errBadEndTime
	}
	from, to := start.AsTime().UnixMilli(), end.AsTime().UnixMilli()
	if to <= from {
		return 0, 0, errEmptyTimeRange
	}
	return from, to, nil
}

func checkFilter(f *meteringv1.UsageFilter) error {
	for _, l := range []struct {
		name string
		n    int
	}{
		{"filter.api_ids", len(f.GetApiIds())}, {"filter.api_versions", len(f.GetApiVersions())},
		{"filter.application_ids", len(f.GetApplicationIds())}, {"filter.agency_codes", len(f.GetAgencyCodes())},
		{"filter.api_owner_agencies", len(f.GetApiOwnerAgencies())}, {"filter.sources", len(f.GetSources())},
		{"filter.status_classes", len(f.GetStatusClasses())},
	} {
		if l.n > maxFilterValues {
			return errTooManyFilterValues(l.name, maxFilterValues)
		}
	}
	for _, c := range f.GetStatusClasses() {
		if c <= meteringv1.StatusClass_STATUS_CLASS_UNSPECIFIED || c > meteringv1.StatusClass_STATUS_CLASS_GATEWAY_ERROR {
			return errInvalidStatusClass
		}
	}
	return nil
}

// tableFor picks the coarsest rollup table whose buckets tile [from, to).
func (s *Service) tableFor(from, to int64) string {
	c := s.cal
	switch {
	case c.yearOf(from) == from && c.yearOf(to) == to:
		return tableYear
	case c.month(from) == from && c.month(to) == to:
		return tableMonth
	case c.day(from) == from && c.day(to) == to:
		return tableDay
	case c.hour(from) == from && c.hour(to) == to:
		return tableHour
	}
	return tableMinute
}

// maxSpan bounds the time range a report may scan per rollup table, so that
// one request cannot make the database aggregate years of minute rows.
var maxSpan = map[string]time.Duration{
	tableMinute: 31 * 24 * time.Hour,
	tableHour:   366 * 24 * time.Hour,
	tableDay:    10 * 366 * 24 * time.Hour,
}

// checkSpan refuses a range too long for the table it would read.
func checkSpan(table string, from, to int64) error {
	limit, ok := maxSpan[table]
	if !ok || time.Duration(to-from)*time.Millisecond <= limit {
		return nil
	}
	return errTimeRangeTooLong(table)
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

func parsePageToken(t string) (int, error) {
	if t == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(t)
	if err == nil {
		if v, ok := strings.CutPrefix(string(b), "o:"); ok {
			if n, err := strconv.Atoi(v); err == nil && n >= 0 {
				return n, nil
			}
		}
	}
	return 0, errInvalidPageToken
}

// buildUsageQuery turns a QueryUsageRequest into a query, without paging.
func (s *Service) buildUsageQuery(req *meteringv1.QueryUsageRequest, sc scope) (*usageQuery, error) {
	from, to, err := timeRange(req.GetStartTime(), req.GetEndTime())
	if err != nil {
		return nil, err
	}
	if err := checkFilter(req.GetFilter()); err != nil {
		return nil, err
	}
	q := &usageQuery{from: from, to: to, groupBy: normaliseGroupBy(req.GetGroupBy()), filter: req.GetFilter(), scope: sc, withHist: !req.GetSkipLatency()}
	switch req.GetGranularity() {
	case meteringv1.Granularity_GRANULARITY_MINUTE:
		q.table = tableMinute
	case meteringv1.Granularity_GRANULARITY_HOUR:
		q.table = tableHour
	case meteringv1.Granularity_GRANULARITY_DAY:
		q.table = tableDay
	case meteringv1.Granularity_GRANULARITY_MONTH:
		q.table = tableMonth
	case meteringv1.Granularity_GRANULARITY_YEAR:
		q.table = tableYear
	default:
		return nil, errMissingGranularity
	}
	if req.GetTotal() {
		q.mode = noBuckets
	}
	if err := checkSpan(q.table, from, to); err != nil {
		return nil, err
	}
	// Every bucket that overlaps the range is read: the one holding
	// start_time too, although it starts earlier. A year report from
	// 2026-01-01T00:00Z thus gets 2026, whose bucket starts at 2025-12-31
	// 17:00Z in Asia/Ho_Chi_Minh. Buckets starting before end_time were
	// always read.
	q.from = s.bucketStart(q.table, from)
	return q, nil
}

// bucketStart returns the start of table's bucket that holds ms.
func (s *Service) bucketStart(table string, ms int64) int64 {
	c := s.cal
	switch table {
	case tableHour:
		return c.hour(ms)
	case tableDay:
		return c.day(ms)
	case tableMonth:
		return c.month(ms)
	case tableYear:
		return c.yearOf(ms)
	}
	return c.minute(ms)
}

func totalsOf(r *resultRow, withHist bool) *meteringv1.UsageTotals {
	n := r.m.count
	errs := r.client + r.server + r.gwErr
	t := &meteringv1.UsageTotals{
		RequestCount:      n,
		ErrorCount:        errs,
		ClientErrorCount:  r.client,
		ServerErrorCount:  r.server,
		GatewayErrorCount: r.gwErr,
		BytesIn:           r.m.bytesIn,
		BytesOut:          r.m.bytesOut,
	}
	if n > 0 {
		t.ErrorRate = float64(errs) / float64(n)
		t.LatencyMeanUs = r.m.latSum / n
	}
	if withHist {
		t.LatencyP50Us = r.m.h.quantile(0.50)
		t.LatencyP95Us = r.m.h.quantile(0.95)
		t.LatencyP99Us = r.m.h.quantile(0.99)
	}
	return t
}

func (s *Service) usageRow(q *usageQuery, r *resultRow) *meteringv1.UsageRow {
	row := &meteringv1.UsageRow{
		ApiId:          r.d.api,
		ApiVersion:     r.d.version,
		ApplicationId:  r.d.app,
		AgencyCode:     r.d.agency,
		ApiOwnerAgency: r.d.owner,
		StatusClass:    meteringv1.StatusClass(r.d.class),
		Source:         r.d.source,
		Totals:         totalsOf(r, q.withHist),
	}
	if q.mode != noBuckets {
		row.BucketStartTime = timestamppb.New(time.UnixMilli(r.bucket))
	}
	return row
}

// QueryUsage implements MeteringService.
func (g *grpcServer) QueryUsage(ctx context.Context, req *meteringv1.QueryUsageRequest) (*meteringv1.QueryUsageResponse, error) {
	s := g.s
	sc, err := reportScope(ctx)
	if err != nil {
		return nil, err
	}
	q, err := s.buildUsageQuery(req, sc)
	if err != nil {
		return nil, err
	}
	size := int(req.GetPageSize())
	switch {
	case size < 0:
		return nil, errInvalidPageSize
	case size == 0:
		size = min(defaultPageSize, s.cfg.MaxPageSize)
	case size > s.cfg.MaxPageSize:
		size = s.cfg.MaxPageSize
	}
	if q.offset, err = parsePageToken(req.GetPageToken()); err != nil {
		return nil, err
	}
	// One extra row tells whether there is a next page.
	q.limit = size + 1
	resp := &meteringv1.QueryUsageResponse{}
	err = q.run(ctx, s, func(r *resultRow) error {
		resp.Rows = append(resp.Rows, s.usageRow(q, r))
		return nil
	})
	if err != nil {
		return nil, s.internal(ctx, "QueryUsage", err)
	}
	if len(resp.Rows) > size {
		resp.Rows = resp.Rows[:size]
		resp.NextPageToken = pageToken(q.offset + size)
	}
	return resp, nil
}

func topLimit(n int32) (int, error) {
	switch {
	case n < 0:
		return 0, errInvalidLimit
	case n == 0:
		return defaultTopN, nil
	case n > maxTopN:
		return maxTopN, nil
	}
	return int(n), nil
}

// top ranks groups by request count over [start, end) and then reads the
// latency histograms of the winners only, which is much cheaper than
// summing them for every group.
func (s *Service) top(ctx context.Context, start, end *timestamppb.Timestamp, f *meteringv1.UsageFilter, limit int32, groupBy []meteringv1.Dimension, sc scope) ([]*resultRow, error) {
	from, to, err := timeRange(start, end)
	if err != nil {
		return nil, err
	}
	if err := checkFilter(f); err != nil {
		return nil, err
	}
	n, err := topLimit(limit)
	if err != nil {
		return nil, err
	}
	q := &usageQuery{table: s.tableFor(from, to), from: from, to: to, mode: noBuckets, groupBy: groupBy, filter: f, scope: sc, byCount: true, limit: n}
	if err := checkSpan(q.table, from, to); err != nil {
		return nil, err
	}
	var winners []*resultRow
	if err := q.run(ctx, s, func(r *resultRow) error {
		c := *r
		winners = append(winners, &c)
		return nil
	}); err != nil {
		return nil, err
	}
	if len(winners) == 0 {
		return nil, nil
	}
	// Second pass: the same groups with histograms. The filter narrows on
	// the first dimension; groups outside the winners are ignored.
	hq := *q
	hq.withHist, hq.byCount, hq.limit = true, false, 0
	hf := cloneFilter(f)
	first := make([]string, 0, len(winners))
	for _, w := range winners {
		first = append(first, dimValue(groupBy[0], &w.d))
	}
	slices.Sort(first)
	first = slices.Compact(first)
	switch groupBy[0] {
	case meteringv1.Dimension_DIMENSION_APPLICATION:
		hf.ApplicationIds = first
	case meteringv1.Dimension_DIMENSION_API:
		hf.ApiIds = first
	case meteringv1.Dimension_DIMENSION_AGENCY:
		hf.AgencyCodes = first
	case meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY:
		hf.ApiOwnerAgencies = first
	}
	hq.filter = hf
	byDims := make(map[dims]*resultRow, len(winners))
	for _, w := range winners {
		byDims[w.d] = w
	}
	if err := hq.run(ctx, s, func(r *resultRow) error {
		if w := byDims[r.d]; w != nil {
			w.m.h = r.m.h
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return winners, nil
}

func cloneFilter(f *meteringv1.UsageFilter) *meteringv1.UsageFilter {
	if f == nil {
		return &meteringv1.UsageFilter{}
	}
	return &meteringv1.UsageFilter{
		ApiIds: f.ApiIds, ApiVersions: f.ApiVersions, ApplicationIds: f.ApplicationIds, AgencyCodes: f.AgencyCodes,
		ApiOwnerAgencies: f.ApiOwnerAgencies, StatusClasses: f.StatusClasses, Sources: f.Sources,
	}
}

func dimValue(d meteringv1.Dimension, v *dims) string {
	switch d {
	case meteringv1.Dimension_DIMENSION_API:
		return v.api
	case meteringv1.Dimension_DIMENSION_API_VERSION:
		return v.version
	case meteringv1.Dimension_DIMENSION_APPLICATION:
		return v.app
	case meteringv1.Dimension_DIMENSION_AGENCY:
		return v.agency
	case meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY:
		return v.owner
	case meteringv1.Dimension_DIMENSION_SOURCE:
		return v.source
	case meteringv1.Dimension_DIMENSION_STATUS_CLASS:
		return meteringv1.StatusClass(v.class).String()
	}
	return ""
}

// TopConsumers implements MeteringService.
func (g *grpcServer) TopConsumers(ctx context.Context, req *meteringv1.TopConsumersRequest) (*meteringv1.TopConsumersResponse, error) {
	sc, err := reportScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := g.s.top(ctx, req.GetStartTime(), req.GetEndTime(), req.GetFilter(), req.GetLimit(),
		[]meteringv1.Dimension{meteringv1.Dimension_DIMENSION_APPLICATION, meteringv1.Dimension_DIMENSION_AGENCY}, sc)
	if err != nil {
		return nil, g.s.internal(ctx, "TopConsumers", err)
	}
	resp := &meteringv1.TopConsumersResponse{}
	for _, r := range rows {
		resp.Consumers = append(resp.Consumers, &meteringv1.ConsumerUsage{ApplicationId: r.d.app, AgencyCode: r.d.agency, Totals: totalsOf(r, true)})
	}
	return resp, nil
}

// TopApis implements MeteringService.
func (g *grpcServer) TopApis(ctx context.Context, req *meteringv1.TopApisRequest) (*meteringv1.TopApisResponse, error) {
	sc, err := reportScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := g.s.top(ctx, req.GetStartTime(), req.GetEndTime(), req.GetFilter(), req.GetLimit(),
		[]meteringv1.Dimension{meteringv1.Dimension_DIMENSION_API, meteringv1.Dimension_DIMENSION_API_VERSION, meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY}, sc)
	if err != nil {
		return nil, g.s.internal(ctx, "TopApis", err)
	}
	resp := &meteringv1.TopApisResponse{}
	for _, r := range rows {
		resp.Apis = append(resp.Apis, &meteringv1.ApiUsage{ApiId: r.d.api, ApiVersion: r.d.version, ApiOwnerAgency: r.d.owner, Totals: totalsOf(r, true)})
	}
	return resp, nil
}

// AgencyYearTotals implements MeteringService.
func (g *grpcServer) AgencyYearTotals(ctx context.Context, req *meteringv1.AgencyYearTotalsRequest) (*meteringv1.AgencyYearTotalsResponse, error) {
	s := g.s
	sc, err := reportScope(ctx)
	if err != nil {
		return nil, err
	}
	year := int(req.GetYear())
	if year == 0 {
		year = s.cal.year(s.clock().UnixMilli())
	}
	if year < 1970 || year > 9999 {
		return nil, errInvalidYear
	}
	if len(req.GetAgencyCodes()) > maxFilterValues {
		return nil, errTooManyAgencyCodes
	}
	persp := req.GetPerspective()
	dim := meteringv1.Dimension_DIMENSION_AGENCY
	f := &meteringv1.UsageFilter{AgencyCodes: req.GetAgencyCodes()}
	switch persp {
	case meteringv1.AgencyPerspective_AGENCY_PERSPECTIVE_UNSPECIFIED, meteringv1.AgencyPerspective_AGENCY_PERSPECTIVE_CONSUMER:
		persp = meteringv1.AgencyPerspective_AGENCY_PERSPECTIVE_CONSUMER
	case meteringv1.AgencyPerspective_AGENCY_PERSPECTIVE_PROVIDER:
		dim = meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY
		f = &meteringv1.UsageFilter{ApiOwnerAgencies: req.GetAgencyCodes()}
	default:
		return nil, errInvalidPerspective
	}
	q := &usageQuery{
		table: tableYear, from: s.cal.yearStart(year), to: s.cal.yearStart(year + 1), mode: noBuckets,
		groupBy: []meteringv1.Dimension{dim}, filter: f, scope: sc, withHist: true,
	}
	resp := &meteringv1.AgencyYearTotalsResponse{Year: int32(year), Perspective: persp}
	var sum resultRow
	err = q.run(ctx, s, func(r *resultRow) error {
		code := r.d.agency
		if dim == meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY {
			code = r.d.owner
		}
		resp.Agencies = append(resp.Agencies, &meteringv1.AgencyYearTotal{AgencyCode: code, Totals: totalsOf(r, true)})
		sum.merge(r)
		return nil
	})
	if err != nil {
		return nil, s.internal(ctx, "AgencyYearTotals", err)
	}
	slices.SortStableFunc(resp.Agencies, func(a, b *meteringv1.AgencyYearTotal) int {
		return cmp.Compare(b.GetTotals().GetRequestCount(), a.GetTotals().GetRequestCount())
	})
	resp.Total = totalsOf(&sum, true)
	return resp, nil
}

// GetQuotaState implements MeteringService.
func (g *grpcServer) GetQuotaState(ctx context.Context, req *meteringv1.GetQuotaStateRequest) (*meteringv1.GetQuotaStateResponse, error) {
	s := g.s
	sc, err := quotaScope(ctx)
	if err != nil {
		return nil, err
	}
	id := req.GetSubscriptionId()
	if id == "" || len(id) > maxDimLen {
		return nil, errInvalidSubscription
	}
	var info subscriptionInfo
	var known bool
	switch snap := s.snap.Load(); {
	case snap != nil:
		info, known = snap.subs[id]
	case s.limits != nil:
		// The limit, and the agencies a subscription belongs to, come from
		// the registry, which has not answered since the service started:
		// neither "unlimited" nor "not found" would be true. watchLimits
		// logs why.
		return nil, errRegistryUnavailable
	}
	if !sc.all && (!known || (info.appAgency != sc.agency && info.apiOwner != sc.agency)) {
		// Not found rather than forbidden: other agencies' subscriptions
		// are not disclosed.
		return nil, errSubscriptionNotFound(id)
	}
	nowMS := s.clock().UnixMilli()
	period := s.cal.period(nowMS)
	var used int64
	err = s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT used FROM metering_quota_usage WHERE subscription_id = ? AND period = ?`), id, period).Scan(&used)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, s.internal(ctx, "GetQuotaState", err)
	}
	return &meteringv1.GetQuotaStateResponse{State: s.quotaState(id, period, used, info.limit, nowMS)}, nil
}
