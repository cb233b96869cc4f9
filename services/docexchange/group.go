package docexchange

import (
	"context"
	"database/sql"
)

// Concurrent writes (sends and acknowledgements) share a transaction
// through sqlstore.Group: one commit serves many documents, and a batch
// that fails is committed again write by write.

// maxBatch bounds the writes of one transaction.
const maxBatch = 64

// commitPlan commits p, possibly with others, and returns p's outcome.
func (s *Service) commitPlan(ctx context.Context, p *plan) error {
	return s.groupTx(ctx, func(ctx context.Context, tx *sql.Tx) error { return s.commit(ctx, tx, p) })
}

// groupTx runs fn in a transaction shared with the writes queued at the
// same moment, and returns fn's outcome. fn may run twice (alone, after a
// batch failed): it must only write through tx.
func (s *Service) groupTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	return s.group.Do(ctx, fn)
}
