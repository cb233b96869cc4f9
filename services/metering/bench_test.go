package metering

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/meterpub"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/natsx/natstest"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	meteringv1 "github.com/lgsp-vn/lgsp/proto/lgsp/metering/v1"
)

// BenchmarkIngest measures events counted per second through the real
// stream into SQLite (and PostgreSQL when LGSP_TEST_POSTGRES_DSN is set): b.N events are published beforehand (100 per message,
// as a batching gateway sends them, over 50 APIs x 40 applications and all
// status classes), then the consumer is timed from start until its cursor
// reaches the end of the stream.
func BenchmarkIngest(b *testing.B) {
	for _, engine := range sqltest.Engines {
		b.Run(engine, func(b *testing.B) { benchIngest(b, engine) })
	}
}

func benchIngest(b *testing.B, engine string) {
	ctx := context.Background()
	db := sqltest.Open(b, engine)
	_, bus := natstest.Start(b)
	if _, err := natsx.EnsureMeteringStream(ctx, bus.JS, natsx.StreamOptions{}); err != nil {
		b.Fatal(err)
	}
	const perMsg = 100
	t0 := time.Now().Add(-time.Hour)
	var futures []jetstream.PubAckFuture
	batch := make([]*meteringv1.Event, 0, perMsg)
	flush := func(seq int) {
		msg, err := meterpub.Message(meterpub.SourceGateway, &meteringv1.EventBatch{BatchId: fmt.Sprintf("bench-%d", seq), Events: batch})
		if err != nil {
			b.Fatal(err)
		}
		f, err := bus.JS.PublishMsgAsync(msg)
		if err != nil {
			b.Fatal(err)
		}
		futures = append(futures, f)
		batch = batch[:0]
	}
	for i := 0; i < b.N; i++ {
		ev := &meteringv1.Event{
			Id:             fmt.Sprintf("e%d", i),
			Time:           timestamppb.New(t0.Add(time.Duration(i%3000) * 100 * time.Millisecond)),
			ApiId:          fmt.Sprintf("api-%d", i%50),
			ApiVersion:     "1.0",
			ApplicationId:  fmt.Sprintf("app-%d", (i/50)%40),
			AgencyCode:     fmt.Sprintf("000.00.%02d.H30", (i/50)%40),
			ApiOwnerAgency: fmt.Sprintf("000.%02d.00.H30", i%50%10),
			SubscriptionId: fmt.Sprintf("sub-%d-%d", i%50, (i/50)%40),
			Status:         200,
			BytesIn:        512,
			BytesOut:       4096,
			LatencyUs:      int64(2000 + i*7919%400_000),
		}
		switch i % 20 {
		case 17:
			ev.Status = 404
		case 18:
			ev.Status = 503
		case 19:
			ev.Status, ev.ErrorCode = 429, "rate_limited"
		}
		batch = append(batch, ev)
		if len(batch) == perMsg {
			flush(i)
		}
	}
	if len(batch) > 0 {
		flush(b.N)
	}
	select {
	case <-bus.JS.PublishAsyncComplete():
	case <-time.After(5 * time.Minute):
		b.Fatal("publishing did not complete")
	}
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			b.Fatal(err)
		}
	}
	cfg := DefaultConfig()
	s, err := New(cfg, db, bus, nil, testLogger())
	if err != nil {
		b.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	want := uint64(len(futures))
	runCtx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)

	b.ResetTimer()
	start := time.Now()
	go func() { done <- s.Run(runCtx) }()
	for cursorOf(b, db) < want {
		time.Sleep(2 * time.Millisecond)
	}
	elapsed := time.Since(start)
	b.StopTimer()

	cancel()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if got := tableTotal(b, db, tableMinute); got != int64(b.N) {
		b.Fatalf("counted %d, want %d", got, b.N)
	}
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
}

// Year-report data set: one year (2025, local) of hourly rollups for 100
// APIs x 100 applications, with the day, month and year rollups ingest
// derives from them. Every hour each API is called by one application,
// rotating so that each of the 10,000 (API, application) pairs is active
// once every 100 hours, and one call pattern in ten also has a 5xx rollup:
// 963,600 hour rows, 963,600 day rows, about 132,000 month rows and 11,000
// year rows, 65 million requests in all.
const (
	yearAPIs  = 100
	yearApps  = 100
	pairsHour = 100
)

var yearDB struct {
	sync.Mutex
	urls map[string]string
	dir  string
}

// seededYear returns a database holding the year data set, seeding it on
// first use per engine; the SQLite file is kept for the whole run.
func seededYear(b *testing.B, engine string) *sqlstore.DB {
	yearDB.Lock()
	defer yearDB.Unlock()
	if yearDB.urls == nil {
		yearDB.urls = map[string]string{}
	}
	if u, ok := yearDB.urls[engine]; ok && engine == sqltest.SQLite {
		return sqltest.OpenURL(b, u)
	}
	var url string
	switch engine {
	case sqltest.SQLite:
		if yearDB.dir == "" {
			d, err := os.MkdirTemp("", "lgsp-metering-bench-*")
			if err != nil {
				b.Fatal(err)
			}
			yearDB.dir = d
		}
		url = "sqlite:" + filepath.Join(yearDB.dir, "year.db")
	default:
		// A schema dropped when this benchmark ends; it is seeded again
		// for every -count.
		url = sqltest.URL(b, engine)
	}
	db := sqltest.OpenURL(b, url)
	seed(b, db)
	yearDB.urls[engine] = url
	return db
}

