package metering

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
)

// errCursorMoved means the stored cursor is not where this process left it:
// another process counted in the meantime or re-based it onto a new stream,
// or the database was replaced.
var errCursorMoved = errors.New("metering: the stored cursor moved under this consumer")

// quotaUse is a subscription's count in one month after a commit.
type quotaUse struct {
	sub   string
	month int64
	used  int64
}

type bucketKey struct {
	bucket int64
	key    int64
}

// apply writes an aggregate and moves the cursor from prevSeq to lastSeq
// (received by the stream at lastMsgMS) in one transaction. The in-memory
// key cache changes only after the commit.
func (s *Service) apply(ctx context.Context, agg *aggregate, prevSeq, lastSeq uint64, lastMsgMS int64) ([]quotaUse, error) {
	ids := make(map[dims]int64, len(s.keys)/4+8)
	type newKey struct {
		d  dims
		id int64
	}
	var created []newKey
	next := s.nextKey
	for k := range agg.minutes {
		if _, ok := ids[k.d]; ok {
			continue
		}
		if id, ok := s.keys[k.d]; ok {
			ids[k.d] = id
			continue
		}
		ids[k.d] = next
		created = append(created, newKey{k.d, next})
		next++
	}

	// Fold minutes into every granularity. Hour, day, month and year
	// starts are computed once per distinct minute.
	type starts struct{ hour, day, month, year int64 }
	memo := make(map[int64]starts)
	coarse := [4]map[bucketKey]*measures{{}, {}, {}, {}}
	minuteRows := make([]rollupRow, 0, len(agg.minutes))
	for k, m := range agg.minutes {
		id := ids[k.d]
		minuteRows = append(minuteRows, rollupRow{bucket: k.minute, key: id, m: m})
		st, ok := memo[k.minute]
		if !ok {
			st = starts{s.cal.hour(k.minute), s.cal.day(k.minute), s.cal.month(k.minute), s.cal.yearOf(k.minute)}
			memo[k.minute] = st
		}
		for i, b := range [4]int64{st.hour, st.day, st.month, st.year} {
			bk := bucketKey{b, id}
			if acc := coarse[i][bk]; acc != nil {
				acc.merge(m)
			} else {
				c := *m
				coarse[i][bk] = &c
			}
		}
	}
	tables := [len(rollupTables)][]rollupRow{minuteRows}
	for i, mp := range coarse {
		rows := make([]rollupRow, 0, len(mp))
		for bk, m := range mp {
			rows = append(rows, rollupRow{bucket: bk.bucket, key: bk.key, m: m})
		}
		tables[i+1] = rows
	}
	for _, rows := range tables {
		// Key order: PostgreSQL takes row locks in this order, and both
		// engines insert into the primary-key index sequentially.
		slices.SortFunc(rows, func(a, b rollupRow) int {
			if c := cmp.Compare(a.bucket, b.bucket); c != 0 {
				return c
			}
			return cmp.Compare(a.key, b.key)
		})
	}
	quotaKeys := make([]quotaKey, 0, len(agg.quota))
	for k := range agg.quota {
		quotaKeys = append(quotaKeys, k)
	}
	slices.SortFunc(quotaKeys, func(a, b quotaKey) int {
		if c := cmp.Compare(a.sub, b.sub); c != 0 {
			return c
		}
		return cmp.Compare(a.month, b.month)
	})

	var uses []quotaUse
	nowMS := s.clock().UnixMilli()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		uses = uses[:0]
		if len(created) > 0 {
			st := tx.StmtContext(ctx, s.store.newKey)
			for _, k := range created {
				if _, err := st.ExecContext(ctx, k.id, k.d.api, k.d.version, k.d.app, k.d.agency, k.d.owner, k.d.source, k.d.class); err != nil {
					return fmt.Errorf("metering: add rollup key: %w", err)
				}
			}
		}
		for i, t := range rollupTables {
			if err := s.store.writeRollups(ctx, tx, t, tables[i]); err != nil {
				return err
			}
		}
		if len(quotaKeys) > 0 {
			st := tx.StmtContext(ctx, s.store.quota)
			for _, k := range quotaKeys {
				var used int64
				if err := st.QueryRowContext(ctx, k.sub, s.cal.period(k.month), agg.quota[k]).Scan(&used); err != nil {
					return fmt.Errorf("metering: count quota: %w", err)
				}
				uses = append(uses, quotaUse{sub: k.sub, month: k.month, used: used})
			}
		}
		res, err := tx.StmtContext(ctx, s.store.cursor).ExecContext(ctx, int64(lastSeq), lastMsgMS, nowMS,
			s.cfg.Consumer, int64(prevSeq), s.cur.created)
		if err != nil {
			return fmt.Errorf("metering: move cursor: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("metering: move cursor: %w", err)
		} else if n != 1 {
			return errCursorMoved
		}
		if s.hooks.beforeCommit != nil {
			if err := s.hooks.beforeCommit(lastSeq); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, k := range created {
		s.keys[k.d] = k.id
	}
	s.nextKey = next
	return uses, nil
}
