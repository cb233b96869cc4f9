package journal

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
)

// Tail reads the journal's records in order, from a sequence on, waiting
// for new ones: the reading side of a log shipper. It reads only records
// whose Append has returned. A Tail is used by one goroutine.
type Tail struct {
	j    *Journal
	next uint64
	f    *os.File
	path string
	off  int64
	hdr  [headerLen]byte
}

// Tail returns a reader positioned at sequence from (use Acked()+1 to
// ship what is not yet acknowledged).
func (j *Journal) Tail(from uint64) *Tail { return &Tail{j: j, next: max(from, 1)} }

// Acked is the sequence below which everything is acknowledged.
func (j *Journal) Acked() uint64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.acked
}

// Next returns the next record, waiting until one is appended, ctx ends
// or the journal is closed. A gap left by a damaged segment is skipped.
func (t *Tail) Next(ctx context.Context) (Record, error) {
	for {
		t.j.mu.Lock()
		durable, wait, closed := t.j.durable, t.j.notify, t.j.closed
		seg, ok := t.segmentFor()
		t.j.mu.Unlock()
		if t.next <= durable && ok {
			rec, err := t.read(seg)
			if err == nil {
				return rec, nil
			}
			if !errors.Is(err, errNotYet) {
				return Record{}, err
			}
		}
		if closed {
			return Record{}, ErrClosed
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return Record{}, ctx.Err()
		}
	}
}

// Close releases the open segment.
func (t *Tail) Close() error {
	if t.f == nil {
		return nil
	}
	err := t.f.Close()
	t.f = nil
	return err
}

var errNotYet = errors.New("journal: record not written yet")

// segmentFor finds the first segment that may hold t.next (mu held).
func (t *Tail) segmentFor() (segment, bool) {
	for _, s := range t.j.segments {
		if s.last >= t.next {
			return s, true
		}
	}
	return segment{}, false
}

// read returns the record at t.next, or the first after it, from seg.
func (t *Tail) read(seg segment) (Record, error) {
	if t.path != seg.path {
		_ = t.Close()
		f, err := os.Open(seg.path)
		if err != nil {
			return Record{}, fmt.Errorf("journal: tail: %w", err)
		}
		t.f, t.path, t.off = f, seg.path, 0
	}
	for {
		if _, err := t.f.ReadAt(t.hdr[:], t.off); err != nil {
			if errors.Is(err, io.EOF) {
				return Record{}, errNotYet
			}
			return Record{}, fmt.Errorf("journal: tail: %w", err)
		}
		n := int64(binary.LittleEndian.Uint32(t.hdr[0:4]))
		sum := binary.LittleEndian.Uint32(t.hdr[4:8])
		seq := binary.LittleEndian.Uint64(t.hdr[8:16])
		if n > maxRecord {
			return Record{}, fmt.Errorf("journal: tail: damaged record at %s:%d", t.path, t.off)
		}
		if seq < t.next {
			t.off += headerLen + n
			continue
		}
		data := make([]byte, n)
		if _, err := t.f.ReadAt(data, t.off+headerLen); err != nil {
			if errors.Is(err, io.EOF) {
				return Record{}, errNotYet
			}
			return Record{}, fmt.Errorf("journal: tail: %w", err)
		}
		if crc32.Checksum(data, crcTable) != sum {
			return Record{}, fmt.Errorf("journal: tail: damaged record %d at %s:%d", seq, t.path, t.off)
		}
		t.off += headerLen + n
		t.next = seq + 1
		return Record{Seq: seq, Data: data}, nil
	}
}