func seed(b *testing.B, db *sqlstore.DB) {
	ctx := context.Background()
	began := time.Now()
	if err := db.Migrate(ctx, migrationsFS(), "metering"); err != nil {
		b.Fatal(err)
	}
	cal, err := newCalendar("Asia/Ho_Chi_Minh")
	if err != nil {
		b.Fatal(err)
	}
	st, err := prepareStore(ctx, db)
	if err != nil {
		b.Fatal(err)
	}
	defer st.close()

	// Keys: pair p = api*yearApps + app; id 2p+1 is its 2xx key and 2p+2
	// its 5xx key. APIs belong to 20 owner agencies, applications to 30
	// consumer agencies.
	err = db.InTx(ctx, func(tx *sql.Tx) error {
		const per = 500
		var args []any
		n := 0
		flush := func() error {
			if n == 0 {
				return nil
			}
			q := "INSERT INTO metering_keys (id, api_id, api_version, application_id, agency_code, api_owner_agency, source, status_class) VALUES " +
				strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?), ", n), ", ")
			_, err := tx.ExecContext(ctx, db.Rebind(q), args...)
			args, n = args[:0], 0
			return err
		}
		for p := 0; p < yearAPIs*yearApps; p++ {
			api, app := p/yearApps, p%yearApps
			for c, class := range []int32{1, 3} {
				args = append(args, int64(2*p+1+c), fmt.Sprintf("api-%03d", api), "1.0", fmt.Sprintf("app-%03d", app),
					fmt.Sprintf("000.00.%02d.H30", app%30), fmt.Sprintf("000.%02d.00.H30", api%20), "gateway", class)
				if n++; n == per {
					if err := flush(); err != nil {
						return err
					}
				}
			}
		}
		return flush()
	})
	if err != nil {
		b.Fatal(err)
	}

	write := func(table string, m map[bucketKey]*measures) {
		rows := make([]rollupRow, 0, len(m))
		for k, v := range m {
			rows = append(rows, rollupRow{bucket: k.bucket, key: k.key, m: v})
		}
		slices.SortFunc(rows, func(a, b rollupRow) int {
			if a.bucket != b.bucket {
				return cmp.Compare(a.bucket, b.bucket)
			}
			return cmp.Compare(a.key, b.key)
		})
		if err := db.InTx(ctx, func(tx *sql.Tx) error { return st.writeRollups(ctx, tx, table, rows) }); err != nil {
			b.Fatal(err)
		}
	}
	add := func(m map[bucketKey]*measures, k bucketKey, v *measures) {
		if acc := m[k]; acc != nil {
			acc.merge(v)
		} else {
			c := *v
			m[k] = &c
		}
	}
	month := map[bucketKey]*measures{}
	year := map[bucketKey]*measures{}
	yearMS := cal.yearStart(2025)
	curMonth := int64(-1)
	first := time.Date(2025, 1, 1, 0, 0, 0, 0, cal.loc)
	hourIdx := 0
	var total int64
	for d := 0; d < 365; d++ {
		dayStart := first.AddDate(0, 0, d)
		dayMS := dayStart.UnixMilli()
		if m := cal.month(dayMS); m != curMonth {
			if curMonth >= 0 {
				write(tableMonth, month)
				month = map[bucketKey]*measures{}
			}
			curMonth = m
		}
		hours := map[bucketKey]*measures{}
		day := map[bucketKey]*measures{}
		for h := 0; h < 24; h, hourIdx = h+1, hourIdx+1 {
			hourMS := dayStart.Add(time.Duration(h) * time.Hour).UnixMilli()
			for j := 0; j < pairsHour; j++ {
				p := j*yearApps + (hourIdx+7*j)%yearApps
				n := int64(50 + (hourIdx+j)%50)
				ok := &measures{count: n, bytesIn: 512 * n, bytesOut: 4096 * n, latSum: 80_000 * n}
				ok.h[36+j%5] = n
				rows := []struct {
					key int64
					m   *measures
				}{{int64(2*p + 1), ok}}
				if j%10 == 0 {
					bad := &measures{count: 2, bytesIn: 1024, bytesOut: 256, latSum: 2 * 30_000_000}
					bad.h[54] = 2
					rows = append(rows, struct {
						key int64
						m   *measures
					}{int64(2*p + 2), bad})
				}
				for _, r := range rows {
					total += r.m.count
					hours[bucketKey{hourMS, r.key}] = r.m
					add(day, bucketKey{dayMS, r.key}, r.m)
					add(month, bucketKey{curMonth, r.key}, r.m)
					add(year, bucketKey{yearMS, r.key}, r.m)
				}
			}
		}
		write(tableHour, hours)
		write(tableDay, day)
	}
	write(tableMonth, month)
	write(tableYear, year)
	if db.Dialect == sqlstore.Postgres {
		// Bulk-loaded tables have no planner statistics until autovacuum
		// gets to them; a production database has them.
		if _, err := db.ExecContext(ctx, "ANALYZE"); err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("seeded %s: %d requests in 365 days of hourly rollups in %v", db.Dialect, total, time.Since(began).Round(time.Second))
}

