package metering

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"

	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// bucketMode says how rollup buckets appear in a result.
type bucketMode int

const (
	perBucket bucketMode = iota // one row per stored bucket
	noBuckets                   // summed over the whole range
)

// usageQuery is a report over one rollup table. Every report, the CSV
// export included, goes through it, so filters and the caller's scope are
// applied in one place.
type usageQuery struct {
	table    string
	from, to int64 // bucket starts in [from, to)
	mode     bucketMode
	groupBy  []meteringv1.Dimension
	filter   *meteringv1.UsageFilter
	scope    scope
	withHist bool
	// byCount orders by request count, largest first, instead of by bucket
	// and group.
	byCount bool
	limit   int
	offset  int
}

var dimColumn = map[meteringv1.Dimension]string{
	meteringv1.Dimension_DIMENSION_API:              "k.api_id",
	meteringv1.Dimension_DIMENSION_API_VERSION:      "k.api_version",
	meteringv1.Dimension_DIMENSION_APPLICATION:      "k.application_id",
	meteringv1.Dimension_DIMENSION_AGENCY:           "k.agency_code",
	meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY: "k.api_owner_agency",
	meteringv1.Dimension_DIMENSION_STATUS_CLASS:     "k.status_class",
	meteringv1.Dimension_DIMENSION_SOURCE:           "k.source",
}

// resultRow is one row of a usage query.
type resultRow struct {
	bucket                int64
	d                     dims
	m                     measures
	client, server, gwErr int64
}

func (r *resultRow) merge(o *resultRow) {
	r.m.merge(&o.m)
	r.client += o.client
	r.server += o.server
	r.gwErr += o.gwErr
}

func (q *usageQuery) sql() (string, []any) {
	var sel, group []string
	var args []any
	switch q.mode {
	case perBucket:
		sel = append(sel, "u.bucket_ms AS b")
		group = append(group, "u.bucket_ms")
	case noBuckets:
		sel = append(sel, "0 AS b")
	}
	for _, d := range q.groupBy {
		sel = append(sel, dimColumn[d])
		group = append(group, dimColumn[d])
	}
	sel = append(sel,
		"CAST(SUM(u.request_count) AS BIGINT) AS n",
		"CAST(SUM(CASE WHEN k.status_class = 2 THEN u.request_count ELSE 0 END) AS BIGINT)",
		"CAST(SUM(CASE WHEN k.status_class = 3 THEN u.request_count ELSE 0 END) AS BIGINT)",
		"CAST(SUM(CASE WHEN k.status_class = 4 THEN u.request_count ELSE 0 END) AS BIGINT)",
		"CAST(SUM(u.bytes_in) AS BIGINT)",
		"CAST(SUM(u.bytes_out) AS BIGINT)",
		"CAST(SUM(u.latency_sum_us) AS BIGINT)",
	)
	if q.withHist {
		for _, h := range histColumns {
			sel = append(sel, "CAST(SUM(u."+h+") AS BIGINT)")
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "SELECT %s FROM %s u JOIN metering_keys k ON k.id = u.key_id WHERE u.bucket_ms >= ? AND u.bucket_ms < ?",
		strings.Join(sel, ", "), q.table)
	args = append(args, q.from, q.to)
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		fmt.Fprintf(&b, " AND %s IN (%s)", col, strings.TrimSuffix(strings.Repeat("?, ", len(vals)), ", "))
		for _, v := range vals {
			args = append(args, v)
		}
	}
	f := q.filter
	in("k.api_id", f.GetApiIds())
	in("k.api_version", f.GetApiVersions())
	in("k.application_id", f.GetApplicationIds())
	in("k.agency_code", f.GetAgencyCodes())
	in("k.api_owner_agency", f.GetApiOwnerAgencies())
	in("k.source", f.GetSources())
	if cs := f.GetStatusClasses(); len(cs) > 0 {
		parts := make([]string, len(cs))
		for i, c := range cs {
			parts[i] = strconv.Itoa(int(c))
		}
		fmt.Fprintf(&b, " AND k.status_class IN (%s)", strings.Join(parts, ", "))
	}
	if !q.scope.all {
		b.WriteString(" AND (k.agency_code = ? OR k.api_owner_agency = ?)")
		args = append(args, q.scope.agency, q.scope.agency)
	}
	if len(group) > 0 {
		b.WriteString(" GROUP BY " + strings.Join(group, ", "))
	}
	order := group
	if q.byCount {
		order = append([]string{"n DESC"}, group...)
	}
	if len(order) > 0 {
		b.WriteString(" ORDER BY " + strings.Join(order, ", "))
	}
	if q.limit > 0 {
		fmt.Fprintf(&b, " LIMIT %d OFFSET %d", q.limit, q.offset)
	}
	return b.String(), args
}

// run executes the query and calls fn for every row with a non-zero count.
func (q *usageQuery) run(ctx context.Context, s *Service, fn func(*resultRow) error) error {
	text, args := q.sql()
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(text), args...)
	if err != nil {
		return fmt.Errorf("metering: usage query: %w", err)
	}
	defer rows.Close()
	var r resultRow
	dest := []any{&r.bucket}
	for _, d := range q.groupBy {
		switch d {
		case meteringv1.Dimension_DIMENSION_API:
			dest = append(dest, &r.d.api)
		case meteringv1.Dimension_DIMENSION_API_VERSION:
			dest = append(dest, &r.d.version)
		case meteringv1.Dimension_DIMENSION_APPLICATION:
			dest = append(dest, &r.d.app)
		case meteringv1.Dimension_DIMENSION_AGENCY:
			dest = append(dest, &r.d.agency)
		case meteringv1.Dimension_DIMENSION_API_OWNER_AGENCY:
			dest = append(dest, &r.d.owner)
		case meteringv1.Dimension_DIMENSION_STATUS_CLASS:
			dest = append(dest, &r.d.class)
		case meteringv1.Dimension_DIMENSION_SOURCE:
			dest = append(dest, &r.d.source)
		}
	}
	var sums [7]sql.NullInt64
	for i := range sums {
		dest = append(dest, &sums[i])
	}
	var hs [histBuckets]sql.NullInt64
	if q.withHist {
		for i := range hs {
			dest = append(dest, &hs[i])
		}
	}
	for rows.Next() {
		r = resultRow{}
		if err := rows.Scan(dest...); err != nil {
			return fmt.Errorf("metering: usage query: %w", err)
		}
		r.m.count, r.client, r.server, r.gwErr = sums[0].Int64, sums[1].Int64, sums[2].Int64, sums[3].Int64
		r.m.bytesIn, r.m.bytesOut, r.m.latSum = sums[4].Int64, sums[5].Int64, sums[6].Int64
		for i := range hs {
			r.m.h[i] = hs[i].Int64
		}
		if r.m.count == 0 {
			continue
		}
		if err := fn(&r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("metering: usage query: %w", err)
	}
	return nil
}

// normaliseGroupBy drops duplicates and UNSPECIFIED, keeping request order.
func normaliseGroupBy(in []meteringv1.Dimension) []meteringv1.Dimension {
	var out []meteringv1.Dimension
	for _, d := range in {
		if _, ok := dimColumn[d]; ok && !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}
