package onestop

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	"github.com/lgsp-vn/lgsp/platform/workday"
	pb "github.com/lgsp-vn/lgsp/proto/lgsp/onestop/v1"
)

// The benchmarks run the service as the tests do (newEnv): a real
// registry, the embedded NATS, the database of the engine and the portal
// simulator in process, with the sync to it on. newEnv starts from
// DefaultConfig and changes three settings: SyncEvery 20 ms (1 s), which
// only paces the outbox when no commit woke it, SyncMaxBackoff 200 ms
// (5 min) and PortalTimeout 2 s (30 s), which only matter when the portal
// fails. Everything else is what ships: group commit of up to 64 changes,
// SyncBatch 100, the event loop publishing every trail entry to NATS. The
// simulator's own work counts in the figures, as it runs in the process.
//
// Run them one at a time on a quiet machine, as `make bench-onestop` does:
//
//	go test ./services/onestop -run '^$' -bench '^BenchmarkChangeStatus$' -benchtime 30000x
//	go test ./services/onestop -run '^$' -bench '^BenchmarkStatisticsYear$' -benchtime 5x
//
// with LGSP_TEST_POSTGRES_DSN set for the PostgreSQL legs.

// benchCallers is the number of concurrent callers of BenchmarkChangeStatus:
// the one-stop software of a province's units, each with requests in flight.
const benchCallers = 32

// benchChangesPerDossier is how many status changes each pre-created
// dossier gets on average: a dossier's trail and body grow with every
// change, and ChangeStatus answers the dossier with its trail, so the pool
// grows with b.N to keep each dossier's history realistic (a few
// supplement rounds) whatever the run's length.
const benchChangesPerDossier = 8

// skipWithoutPostgres skips the PostgreSQL leg of a benchmark cleanly when
// no database is given (sqltest would fail it under CI).
func skipWithoutPostgres(b *testing.B, engine string) {
	b.Helper()
	if engine == sqltest.Postgres && strings.TrimSpace(os.Getenv(sqltest.EnvPostgresDSN)) == "" {
		b.Skipf("%s is not set: the PostgreSQL leg needs a database, e.g. postgres://user:password@127.0.0.1:5432/lgsp_test?sslmode=disable", sqltest.EnvPostgresDSN)
	}
}

// BenchmarkChangeStatus measures status updates per second with the sync
// outbox on: benchCallers goroutines, each cycling its own dossiers between
// processing (4) and supplement requested (5), a legal cycle, through the
// gRPC server as the gateway calls it. Every update commits the dossier,
// its trail entry and its outbox item in one (group) transaction, and the
// sync delivers it to the portal simulator meanwhile. sync_drain_ms is how
// long the outbox took to empty once the updates stopped (not timed).
func BenchmarkChangeStatus(b *testing.B) {
	for _, engine := range sqltest.Engines {
		b.Run(engine, func(b *testing.B) {
			skipWithoutPostgres(b, engine)
			e := newEnv(b, sqltest.Open(b, engine))
			par := max(1, benchCallers/runtime.GOMAXPROCS(0))
			callers := par * runtime.GOMAXPROCS(0)
			perCaller := max(1, (b.N+callers*benchChangesPerDossier-1)/(callers*benchChangesPerDossier))
			pools := e.processingPools(callers, perCaller)
			e.waitQuiet(time.Minute)

			var next atomic.Int64
			b.SetParallelism(par)
			b.ResetTimer()
			b.RunParallel(func(p *testing.PB) {
				pool := pools[next.Add(1)-1]
				status := make([]int32, len(pool))
				for i := range status {
					status[i] = stProcessing
				}
				ctx := as(commune1)
				i := 0
				for p.Next() {
					to, note := int32(stSupplement), "Đề nghị bổ sung bản sao giấy chứng sinh"
					if status[i] == stSupplement {
						to, note = stProcessing, "Công dân đã bổ sung hồ sơ"
					}
					_, err := e.api.ChangeStatus(ctx, &pb.ChangeStatusRequest{Code: pool[i], Status: to, Note: note,
						Actor: &pb.Actor{Name: "Nguyễn Văn An", Title: "Công chức tư pháp - hộ tịch", Department: "Bộ phận một cửa"}})
					if err != nil {
						b.Errorf("ChangeStatus %s → %d: %v", pool[i], to, err)
						return
					}
					status[i] = to
					i = (i + 1) % len(pool)
				}
			})
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "updates/s")
			t0 := time.Now()
			e.waitQuiet(5 * time.Minute)
			b.ReportMetric(float64(time.Since(t0).Milliseconds()), "sync_drain_ms")
		})
	}
}

