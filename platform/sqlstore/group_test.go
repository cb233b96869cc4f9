package sqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

// TestGroupCommitsEachWriteOnce runs many concurrent writes through one
// Group, some of which are refused by a unique index or by the caller: every
// accepted write is committed exactly once and every refusal reaches only
// its own caller.
func TestGroupCommitsEachWriteOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		if _, err := db.ExecContext(ctx, `CREATE TABLE group_rows (k TEXT PRIMARY KEY)`); err != nil {
			t.Fatal(err)
		}
		g := sqlstore.NewGroup(db, 16, 30*time.Second)
		errRefused := errors.New("refused by the caller")
		const n = 200
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				key := fmt.Sprintf("k%03d", i)
				if i%10 == 0 {
					key = "dup" // only the first of these commits
				}
				errs[i] = g.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
					if i%7 == 3 {
						return errRefused
					}
					_, err := tx.ExecContext(ctx, db.Rebind(`INSERT INTO group_rows (k) VALUES (?)`), key)
					return err
				})
			}()
		}
		wg.Wait()
		var ok, dup, refused int
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case errors.Is(err, errRefused):
				refused++
				if i%7 != 3 {
					t.Errorf("write %d got another's refusal", i)
				}
			case sqlstore.IsUniqueViolation(err):
				dup++
			default:
				t.Errorf("write %d: %v", i, err)
			}
		}
		var rows int
		if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_rows`).Scan(&rows); err != nil {
			t.Fatal(err)
		}
		if rows != ok {
			t.Errorf("%d rows committed, %d writes reported committed", rows, ok)
		}
		wantRefused := 0
		for i := range n {
			if i%7 == 3 {
				wantRefused++
			}
		}
		if refused != wantRefused || dup == 0 || ok+dup+refused != n {
			t.Errorf("ok %d, duplicate %d, refused %d (want %d refused, some duplicates, %d in all)", ok, dup, refused, wantRefused, n)
		}
	})
}
