package docexchange

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Group commit. Concurrent writes (sends and acknowledgements) share a
// transaction: the first caller to find none in progress leads, takes
// every write queued at that moment (its own included) and commits them
// together, then hands the lead to the next waiting caller, if any. One
// commit (one WAL write on SQLite, one fsync on PostgreSQL) then serves
// many documents, and nobody waits for more than the batch in progress and
// its own. A batch that fails is committed again write by write, so that
// one write's refusal (a unique index, an unknown docId) is its own.

// maxBatch bounds the writes of one transaction.
const maxBatch = 64

type commitReq struct {
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error // buffered 1
}

// errLead tells a waiting sender that it leads now.
var errLead = errors.New("lead the next batch")

// commitPlan commits p, possibly with others, and returns p's outcome.
func (s *Service) commitPlan(ctx context.Context, p *plan) error {
	return s.groupTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.commit(ctx, tx, p) })
}

// groupTx runs fn in a transaction shared with the writes queued at the
// same moment, and returns fn's outcome. fn may run twice (alone, after a
// batch failed): it must only write through tx.
func (s *Service) groupTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	r := &commitReq{fn: fn, done: make(chan error, 1)}
	s.gmu.Lock()
	s.queue = append(s.queue, r)
	lead := !s.leading
	s.leading = true
	s.gmu.Unlock()
	if !lead {
		if err := <-r.done; err != errLead {
			return err
		}
	}
	s.gmu.Lock()
	n := min(len(s.queue), maxBatch)
	batch := s.queue[:n:n]
	s.queue = s.queue[n:]
	s.gmu.Unlock()

	// The batch belongs to every sender in it: it does not stop because
	// the leader's caller went away.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
	s.commitBatch(bctx, batch)
	cancel()

	s.gmu.Lock()
	if len(s.queue) > 0 {
		s.queue[0].done <- errLead
	} else {
		s.leading = false
	}
	s.gmu.Unlock()
	return <-r.done
}

func (s *Service) commitBatch(ctx context.Context, batch []*commitReq) {
	one := func(r *commitReq) {
		r.done <- s.db.InTx(ctx, func(tx *sql.Tx) error { return r.fn(ctx, tx) })
	}
	if len(batch) == 1 {
		one(batch[0])
		return
	}
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		for _, r := range batch {
			if err := r.fn(ctx, tx); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		for _, r := range batch {
			r.done <- nil
		}
		return
	}
	for _, r := range batch {
		one(r)
	}
}