// processingPools creates callers×perCaller dossiers at commune1 and moves
// each to processing (4), with concurrent callers as the load will be,
// and returns each caller's codes.
func (e *env) processingPools(callers, perCaller int) [][]string {
	e.t.Helper()
	pools := make([][]string, callers)
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx := as(commune1)
			for range perCaller {
				resp, err := e.api.CreateDossier(ctx, &pb.CreateDossierRequest{ProcedureCode: procCode, Applicant: citizen(), Summary: "Đăng ký khai sinh cho con"})
				if err != nil {
					errs <- fmt.Errorf("create: %w", err)
					return
				}
				code := resp.GetDossier().GetCode()
				if _, err := e.api.ChangeStatus(ctx, &pb.ChangeStatusRequest{Code: code, Status: stProcessing, Note: "Thụ lý"}); err != nil {
					errs <- fmt.Errorf("status 4: %w", err)
					return
				}
				pools[c] = append(pools[c], code)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		e.t.Fatal(err)
	}
	return pools
}

// waitQuiet waits until the sync outbox has nothing pending and every
// trail entry is published, so that a timed part starts from a quiet
// service.
func (e *env) waitQuiet(within time.Duration) {
	e.t.Helper()
	deadline := time.Now().Add(within)
	for {
		var pending, unpublished int64
		err := e.db.QueryRowContext(context.Background(), `SELECT
			(SELECT COUNT(*) FROM onestop_sync WHERE state = 'pending'),
			(SELECT COUNT(*) FROM onestop_trail WHERE NOT published)`).Scan(&pending, &unpublished)
		if err != nil {
			e.t.Fatal(err)
		}
		if pending == 0 && unpublished == 0 {
			return
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("after %s: %d changes still pending for the portal, %d events unpublished", within, pending, unpublished)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// statsDossiers is one year of a province's dossiers.
const statsDossiers = 250_000

// The province of BenchmarkStatisticsYear: five communes under two
// districts, and the province; each unit receives dossiers in proportion
// to its weight.
var statsUnits = []struct {
	agency, level, parent string
	weight                int
}{
	{commune1, "commune", district, 10},
	{commune2, "commune", district, 10},
	{"000.03.14.H56", "commune", district, 10},
	{"000.01.15.H56", "commune", otherDis, 10},
	{"000.02.15.H56", "commune", otherDis, 10},
	{district, "district", province, 20},
	{otherDis, "district", province, 20},
	{province, "province", "", 10},
}

// BenchmarkStatisticsYear times GetStatistics over the last twelve months
// of a province's 250,000 dossiers, for the province (an overseer, every
// unit), by receiving and by handling agency. The dossiers are written
// with direct INSERTs into onestop_dossiers and onestop_access (the
// columns the service writes, in transactions of 10,000), not through the
// API, which would take far longer to load than to measure; the trail and
// the sync outbox, which the statistics do not read, are left empty.
func BenchmarkStatisticsYear(b *testing.B) {
	for _, engine := range sqltest.Engines {
		b.Run(engine, func(b *testing.B) {
			skipWithoutPostgres(b, engine)
			e := newEnv(b, sqltest.Open(b, engine))
			known := map[string]bool{commune1: true, commune2: true, district: true, province: true, otherDis: true}
			for _, u := range statsUnits {
				if !known[u.agency] {
					e.reg.Agency(u.agency)
				}
				if _, err := e.api.PutUnit(admin(), &pb.PutUnitRequest{Agency: u.agency, Level: u.level}); err != nil {
					b.Fatalf("unit %s: %v", u.agency, err)
				}
			}
			now := time.Now()
			from, to := now.AddDate(-1, 0, 0), now
			t0 := time.Now()
			mix := e.loadYear(from, to, statsDossiers)
			b.Logf("%s: %d dossiers loaded in %s: %s", engine, statsDossiers, time.Since(t0).Round(time.Millisecond), mix)
			if e.db.Dialect == sqlstore.Postgres {
				// The planner's statistics, as autovacuum would have them
				// for a table filled over a year.
				if _, err := e.db.ExecContext(context.Background(), `ANALYZE onestop_dossiers`); err != nil {
					b.Fatal(err)
				}
			}
			for _, by := range []string{"receiving", "handling"} {
				b.Run("by="+by, func(b *testing.B) {
					req := &pb.GetStatisticsRequest{By: by, From: tsOf(from), To: tsOf(to)}
					var resp *pb.GetStatisticsResponse
					for b.Loop() {
						var err error
						if resp, err = e.api.GetStatistics(auditor(), req); err != nil {
							b.Fatal(err)
						}
					}
					if got := resp.GetTotal().GetReceived(); got != statsDossiers || len(resp.GetRows()) != len(statsUnits) {
						b.Fatalf("statistics: %d dossiers in %d rows, want %d in %d", got, len(resp.GetRows()), statsDossiers, len(statsUnits))
					}
				})
			}
		})
	}
}

// yearMix counts the dossiers loadYear wrote by what became of them.
type yearMix struct {
	early, onTime, late, overdue, inProgress, paused, closed int
}

func (m yearMix) String() string {
	return fmt.Sprintf("finished early %d, on time %d, late %d; overdue %d; in progress %d (paused %d); closed unfinished %d",
		m.early, m.onTime, m.late, m.overdue, m.inProgress, m.paused, m.closed)
}

// loadYear writes n dossiers received in [from, to) as the service would
// have left them: due after the procedure's working days by the service's
// calendar; most finished (early, on time or late) and returned; some
// refused, withdrawn or stopped; those received in the last weeks still
// in progress (received, processing, paused for a supplement); a few
// older ones overdue (already notified, as the overdue loop would have
// them). A quarter of the communes' and districts' dossiers were
// transferred to the level above, which handles them.
func (e *env) loadYear(from, to time.Time, n int) yearMix {
	e.t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(2026, 250_000))
	cal, span := e.s.cal(), to.Sub(from)
	total := 0
	for _, u := range statsUnits {
		total += u.weight
	}
	seq := map[string]int64{}
	var mix yearMix
	const perStatement, perTx = 100, 10_000
	dossierSQL := `INSERT INTO onestop_dossiers (` + dossierColumns + `) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", perStatement), ", ")
	accessSQL := `INSERT INTO onestop_access (agency, code) VALUES ` +
		strings.TrimSuffix(strings.Repeat("(?, ?), ", 2*perStatement), ", ")
	for done := 0; done < n; done += perTx {
		err := e.db.InTx(ctx, func(tx *sql.Tx) error {
			for stmt := 0; stmt < perTx && done+stmt < n; stmt += perStatement {
				var rows, access []any
				for range perStatement {
					d := e.yearDossier(rng, cal, from, span, total, seq, &mix)
					raw, err := json.Marshal(d.Body)
					if err != nil {
						return err
					}
					rows = append(rows, d.Code, d.RequestKey, d.Receiving, d.Handling, d.Level, d.Procedure, d.Status,
						ms(d.Received), ms(d.Due), d.PausedDays, ms(d.Finished), ms(d.Returned), d.Timeliness, d.OverdueNotified,
						d.SyncVersion, d.SyncBlocked, d.TrailSeq, string(raw), ms(d.Created), ms(d.Updated))
					// The receiving agency always sees it; after a
					// transfer the handling one too. A dossier not
					// transferred repeats its row, which the conflict
					// clause skips.
					access = append(access, d.Receiving, d.Code, d.Handling, d.Code)
				}
				if _, err := tx.ExecContext(ctx, e.db.Rebind(dossierSQL), rows...); err != nil {
					return err
				}
				if _, err := tx.ExecContext(ctx, e.db.Rebind(accessSQL+` ON CONFLICT (agency, code) DO NOTHING`), access...); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			e.t.Fatalf("loading dossiers: %v", err)
		}
	}
	return mix
}

// yearDossier draws one dossier of the year.
func (e *env) yearDossier(rng *rand.Rand, cal *workday.Calendar, from time.Time, span time.Duration, total int, seq map[string]int64, mix *yearMix) *dossier {
	w := rng.IntN(total)
	u := statsUnits[0]
	for _, x := range statsUnits {
		if w < x.weight {
			u = x
			break
		}
		w -= x.weight
	}
	received := from.Add(time.Duration(rng.Int64N(int64(span)))).Truncate(time.Millisecond)
	day := received.In(hcm).Format("060102")
	seq[u.agency+day]++
	days := []int{1, 3, 5, 7, 10, 15, 20}[rng.IntN(7)]
	d := &dossier{
		Code: formatCode(u.agency, received, seq[u.agency+day]), Receiving: u.agency, Handling: u.agency, Level: u.level,
		Procedure: procCode, Status: stReturned, Received: received, PausedDays: -1,
		Due: cal.AddWorkingDays(received, days, e.s.dayEnds), SyncVersion: 4, TrailSeq: 4,
		Body: body{ProcedureName: "Đăng ký khai sinh", FieldCode: "HT", FieldName: "Hộ tịch", HandlingName: "",
			Applicant: applicant{Kind: 1, ID: fmt.Sprintf("056%09d", rng.IntN(1_000_000_000)), Name: "Nguyễn Thị Lan", Phone: "0901234567",
				Address: "Thôn 3, xã Ninh Phụng, thị xã Ninh Hòa, tỉnh Khánh Hòa"},
			Summary: "Đăng ký khai sinh cho con", Channel: 1 + rng.IntN(2), ReceiptNumber: fmt.Sprintf("BN-%d", rng.IntN(1_000_000)),
			Documents: []document{{Name: "Tờ khai đăng ký khai sinh"}, {Name: "Giấy chứng sinh"}}},
		Created: received, Updated: received,
	}
	if u.parent != "" && rng.IntN(4) == 0 {
		for _, p := range statsUnits {
			if p.agency == u.parent {
				d.Handling, d.Level = p.agency, p.level
			}
		}
	}
	now := from.Add(span)
	// Open: received, processing or paused for a supplement; overdue
	// when its due time passed.
	stillOpen := func() {
		d.Status = []int{stReceived, stProcessing, stProcessing, stSupplement}[rng.IntN(4)]
		d.Finished, d.Returned, d.Timeliness, d.Updated = time.Time{}, time.Time{}, "", received
		d.SyncVersion, d.TrailSeq = 2, 2
		switch {
		case d.Status == stSupplement:
			d.PausedDays = rng.IntN(days + 1)
			d.Body.Supplements = []supplement{{ID: d.Code + "-BS1", RequestedBy: "Nguyễn Văn An", Content: "Bổ sung giấy chứng sinh",
				RequestedMS: ms(received.Add(time.Hour)), DueBeforeMS: ms(d.Due)}}
			mix.paused++
			mix.inProgress++
		case d.Due.Before(now):
			d.OverdueNotified = true
			mix.overdue++
		default:
			mix.inProgress++
		}
	}
	switch r := rng.IntN(100); {
	case r < 3:
		d.Status = []int{stRefused, stWithdrawn, stStopped}[rng.IntN(3)]
		d.Updated = received.Add(time.Duration(rng.IntN(120)) * time.Minute)
		mix.closed++
	case r < 5:
		stillOpen()
	default:
		// Finished and returned: mostly early or on time, some late;
		// those whose finish would still be to come are open.
		var finished time.Time
		switch f := rng.IntN(100); {
		case f < 35:
			finished = d.Due.Add(-time.Duration(1+rng.IntN(days)) * 24 * time.Hour)
		case f < 92:
			finished = d.Due.Add(-time.Duration(rng.IntN(8*60)) * time.Minute)
		default:
			finished = d.Due.Add(time.Duration(1+rng.IntN(5*24)) * time.Hour)
		}
		if finished.Before(received) {
			finished = received.Add(time.Hour)
		}
		finished = finished.Truncate(time.Second)
		returned := finished.Add(time.Duration(rng.IntN(72*60)) * time.Minute)
		if returned.After(now) {
			stillOpen()
			break
		}
		d.Finished, d.Returned, d.Updated = finished, returned, returned
		d.Timeliness = timeliness(finished, d.Due)
		switch d.Timeliness {
		case "early":
			mix.early++
		case "late":
			mix.late++
		default:
			mix.onTime++
		}
	}
	return d
}
