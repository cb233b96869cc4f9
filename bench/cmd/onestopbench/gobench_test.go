package main

import "testing"

func TestParseGoBench(t *testing.T) {
	out := `goos: linux
BenchmarkChangeStatus
BenchmarkChangeStatus/sqlite
BenchmarkChangeStatus/sqlite-2         	2026/11/30 05:16:27 INFO sqlstore: migration applied service=registry dialect=sqlite version=1
2026/11/30 05:16:27 INFO sqlstore: migration applied service=onestop dialect=sqlite version=1 file=00001_onestop.sql duration=880.681µs
   30000	    366398 ns/op	         6.000 sync_drain_ms	      2729 updates/s
BenchmarkChangeStatus/postgres
--- SKIP: BenchmarkChangeStatus/postgres
    bench_test.go:53: LGSP_TEST_POSTGRES_DSN is not set
BenchmarkStatisticsYear/sqlite
    bench_test.go:217: sqlite: 250000 dossiers loaded in 29.4s: finished early 80901
BenchmarkStatisticsYear/sqlite/by=receiving-2         	       5	1519111937 ns/op
BenchmarkStatisticsYear/sqlite/by=handling-2          	       5	 123145814 ns/op	 378.4 updates/s
PASS
`
	res, notes := parseGoBench(out)
	if len(res) != 3 {
		t.Fatalf("results %+v", res)
	}
	cs := res[0]
	if cs.name != "BenchmarkChangeStatus/sqlite" || cs.n != 30000 || cs.nsPerOp != 366398 || cs.metrics["updates/s"] != 2729 || cs.metrics["sync_drain_ms"] != 6 {
		t.Errorf("change status: %+v", cs)
	}
	if res[1].name != "BenchmarkStatisticsYear/sqlite/by=receiving" || res[1].n != 5 || res[1].nsPerOp != 1519111937 {
		t.Errorf("statistics: %+v", res[1])
	}
	if res[2].name != "BenchmarkStatisticsYear/sqlite/by=handling" || res[2].metrics["updates/s"] != 378.4 {
		t.Errorf("statistics by handling: %+v", res[2])
	}
	if len(notes) != 2 || notes[0] != "LGSP_TEST_POSTGRES_DSN is not set" {
		t.Errorf("notes %q", notes)
	}
}
