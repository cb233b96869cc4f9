package onestop

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// StatisticsCSVPath serves GetStatistics as CSV, with the same query
// parameters as the REST call (agency, level, by, from, to).
const StatisticsCSVPath = "/admin/v1/onestop/statistics.csv"

// statsQuery is a validated statistics request.
type statsQuery struct {
	agency, level, by string
	from, to          time.Time
}

// statsRow is one agency's counts.
type statsRow struct {
	Agency, Level                                            string
	Received, Finished, Early, OnTime, Late, Overdue, Closed int64
}

func (r statsRow) inProgress() int64 { return r.Received - r.Finished - r.Closed - r.Overdue }

// onTimeRate is (early + on time) / finished, in percent.
func (r statsRow) onTimeRate() float64 {
	if r.Finished == 0 {
		return 0
	}
	return float64(r.Early+r.OnTime) * 100 / float64(r.Finished)
}

// resolveStats fills the defaults (this year, by receiving agency) and
// checks the period.
func (s *Service) resolveStats(q statsQuery) (statsQuery, error) {
	switch q.by {
	case "":
		q.by = "receiving"
	case "receiving", "handling":
	default:
		return q, errBadBy
	}
	if q.from.IsZero() {
		now := s.now().In(hcm)
		q.from = time.Date(now.Year(), 1, 1, 0, 0, 0, 0, hcm)
	}
	if q.to.IsZero() {
		q.to = q.from.In(hcm).AddDate(1, 0, 0)
		if q.from.Before(time.Date(s.now().In(hcm).Year(), 1, 1, 0, 0, 0, 0, hcm)) {
			q.to = s.now().Add(time.Millisecond)
		}
	}
	if !q.to.After(q.from) || q.to.Sub(q.from) > 10*366*24*time.Hour {
		return q, errBadPeriod
	}
	return q, nil
}

// statistics counts the dossiers received in [from, to) per agency.
// An agency's caller sees its own row only.
func (s *Service) statistics(ctx context.Context, c caller, q statsQuery) ([]statsRow, error) {
	col := "d.receiving_agency"
	if q.by == "handling" {
		col = "d.handling_agency"
	}
	now := s.now().UnixMilli()
	// Aggregate per agency first, then join the units: joining 250,000
	// rows before grouping them costs SQLite three times as much.
	inner := `SELECT ` + col + ` AS agency, COUNT(*) AS received,
		CAST(COALESCE(SUM(CASE WHEN d.finished_ms > 0 THEN 1 ELSE 0 END), 0) AS BIGINT) AS finished,
		CAST(COALESCE(SUM(CASE WHEN d.timeliness = 'early' THEN 1 ELSE 0 END), 0) AS BIGINT) AS early,
		CAST(COALESCE(SUM(CASE WHEN d.timeliness = 'on_time' THEN 1 ELSE 0 END), 0) AS BIGINT) AS on_time,
		CAST(COALESCE(SUM(CASE WHEN d.timeliness = 'late' THEN 1 ELSE 0 END), 0) AS BIGINT) AS late,
		CAST(COALESCE(SUM(CASE WHEN d.finished_ms = 0 AND d.status IN (2, 4) AND d.due_ms > 0 AND d.due_ms < ? THEN 1 ELSE 0 END), 0) AS BIGINT) AS overdue,
		CAST(COALESCE(SUM(CASE WHEN d.status IN (3, 7, 8) THEN 1 ELSE 0 END), 0) AS BIGINT) AS closed
		FROM onestop_dossiers d WHERE d.received_ms >= ? AND d.received_ms < ?`
	args := []any{now, q.from.UnixMilli(), q.to.UnixMilli()}
	agency := q.agency
	if !c.overseer {
		if agency != "" && agency != c.agency {
			return nil, errForbidden
		}
		agency = c.agency
	}
	if agency != "" {
		inner += ` AND ` + col + ` = ?`
		args = append(args, agency)
	}
	inner += ` GROUP BY ` + col
	query := `SELECT a.agency, COALESCE(u.level, ''), a.received, a.finished, a.early, a.on_time, a.late, a.overdue, a.closed
		FROM (` + inner + `) a LEFT JOIN onestop_units u ON u.agency = a.agency`
	if q.level != "" {
		if s.cfg.level(q.level) < 0 {
			return nil, errBadLevel
		}
		query += ` WHERE u.level = ?`
		args = append(args, q.level)
	}
	query += ` ORDER BY a.agency`
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []statsRow
	for rows.Next() {
		var r statsRow
		if err := rows.Scan(&r.Agency, &r.Level, &r.Received, &r.Finished, &r.Early, &r.OnTime, &r.Late, &r.Overdue, &r.Closed); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// total adds the rows up.
func total(rows []statsRow) statsRow {
	var t statsRow
	for _, r := range rows {
		t.Received += r.Received
		t.Finished += r.Finished
		t.Early += r.Early
		t.OnTime += r.OnTime
		t.Late += r.Late
		t.Overdue += r.Overdue
		t.Closed += r.Closed
	}
	return t
}

// serveStatisticsCSV answers GET /admin/v1/onestop/statistics.csv.
func (s *Service) serveStatisticsCSV(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	c, err := asReader(ctx, "GetStatistics")
	if err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	v := r.URL.Query()
	q := statsQuery{agency: v.Get("agency"), level: v.Get("level"), by: v.Get("by")}
	for _, p := range []struct {
		name string
		dst  *time.Time
	}{{"from", &q.from}, {"to", &q.to}} {
		if raw := v.Get(p.name); raw != "" {
			t, err := parseDateParam(raw)
			if err != nil {
				apierr.WriteJSON(w, r, apierr.Invalid(p.name, "invalid_date",
					"dates are YYYY-MM-DD (Asia/Ho_Chi_Minh) or RFC 3339", "ngày có dạng YYYY-MM-DD (giờ Việt Nam) hoặc RFC 3339"))
				return
			}
			*p.dst = t
		}
	}
	q, err = s.resolveStats(q)
	if err != nil {
		apierr.WriteJSON(w, r, err)
		return
	}
	rows, err := s.statistics(ctx, c, q)
	if err != nil {
		apierr.WriteJSON(w, r, toAPI(err))
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="lgsp-onestop-%s-%s.csv"`,
		q.from.In(hcm).Format("20060102"), q.to.In(hcm).Format("20060102")))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"agency", "level", "received", "finished", "early", "on_time", "late", "overdue_now", "in_progress", "closed_unfinished", "on_time_rate"})
	write := func(r statsRow) {
		_ = cw.Write([]string{r.Agency, r.Level, i64(r.Received), i64(r.Finished), i64(r.Early), i64(r.OnTime), i64(r.Late),
			i64(r.Overdue), i64(r.inProgress()), i64(r.Closed), strconv.FormatFloat(r.onTimeRate(), 'f', 2, 64)})
	}
	for _, row := range rows {
		write(row)
	}
	t := total(rows)
	t.Agency = "TOTAL"
	write(t)
	cw.Flush()
}

func i64(n int64) string { return strconv.FormatInt(n, 10) }

// parseDateParam reads YYYY-MM-DD (midnight in Asia/Ho_Chi_Minh) or RFC 3339.
func parseDateParam(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.ParseInLocation("2006-01-02", s, hcm); err == nil {
		return t, nil
	}
	return time.Parse(time.RFC3339, s)
}
