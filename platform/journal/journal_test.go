package journal

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func open(t *testing.T, o Options) (*Journal, []Record) {
	t.Helper()
	j, st, err := Open(o)
	if err != nil {
		t.Fatal(err)
	}
	if st.Damaged != 0 {
		t.Fatalf("damaged %d bytes", st.Damaged)
	}
	recs := pending(t, j)
	if len(recs) != st.Pending {
		t.Fatalf("Open counted %d pending records, the tail reads %d", st.Pending, len(recs))
	}
	return j, recs
}

// pending reads what is not acknowledged, as a shipper would.
func pending(t testing.TB, j *Journal) []Record {
	t.Helper()
	tail := j.Tail(j.Acked() + 1)
	defer tail.Close()
	var out []Record
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		r, err := tail.Next(ctx)
		cancel()
		if errors.Is(err, context.DeadlineExceeded) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
}

func payload(i int) []byte { return []byte(fmt.Sprintf("event-%06d", i)) }

func TestReopenReturnsUnacknowledged(t *testing.T) {
	dir := t.TempDir()
	j, recs := open(t, Options{Dir: dir})
	if len(recs) != 0 {
		t.Fatalf("new journal returned %d records", len(recs))
	}
	var seqs []uint64
	for i := range 10 {
		seq, err := j.Append(payload(i))
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	// Out of order: 3, 1, 2 acknowledged; 5 too, but 4 not.
	for _, i := range []int{2, 0, 1, 4} {
		if err := j.Ack(seqs[i]); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	j, recs = open(t, Options{Dir: dir})
	defer j.Close()
	var got []string
	for _, r := range recs {
		got = append(got, string(r.Data))
	}
	// Only the contiguous frontier is kept: event 4, acknowledged while 3
	// was not, comes back once more (consumers are idempotent).
	want := "event-000003 event-000004 event-000005 event-000006 event-000007 event-000008 event-000009"
	if strings.Join(got, " ") != want {
		t.Fatalf("after reopen: %v, want %s", got, want)
	}
	// Sequences keep growing across runs.
	seq, err := j.Append(payload(10))
	if err != nil || seq != seqs[9]+1 {
		t.Fatalf("next seq %d %v, want %d", seq, err, seqs[9]+1)
	}
}

func TestTornTailIsCut(t *testing.T) {
	dir := t.TempDir()
	j, _ := open(t, Options{Dir: dir})
	for i := range 3 {
		if _, err := j.Append(payload(i)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	seg := lastSegment(t, dir)
	// A write that died half-way: a header promising more than follows.
	f, err := os.OpenFile(seg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{200, 0, 0, 0, 1, 2, 3, 4, 9, 0, 0, 0, 0, 0, 0, 0, 'x'})
	f.Close()
	j, recs := open(t, Options{Dir: dir})
	if len(recs) != 3 {
		t.Fatalf("%d records after a torn tail, want 3", len(recs))
	}
	if _, err := j.Append(payload(3)); err != nil {
		t.Fatal(err)
	}
	j.Close()
	_, recs = open(t, Options{Dir: dir})
	if len(recs) != 4 || string(recs[3].Data) != "event-000003" {
		t.Fatalf("after repair and append: %d records", len(recs))
	}
}

func TestDamageInAnOlderSegmentIsReported(t *testing.T) {
	dir := t.TempDir()
	j, _ := open(t, Options{Dir: dir, SegmentBytes: 20})
	for i := range 6 {
		if _, err := j.Append(payload(i)); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(segs) < 3 {
		t.Fatalf("%d segments, want several", len(segs))
	}
	b, _ := os.ReadFile(segs[0])
	b[len(b)-1] ^= 0xff // flip a payload byte: the CRC no longer matches
	os.WriteFile(segs[0], b, 0o600)
	j, st, err := Open(Options{Dir: dir, SegmentBytes: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	recs, damaged := pending(t, j), st.Damaged
	if damaged == 0 || len(recs) != 5 {
		t.Fatalf("damaged %d, %d records: want the damage reported and the rest kept", damaged, len(recs))
	}
}

func TestAcknowledgedSegmentsAreDeleted(t *testing.T) {
	dir := t.TempDir()
	j, _ := open(t, Options{Dir: dir, SegmentBytes: 100})
	for i := range 50 {
		seq, err := j.Append(payload(i))
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Ack(seq); err != nil {
			t.Fatal(err)
		}
	}
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(segs) != 1 {
		t.Fatalf("%d segments left after every record was acknowledged", len(segs))
	}
	if j.Unacked() != 0 {
		t.Fatalf("unacked %d", j.Unacked())
	}
	j.Close()
	if _, recs := open(t, Options{Dir: dir}); len(recs) != 0 {
		t.Fatalf("%d records came back", len(recs))
	}
}

func TestFull(t *testing.T) {
	j, _ := open(t, Options{Dir: t.TempDir(), MaxBytes: 100})
	defer j.Close()
	var seqs []uint64
	for {
		seq, err := j.Append(payload(len(seqs)))
		if errors.Is(err, ErrFull) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, seq)
	}
	if len(seqs) == 0 || len(seqs) > 4 {
		t.Fatalf("%d records fit in 100 bytes", len(seqs))
	}
	j.Ack(seqs[0])
	if _, err := j.Append(payload(99)); err != nil {
		t.Fatalf("after an acknowledgement: %v", err)
	}
}

func lastSegment(t *testing.T, dir string) string {
	segs, _ := filepath.Glob(filepath.Join(dir, "*.wal"))
	if len(segs) == 0 {
		t.Fatal("no segment")
	}
	return segs[len(segs)-1]
}

// TestKilledWriterLosesNothingReturned runs a writer in a child process
// that prints each sequence once Append has returned, kills it with
// SIGKILL mid-stream, and checks every printed record is there.
func TestKilledWriterLosesNothingReturned(t *testing.T) {
	if os.Getenv("LGSP_TEST_JOURNAL_CHILD") != "" {
		j, _, err := Open(Options{Dir: os.Getenv("LGSP_TEST_JOURNAL_CHILD"), SegmentBytes: 4096})
		if err != nil {
			fmt.Println("error", err)
			os.Exit(1)
		}
		w := bufio.NewWriter(os.Stdout)
		for i := 0; ; i++ {
			seq, err := j.Append(payload(i))
			if err != nil {
				fmt.Println("error", err)
				os.Exit(1)
			}
			if seq%3 == 0 {
				_ = j.Ack(seq)
			}
			fmt.Fprintln(w, seq)
			w.Flush()
		}
	}
	for round := range 3 {
		dir := t.TempDir()
		cmd := exec.Command(os.Args[0], "-test.run", "^TestKilledWriterLosesNothingReturned$")
		cmd.Env = append(os.Environ(), "LGSP_TEST_JOURNAL_CHILD="+dir)
		var out bytes.Buffer
		cmd.Stdout = &out
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(150+100*round) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()
		returned := map[uint64]bool{}
		for _, line := range strings.Fields(out.String()) {
			if n, err := strconv.ParseUint(line, 10, 64); err == nil {
				returned[n] = true
			}
		}
		if len(returned) < 10 {
			t.Fatalf("round %d: the child wrote only %d records: %s", round, len(returned), out.String())
		}
		j, st, err := Open(Options{Dir: dir, SegmentBytes: 4096})
		if err != nil {
			t.Fatal(err)
		}
		recs, damaged := pending(t, j), st.Damaged
		if damaged != 0 {
			t.Errorf("round %d: %d damaged bytes", round, damaged)
		}
		have := map[uint64]bool{}
		for _, r := range recs {
			have[r.Seq] = true
		}
		for seq := range returned {
			if seq%3 != 0 && !have[seq] {
				t.Fatalf("round %d: record %d was appended (Append returned) but is gone after the kill", round, seq)
			}
		}
		j.Close()
	}
}

func FuzzOpen(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{5, 0, 0, 0, 1, 2, 3, 4, 1, 0, 0, 0, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o'})
	f.Fuzz(func(t *testing.T, seg []byte) {
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%020d.wal", 1)), seg, 0o600); err != nil {
			t.Fatal(err)
		}
		j, _, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer j.Close()
		recs := pending(t, j)
		for _, r := range recs {
			if r.Seq == 0 {
				t.Fatal("a record with sequence 0")
			}
		}
		// Whatever was there, the journal keeps working.
		seq, err := j.Append([]byte("after"))
		if err != nil {
			t.Fatal(err)
		}
		j.Close()
		j2, _, err := Open(Options{Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		defer j2.Close()
		again := pending(t, j2)
		if len(again) == 0 || again[len(again)-1].Seq != seq || string(again[len(again)-1].Data) != "after" {
			t.Fatalf("the record appended after repair is not the last one back")
		}
	})
}

func TestTailFollowsAppendsAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	j, _ := open(t, Options{Dir: dir, SegmentBytes: 100})
	const n = 200
	done := make(chan error, 1)
	go func() {
		for i := range n {
			if _, err := j.Append(payload(i)); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	tail := j.Tail(j.Acked() + 1)
	defer tail.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for i := range n {
		r, err := tail.Next(ctx)
		if err != nil {
			t.Fatalf("record %d: %v", i, err)
		}
		if string(r.Data) != string(payload(i)) {
			t.Fatalf("record %d: %q", i, r.Data)
		}
		if i%2 == 0 {
			j.Ack(r.Seq)
		}
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	// Nothing more: Next waits until the context ends.
	short, stop := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer stop()
	if _, err := tail.Next(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("past the end: %v", err)
	}
	j.Close()

	// After a restart the tail starts at the first unacknowledged record.
	j, _ = open(t, Options{Dir: dir, SegmentBytes: 100})
	defer j.Close()
	tail2 := j.Tail(j.Acked() + 1)
	defer tail2.Close()
	r, err := tail2.Next(ctx)
	if err != nil || string(r.Data) != string(payload(1)) {
		t.Fatalf("first after restart: %q %v", r.Data, err)
	}
}
