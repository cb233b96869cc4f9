// Package journal is a local write-ahead log: records appended to it are on
// disk (written and fsynced) when Append returns, survive a crash of the
// process at any moment, and are read again by Tail, after any restart,
// until they are acknowledged; Open keeps none of them in memory. The
// gateway keeps its metering events here before it answers a request, so
// that a call whose response reached the client is counted even if the
// process is killed before JetStream has the event.
//
// One writer appends; acknowledgements may come from any goroutine and in
// any order. Records live in segment files named after their first
// sequence number; a segment is deleted once every record in it is
// acknowledged. The highest sequence below which everything is
// acknowledged is kept in a small marker file, rewritten atomically at most
// every 200 ms; after a crash the records acknowledged since its last
// write come back once more, and the consumer must treat them
// idempotently (the metering publisher re-sends them with the same
// Nats-Msg-Id, which JetStream de-duplicates).
//
// On disk a record is: length (uint32), CRC-32C of the payload (uint32),
// sequence (uint64), payload, little-endian. A torn record at the end of the
// last segment (the process died mid-write, before fsync returned, so its
// Append never returned) is cut off at Open.
package journal

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options configures a journal.
type Options struct {
	// Dir holds the segments and the marker; it is created 0700.
	Dir string
	// SegmentBytes is the size after which a new segment starts.
	SegmentBytes int64
	// MaxBytes bounds the unacknowledged bytes on disk; Append returns
	// ErrFull beyond it. 0 means no bound.
	MaxBytes int64
}

// Record is one record, as Tail reads it.
type Record struct {
	Seq  uint64
	Data []byte
}

// Stats describes what Open found from earlier runs.
type Stats struct {
	// Pending records were appended and not acknowledged; Tail from
	// Acked()+1 reads them first. They are not held in memory.
	Pending      int
	PendingBytes int64
	// Damaged is how many bytes of damaged records were discarded (a torn
	// tail, a write that never returned, is not counted).
	Damaged int64
}

// Errors.
var (
	ErrFull   = errors.New("journal: full (LGSP_GATEWAY_METERING_JOURNAL_MAX_BYTES reached)")
	ErrClosed = errors.New("journal: closed")
)

