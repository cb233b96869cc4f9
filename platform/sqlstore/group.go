package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
)

// Group commits concurrent writes together. The first caller of Do to find
// no batch in progress leads: it takes every write queued at that moment
// (its own included, at most Max) and commits them in one transaction, then
// hands the lead to the next waiting caller, if any. One commit (one WAL
// write on SQLite, one fsync on PostgreSQL) then serves many writes, and no
// caller waits for more than the batch in progress and its own.
//
// A batch that fails is committed again write by write, so that one
// write's refusal (a unique index, a rule of the caller's) is its own and
// the others still commit. A write may therefore run twice: fn must only
// write through tx and keep nothing from a failed attempt.
//
// The zero Group is not usable: build it with NewGroup.
type Group struct {
	db *DB
	// Max bounds the writes of one transaction.
	max int
	// Timeout bounds one batch, which belongs to every caller in it: it
	// does not stop because the leader's context ends.
	timeout time.Duration

	mu      sync.Mutex
	queue   []*groupReq
	leading bool
}

type groupReq struct {
	fn   func(ctx context.Context, tx *sql.Tx) error
	done chan error // buffered 1
}

// errLead tells a waiting caller that it leads now.
var errLead = errors.New("sqlstore: lead the next batch")

// NewGroup returns a Group committing at most max writes per transaction,
// each batch bounded by timeout.
func NewGroup(db *DB, max int, timeout time.Duration) *Group {
	if max < 1 {
		max = 1
	}
	return &Group{db: db, max: max, timeout: timeout}
}

// Do runs fn in a transaction shared with the writes queued at the same
// moment, and returns fn's outcome once that transaction is committed or
// rolled back.
func (g *Group) Do(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	r := &groupReq{fn: fn, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, r)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		if err := <-r.done; err != errLead {
			return err
		}
	}
	g.mu.Lock()
	n := min(len(g.queue), g.max)
	batch := g.queue[:n:n]
	g.queue = g.queue[n:]
	g.mu.Unlock()

	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), g.timeout)
	g.commit(bctx, batch)
	cancel()

	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- errLead
	} else {
		g.leading = false
	}
	g.mu.Unlock()
	return <-r.done
}

func (g *Group) commit(ctx context.Context, batch []*groupReq) {
	one := func(r *groupReq) {
		r.done <- g.db.InTx(ctx, func(tx *sql.Tx) error { return r.fn(ctx, tx) })
	}
	if len(batch) == 1 {
		one(batch[0])
		return
	}
	err := g.db.InTx(ctx, func(tx *sql.Tx) error {
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