// BenchmarkYearReport runs reports over the year data set.
func BenchmarkYearReport(b *testing.B) {
	year := struct{ from, to *timestamppb.Timestamp }{
		timestamppb.New(time.Date(2025, 1, 1, 0, 0, 0, 0, hcm)),
		timestamppb.New(time.Date(2026, 1, 1, 0, 0, 0, 0, hcm)),
	}
	reports := []struct {
		name string
		run  func(g *grpcServer) (int, error)
	}{
		{"QueryUsage/year-by-api-monthly", func(g *grpcServer) (int, error) {
			r, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{StartTime: year.from, EndTime: year.to,
				Granularity: meteringv1.Granularity_GRANULARITY_MONTH, PageSize: 10000,
				GroupBy: []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_API}})
			return len(r.GetRows()), err
		}},
		{"QueryUsage/year-by-api-monthly-skip-latency", func(g *grpcServer) (int, error) {
			r, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{StartTime: year.from, EndTime: year.to,
				Granularity: meteringv1.Granularity_GRANULARITY_MONTH, PageSize: 10000, SkipLatency: true,
				GroupBy: []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_API}})
			return len(r.GetRows()), err
		}},
		{"QueryUsage/year-total-by-agency", func(g *grpcServer) (int, error) {
			r, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{StartTime: year.from, EndTime: year.to,
				Granularity: meteringv1.Granularity_GRANULARITY_YEAR,
				GroupBy:     []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_AGENCY}})
			return len(r.GetRows()), err
		}},
		{"AgencyYearTotals", func(g *grpcServer) (int, error) {
			r, err := g.AgencyYearTotals(admin(), &meteringv1.AgencyYearTotalsRequest{Year: 2025})
			return len(r.GetAgencies()), err
		}},
		{"TopConsumers", func(g *grpcServer) (int, error) {
			r, err := g.TopConsumers(admin(), &meteringv1.TopConsumersRequest{StartTime: year.from, EndTime: year.to, Limit: 10})
			return len(r.GetConsumers()), err
		}},
		{"TopApis", func(g *grpcServer) (int, error) {
			r, err := g.TopApis(admin(), &meteringv1.TopApisRequest{StartTime: year.from, EndTime: year.to, Limit: 10})
			return len(r.GetApis()), err
		}},
		{"QueryUsage/agency-user-year-by-api", func(g *grpcServer) (int, error) {
			r, err := g.QueryUsage(asPrincipal(authn.RoleAgencyDeveloper, "000.00.07.H30"), &meteringv1.QueryUsageRequest{StartTime: year.from, EndTime: year.to,
				Granularity: meteringv1.Granularity_GRANULARITY_YEAR,
				GroupBy:     []meteringv1.Dimension{meteringv1.Dimension_DIMENSION_API}})
			return len(r.GetRows()), err
		}},
		{"QueryUsage/one-api-hourly-one-month", func(g *grpcServer) (int, error) {
			r, err := g.QueryUsage(admin(), &meteringv1.QueryUsageRequest{
				StartTime: timestamppb.New(time.Date(2025, 6, 1, 0, 0, 0, 0, hcm)), EndTime: timestamppb.New(time.Date(2025, 7, 1, 0, 0, 0, 0, hcm)),
				Granularity: meteringv1.Granularity_GRANULARITY_HOUR, PageSize: 10000,
				Filter: &meteringv1.UsageFilter{ApiIds: []string{"api-042"}}})
			return len(r.GetRows()), err
		}},
	}
	for _, engine := range sqltest.Engines {
		b.Run(engine, func(b *testing.B) {
			if engine == sqltest.Postgres && os.Getenv(sqltest.EnvPostgresDSN) == "" {
				b.Skip("PostgreSQL leg needs " + sqltest.EnvPostgresDSN)
			}
			db := seededYear(b, engine)
			for _, rep := range reports {
				b.Run(rep.name, func(b *testing.B) {
					s, err := New(DefaultConfig(), db, &natsx.Bus{}, nil, testLogger())
					if err != nil {
						b.Fatal(err)
					}
					g := &grpcServer{s: s}
					b.ResetTimer()
					began := time.Now()
					var rows int
					for i := 0; i < b.N; i++ {
						if rows, err = rep.run(g); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(time.Since(began).Microseconds())/1000/float64(b.N), "ms/op")
					b.ReportMetric(float64(rows), "rows")
				})
			}
		})
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if yearDB.dir != "" {
		os.RemoveAll(yearDB.dir)
	}
	os.Exit(code)
}