const (
	headerLen   = 16
	maxRecord   = 64 << 20
	segSuffix   = ".wal"
	markerName  = "acked"
	defaultSegB = 64 << 20
	// markerEvery bounds how stale the marker may be: after a crash, the
	// records acknowledged in the last markerEvery come back once more.
	markerEvery = 200 * time.Millisecond
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// Journal is an open journal.
type Journal struct {
	opts Options

	// Writer state, used by Append only (one writer).
	cur     *os.File
	curSize int64
	next    uint64 // sequence of the next record
	hdr     [headerLen]byte

	mu       sync.Mutex
	closed   bool
	segments []segment // oldest first; the last one is cur
	acked    uint64    // every sequence <= acked is acknowledged
	ackedSet map[uint64]bool
	unacked  atomic.Int64 // bytes of records not yet acknowledged; read without mu
	sizes    map[uint64]int64
	marker   uint64 // value last written to the marker file
	markerAt time.Time
	durable  uint64        // highest sequence on disk
	notify   chan struct{} // closed and replaced at every append
}

type segment struct {
	first uint64 // first sequence in it
	last  uint64 // last sequence in it (first-1 when empty)
	path  string
}

// Open opens (or creates) the journal in o.Dir, repairing a torn tail, and
// reports what earlier runs left unacknowledged. It reads one segment at a
// time and keeps no record in memory.
func Open(o Options) (*Journal, Stats, error) {
	if o.SegmentBytes <= 0 {
		o.SegmentBytes = defaultSegB
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return nil, Stats{}, fmt.Errorf("journal: %w", err)
	}
	j := &Journal{opts: o, ackedSet: map[uint64]bool{}, sizes: map[uint64]int64{}, notify: make(chan struct{})}
	if b, err := os.ReadFile(filepath.Join(o.Dir, markerName)); err == nil {
		n, perr := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
		if perr == nil {
			j.acked, j.marker = n, n
		}
	}
	names, err := filepath.Glob(filepath.Join(o.Dir, "*"+segSuffix))
	if err != nil {
		return nil, Stats{}, fmt.Errorf("journal: %w", err)
	}
	type found struct {
		first uint64
		path  string
	}
	var segs []found
	for _, p := range names {
		n, err := strconv.ParseUint(strings.TrimSuffix(filepath.Base(p), segSuffix), 10, 64)
		if err != nil {
			continue
		}
		segs = append(segs, found{n, p})
	}
	sort.Slice(segs, func(a, b int) bool { return segs[a].first < segs[b].first })

	var st Stats
	j.next = j.acked + 1
	for i, s := range segs {
		recs, good, bad, err := readSegment(s.path)
		if err != nil {
			return nil, Stats{}, err
		}
		last := i == len(segs)-1
		if bad > 0 {
			// Cut the file at the last good record: a torn tail in the
			// last segment is a write whose Append never returned; damage
			// elsewhere is reported.
			if !last {
				st.Damaged += bad
			}
			if err := os.Truncate(s.path, good); err != nil {
				return nil, Stats{}, fmt.Errorf("journal: repair %s: %w", s.path, err)
			}
		}
		seg := segment{first: s.first, last: s.first - 1, path: s.path}
		for _, r := range recs {
			if r.Seq >= j.next {
				j.next = r.Seq + 1
			}
			if r.Seq > seg.last {
				seg.last = r.Seq
			}
			if r.Seq <= j.acked {
				continue
			}
			j.unacked.Add(int64(headerLen + len(r.Data)))
			j.sizes[r.Seq] = int64(headerLen + len(r.Data))
			st.Pending++
			st.PendingBytes += int64(headerLen + len(r.Data))
		}
		if seg.last <= j.acked && !last {
			_ = os.Remove(s.path)
			continue
		}
		j.segments = append(j.segments, seg)
	}
	if err := j.startSegment(); err != nil {
		return nil, Stats{}, err
	}
	j.durable = j.next - 1
	return j, st, nil
}

// readSegment reads every intact record of a segment and returns the
// offset after the last one and how many bytes follow it.
func readSegment(path string) (recs []Record, good, bad int64, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("journal: %w", err)
	}
	off := int64(0)
	for int64(len(b))-off >= headerLen {
		h := b[off : off+headerLen]
		n := int64(binary.LittleEndian.Uint32(h[0:4]))
		sum := binary.LittleEndian.Uint32(h[4:8])
		seq := binary.LittleEndian.Uint64(h[8:16])
		if n > maxRecord || off+headerLen+n > int64(len(b)) {
			break
		}
		data := b[off+headerLen : off+headerLen+n]
		if crc32.Checksum(data, crcTable) != sum || seq == 0 {
			break
		}
		recs = append(recs, Record{Seq: seq, Data: data})
		off += headerLen + n
	}
	return recs, off, int64(len(b)) - off, nil
}

func (j *Journal) startSegment() error {
	path := filepath.Join(j.opts.Dir, fmt.Sprintf("%020d%s", j.next, segSuffix))
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return fmt.Errorf("journal: %w", err)
	}
	if j.cur != nil {
		_ = j.cur.Close()
	}
	j.cur, j.curSize = f, st.Size()
	if err := syncDir(j.opts.Dir); err != nil {
		return err
	}
	j.mu.Lock()
	if n := len(j.segments); n == 0 || j.segments[n-1].path != path {
		j.segments = append(j.segments, segment{first: j.next, last: j.next - 1, path: path})
	}
	j.mu.Unlock()
	return nil
}

