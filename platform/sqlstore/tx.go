package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"
)

// Retry policy of InTx for transient concurrency failures.
const (
	txMaxAttempts = 5
	txBaseBackoff = 10 * time.Millisecond
	txMaxBackoff  = 500 * time.Millisecond
)

// errWriteGateTimeout is returned when an SQLite transaction waited longer
// than the busy timeout for another InTx transaction of the same DB. It is
// not retried: after that long the usual cause is an InTx nested in another.
var errWriteGateTimeout = errors.New("sqlstore: timed out waiting for another SQLite transaction of this DB (nested InTx?)")

// InTx runs fn in a transaction and commits it when fn returns nil; when fn
// returns an error or panics the transaction is rolled back and the error
// (unchanged) or panic is passed on.
//
// When the transaction fails with a transient concurrency error (see
// IsRetryable), InTx rolls back and runs fn again, up to 5 attempts in all,
// with a short randomised backoff. fn must therefore have no side effects
// outside tx, and must not keep anything from a failed attempt.
//
// Queries inside fn still need db.Rebind. On SQLite every InTx transaction
// takes the write lock when it begins, and the transactions of one DB run one
// at a time; do not call InTx from inside fn.
func (db *DB) InTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	for attempt := 1; ; attempt++ {
		err := db.inTxOnce(ctx, fn)
		if err == nil || !IsRetryable(err) || attempt >= txMaxAttempts {
			return err
		}
		backoff := min(txBaseBackoff<<(attempt-1), txMaxBackoff)
		backoff = backoff/2 + rand.N(backoff/2+1)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (db *DB) inTxOnce(ctx context.Context, fn func(tx *sql.Tx) error) (err error) {
	if db.writeGate != nil {
		release, err := db.acquireWriteGate(ctx)
		if err != nil {
			return err
		}
		defer release()
	}
	tx, err := db.DB.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlstore: begin transaction: %w", err)
	}
	done := false
	defer func() {
		if !done {
			// fn panicked: roll back and let the panic continue.
			_ = tx.Rollback()
		}
	}()
	if err := fn(tx); err != nil {
		done = true
		_ = tx.Rollback()
		return err
	}
	done = true
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlstore: commit: %w", err)
	}
	return nil
}

func (db *DB) acquireWriteGate(ctx context.Context) (release func(), err error) {
	select {
	case db.writeGate <- struct{}{}:
		return func() { <-db.writeGate }, nil
	default:
	}
	t := time.NewTimer(sqliteBusyTimeout)
	defer t.Stop()
	select {
	case db.writeGate <- struct{}{}:
		return func() { <-db.writeGate }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-t.C:
		return nil, errWriteGateTimeout
	}
}
