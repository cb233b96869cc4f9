package metering

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// CSVPath is where the lead mounts CSVHandler on the admin listener.
const CSVPath = "/admin/v1/metering/usage.csv"

// csvFlushRows is how many rows are buffered before a flush to the client.
const csvFlushRows = 500

// CSVHandler serves GET /admin/v1/metering/usage.csv: the rows QueryUsage
// would return for the same query parameters (start_time, end_time,
// granularity, group_by, filter.*, total, skip_latency), all of them,
// streamed without paging. Mount it behind the admin authentication
// middleware; it applies the same authorisation as the gRPC and REST
// reports.
//
// The query reads as the REST report's does (params.go): enum values by
// their short names in any case (granularity=day, group_by=api), and
// start_time and end_time as plain dates (2026-01-01) or local times
// without an offset in the service's time zone, besides RFC 3339. Every
// bucket that overlaps the range is exported. granularity defaults to day.
// The X-LGSP-Time-Zone header names the zone.
//
// Columns: bucket_start (the bucket's local start, RFC 3339 with the
// offset) and time_zone (the zone's IANA name), both absent when
// total=true, the grouped dimensions in request order, then request_count,
// error_count, client_error_count, server_error_count, gateway_error_count,
// error_rate, bytes_in, bytes_out, latency_mean_us, latency_p50_us,
// latency_p95_us, latency_p99_us.
func (s *Service) CSVHandler() http.Handler {
	return http.HandlerFunc(s.serveCSV)
}

func (s *Service) serveCSV(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		writeCSVMethodError(w, r)
		return
	}
	ctx := r.Context()
	sc, err := reportScope(ctx)
	if err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	req := &meteringv1.QueryUsageRequest{}
	if err := s.readQuery(r, req, usageParams, csvGranularity); err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	q, err := s.buildUsageQuery(req, sc)
	if err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}

	zone := s.cal.loc.String()
	header := []string{}
	if q.mode != noBuckets {
		header = append(header, "bucket_start", "time_zone")
	}
	for _, d := range q.groupBy {
		header = append(header, strings.ToLower(strings.TrimPrefix(d.String(), "DIMENSION_")))
	}
	header = append(header, "request_count", "error_count", "client_error_count", "server_error_count", "gateway_error_count",
		"error_rate", "bytes_in", "bytes_out", "latency_mean_us", "latency_p50_us", "latency_p95_us", "latency_p99_us")

	filename := fmt.Sprintf("lgsp-usage-%s-%s.csv",
		time.UnixMilli(q.from).In(s.cal.loc).Format("20060102T1504"), time.UnixMilli(q.to).In(s.cal.loc).Format("20060102T1504"))
	cw := csv.NewWriter(w)
	flusher, _ := w.(http.Flusher)
	// The response starts with the first row (or after an empty result), so
	// that a query that fails at once still gets a proper error status.
	started := false
	start := func() error {
		started = true
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set(TimeZoneHeader, zone)
		w.WriteHeader(http.StatusOK)
		return cw.Write(header)
	}
	if r.Method == http.MethodHead {
		_ = start()
		return
	}
	n := 0
	rec := make([]string, 0, len(header))
	err = q.run(ctx, s, func(row *resultRow) error {
		if !started {
			if err := start(); err != nil {
				return err
			}
		}
		rec = rec[:0]
		if q.mode != noBuckets {
			rec = append(rec, time.UnixMilli(row.bucket).In(s.cal.loc).Format(time.RFC3339), zone)
		}
		for _, d := range q.groupBy {
			if d == meteringv1.Dimension_DIMENSION_STATUS_CLASS {
				rec = append(rec, statusClassLabel(meteringv1.StatusClass(row.d.class)))
				continue
			}
			rec = append(rec, dimValue(d, &row.d))
		}
		t := totalsOf(row, q.withHist)
		i := strconv.FormatInt
		rec = append(rec, i(t.RequestCount, 10), i(t.ErrorCount, 10), i(t.ClientErrorCount, 10), i(t.ServerErrorCount, 10),
			i(t.GatewayErrorCount, 10), strconv.FormatFloat(t.ErrorRate, 'f', 6, 64), i(t.BytesIn, 10), i(t.BytesOut, 10),
			i(t.LatencyMeanUs, 10), i(t.LatencyP50Us, 10), i(t.LatencyP95Us, 10), i(t.LatencyP99Us, 10))
		if err := cw.Write(rec); err != nil {
			return err
		}
		if n++; n%csvFlushRows == 0 {
			cw.Flush()
			if flusher != nil {
				flusher.Flush()
			}
		}
		return cw.Error()
	})
	switch {
	case err != nil && !started:
		apierr.WriteJSON(w, r, s.internal(ctx, "CSV export", err))
		return
	case err != nil:
		// The status line is gone; a truncated body and the log are all
		// that is left to signal the failure.
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "metering: CSV export failed", "err", err, "rows", n)
		}
	case !started:
		_ = start()
	}
	cw.Flush()
}

// statusClassLabel is the CSV spelling of a status class.
func statusClassLabel(c meteringv1.StatusClass) string {
	switch c {
	case meteringv1.StatusClass_STATUS_CLASS_SUCCESS:
		return "2xx"
	case meteringv1.StatusClass_STATUS_CLASS_CLIENT_ERROR:
		return "4xx"
	case meteringv1.StatusClass_STATUS_CLASS_SERVER_ERROR:
		return "5xx"
	case meteringv1.StatusClass_STATUS_CLASS_GATEWAY_ERROR:
		return "gateway_error"
	}
	return ""
}