// Append writes data as the next record and returns once it is on disk
// (fsync). Only one goroutine may call Append.
func (j *Journal) Append(data []byte) (uint64, error) {
	if len(data) > maxRecord {
		return 0, fmt.Errorf("journal: record of %d bytes exceeds %d", len(data), maxRecord)
	}
	size := int64(headerLen + len(data))
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		return 0, ErrClosed
	}
	if j.opts.MaxBytes > 0 && j.unacked.Load()+size > j.opts.MaxBytes {
		j.mu.Unlock()
		return 0, ErrFull
	}
	j.mu.Unlock()
	if j.curSize >= j.opts.SegmentBytes {
		if err := j.startSegment(); err != nil {
			return 0, err
		}
	}
	seq := j.next
	binary.LittleEndian.PutUint32(j.hdr[0:4], uint32(len(data)))
	binary.LittleEndian.PutUint32(j.hdr[4:8], crc32.Checksum(data, crcTable))
	binary.LittleEndian.PutUint64(j.hdr[8:16], seq)
	if _, err := j.cur.Write(j.hdr[:]); err != nil {
		return 0, j.failed(err)
	}
	if _, err := j.cur.Write(data); err != nil {
		return 0, j.failed(err)
	}
	if err := j.cur.Sync(); err != nil {
		return 0, j.failed(err)
	}
	j.next++
	j.curSize += size
	j.mu.Lock()
	j.unacked.Add(size)
	j.sizes[seq] = size
	j.segments[len(j.segments)-1].last = seq
	j.durable = seq
	close(j.notify)
	j.notify = make(chan struct{})
	j.mu.Unlock()
	return seq, nil
}

// failed leaves the segment in a state Open can repair (a torn tail) and
// starts a new one for the next record.
func (j *Journal) failed(err error) error {
	_ = j.cur.Truncate(j.curSize)
	return fmt.Errorf("journal: write: %w", err)
}

// Ack marks seq as delivered. Segments whose records are all delivered
// are deleted; the marker advances.
func (j *Journal) Ack(seq uint64) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if seq <= j.acked || j.ackedSet[seq] {
		return nil
	}
	j.ackedSet[seq] = true
	j.unacked.Add(-j.sizes[seq])
	delete(j.sizes, seq)
	for j.ackedSet[j.acked+1] {
		delete(j.ackedSet, j.acked+1)
		j.acked++
	}
	// Delete fully acknowledged segments, except the one being written.
	removed := false
	for len(j.segments) > 1 && j.segments[0].last <= j.acked {
		_ = os.Remove(j.segments[0].path)
		j.segments = j.segments[1:]
		removed = true
	}
	if j.acked != j.marker && (removed || time.Since(j.markerAt) >= markerEvery) {
		return j.writeMarker()
	}
	return nil
}

// writeMarker records the acknowledged frontier (called with mu held).
func (j *Journal) writeMarker() error {
	tmp := filepath.Join(j.opts.Dir, markerName+".tmp")
	if err := os.WriteFile(tmp, []byte(strconv.FormatUint(j.acked, 10)+"\n"), 0o600); err != nil {
		return fmt.Errorf("journal: marker: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(j.opts.Dir, markerName)); err != nil {
		return fmt.Errorf("journal: marker: %w", err)
	}
	j.marker, j.markerAt = j.acked, time.Now()
	return nil
}

// Unacked is the size in bytes of the records not yet acknowledged. It
// takes no lock: the gateway asks on every request whether there is room.
func (j *Journal) Unacked() int64 { return j.unacked.Load() }

// Close writes the marker and closes the files. Unacknowledged records stay
// for the next Open.
func (j *Journal) Close() error {
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.closed {
		return nil
	}
	j.closed = true
	close(j.notify)
	err := j.writeMarker()
	if j.cur != nil {
		if cerr := j.cur.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// syncDir makes a new file's directory entry durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("journal: sync %s: %w", dir, err)
	}
	return nil
}
