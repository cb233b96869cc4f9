package docexchange

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// directory is the local agency directory: the registry's agencies, with
// succession (a renamed or merged agency's code points to its successor).
// It is read from the registry's snapshot and refreshed periodically and
// on a miss.
type directory struct {
	client registryv1.GatewayServiceClient
	every  time.Duration

	cur      atomic.Pointer[dirSnapshot]
	mu       sync.Mutex // serialises refreshes
	lastMiss time.Time
}

type dirSnapshot struct {
	revision int64
	agencies map[string]dirAgency
	at       time.Time
}

type dirAgency struct {
	code, name string
	active     bool
	successor  string
}

func newDirectory(client registryv1.GatewayServiceClient, every time.Duration) *directory {
	return &directory{client: client, every: every}
}

// refresh re-reads the snapshot. Callers that waited for another's
// refresh use its result when it is younger than since ago.
func (d *directory) refresh(ctx context.Context, since time.Duration) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s := d.cur.Load(); s != nil && time.Since(s.at) < since {
		return nil
	}
	var known int64
	if s := d.cur.Load(); s != nil {
		known = s.revision
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := d.client.GetSnapshot(ctx, &registryv1.GetSnapshotRequest{KnownRevision: known})
	if err != nil {
		return err
	}
	if resp.GetNotModified() {
		s := *d.cur.Load()
		s.at = time.Now()
		d.cur.Store(&s)
		return nil
	}
	snap := resp.GetSnapshot()
	m := make(map[string]dirAgency, len(snap.GetAgencies()))
	for _, a := range snap.GetAgencies() {
		m[a.GetCode()] = dirAgency{code: a.GetCode(), name: a.GetName(), active: a.GetActive(), successor: a.GetSuccessorCode()}
	}
	d.cur.Store(&dirSnapshot{revision: snap.GetRevision(), agencies: m, at: time.Now()})
	return nil
}

// ensure loads the directory when it never was, or when it is older than
// the refresh period.
func (d *directory) ensure(ctx context.Context) error {
	if s := d.cur.Load(); s != nil && time.Since(s.at) < d.every {
		return nil
	}
	if err := d.refresh(ctx, d.every); err != nil && d.cur.Load() == nil {
		return err
	}
	return nil
}

// resolve follows succession from code and reports the agency that
// receives for it, whether the code is local at all, and the chain
// followed (for the trace).
func (d *directory) resolve(ctx context.Context, code string) (final string, local bool, err error) {
	if err := d.ensure(ctx); err != nil {
		return "", false, err
	}
	s := d.cur.Load()
	a, ok := s.agencies[code]
	if !ok {
		// A code created a moment ago: re-read, at most once a second.
		d.mu.Lock()
		again := time.Since(d.lastMiss) > time.Second
		if again {
			d.lastMiss = time.Now()
		}
		d.mu.Unlock()
		if again && d.refresh(ctx, 0) == nil {
			s = d.cur.Load()
			a, ok = s.agencies[code]
		}
		if !ok {
			return code, false, nil
		}
	}
	for range 16 { // a chain longer than this is a loop
		if a.successor == "" || a.successor == a.code {
			break
		}
		next, ok := s.agencies[a.successor]
		if !ok {
			return a.successor, true, nil
		}
		a = next
	}
	return a.code, true, nil
}

// isLocal reports whether code is an agency of the directory (as is, with
// no succession).
func (d *directory) isLocal(ctx context.Context, code string) bool {
	_, local, err := d.resolve(ctx, code)
	return err == nil && local
}

// list returns every agency, for getAgenciesList.
func (d *directory) list(ctx context.Context) ([]dirAgency, error) {
	if err := d.ensure(ctx); err != nil {
		return nil, err
	}
	s := d.cur.Load()
	out := make([]dirAgency, 0, len(s.agencies))
	for _, a := range s.agencies {
		out = append(out, a)
	}
	return out, nil
}
