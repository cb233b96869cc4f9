package metering

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// migrationsFS is the goose migrations at the root of an fs.FS.
func migrationsFS() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err) // the embedded directory always exists
	}
	return sub
}

// Rollup tables, finest first.
const (
	tableMinute = "metering_usage_minute"
	tableHour   = "metering_usage_hour"
	tableDay    = "metering_usage_day"
	tableMonth  = "metering_usage_month"
	tableYear   = "metering_usage_year"
)

var rollupTables = [...]string{tableMinute, tableHour, tableDay, tableMonth, tableYear}

// histColumns lists h00..h59.
var histColumns = func() []string {
	c := make([]string, histBuckets)
	for i := range c {
		c[i] = fmt.Sprintf("h%02d", i)
	}
	return c
}()

// measureColumns are the additive columns of a rollup row, in the order
// rollupArgs writes them.
var measureColumns = append([]string{"request_count", "bytes_in", "bytes_out", "latency_sum_us"}, histColumns...)

// upsertChunks are the row counts of the prepared multi-row upserts; a batch
// of n rows is written with the largest chunks first.
var upsertChunks = []int{64, 8, 1}

// store holds the prepared statements of the ingest path.
type store struct {
	db *sqlstore.DB
	// upserts[table][chunk index]
	upserts map[string][]*sql.Stmt
	quota   *sql.Stmt
	cursor  *sql.Stmt
	newKey  *sql.Stmt
}

func upsertSQL(table string, rows int) string {
	var b strings.Builder
	cols := append([]string{"bucket_ms", "key_id"}, measureColumns...)
	fmt.Fprintf(&b, "INSERT INTO %s (%s) VALUES ", table, strings.Join(cols, ", "))
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteString(" ON CONFLICT (bucket_ms, key_id) DO UPDATE SET ")
	for i, c := range measureColumns {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s = %s.%s + excluded.%s", c, table, c, c)
	}
	return b.String()
}

func prepareStore(ctx context.Context, db *sqlstore.DB) (*store, error) {
	s := &store{db: db, upserts: map[string][]*sql.Stmt{}}
	prep := func(q string) (*sql.Stmt, error) {
		st, err := db.PrepareContext(ctx, db.Rebind(q))
		if err != nil {
			return nil, fmt.Errorf("metering: prepare %.60s…: %w", q, err)
		}
		return st, nil
	}
	for _, t := range rollupTables {
		for _, n := range upsertChunks {
			st, err := prep(upsertSQL(t, n))
			if err != nil {
				s.close()
				return nil, err
			}
			s.upserts[t] = append(s.upserts[t], st)
		}
	}
	var err error
	if s.quota, err = prep(`INSERT INTO metering_quota_usage (subscription_id, period, used) VALUES (?, ?, ?)
		ON CONFLICT (subscription_id, period) DO UPDATE SET used = metering_quota_usage.used + excluded.used
		RETURNING used`); err != nil {
		s.close()
		return nil, err
	}
	if s.cursor, err = prep(`UPDATE metering_cursor SET last_seq = ?, last_msg_ms = ?, update_ms = ?
		WHERE name = ? AND last_seq = ? AND stream_created_ms = ?`); err != nil {
		s.close()
		return nil, err
	}
	if s.newKey, err = prep(`INSERT INTO metering_keys (id, api_id, api_version, application_id, agency_code, api_owner_agency, source, status_class)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

func (s *store) close() {
	for _, sts := range s.upserts {
		for _, st := range sts {
			st.Close()
		}
	}
	for _, st := range []*sql.Stmt{s.quota, s.cursor, s.newKey} {
		if st != nil {
			st.Close()
		}
	}
}

// cursorState is a stored cursor: how far a consumer has counted, and in
// which stream.
type cursorState struct {
	// last is the stream sequence of the last applied message.
	last uint64
	// created is the counted stream's creation time (unix ms), 0 when not
	// known yet.
	created int64
	// lastMsg is when the stream received message last (unix ms), 0 when
	// not known.
	lastMsg int64
}

// loadCursor returns the cursor of consumer name, creating it at 0.
func loadCursor(ctx context.Context, db *sqlstore.DB, name string, nowMS int64) (cursorState, error) {
	if _, err := db.ExecContext(ctx, db.Rebind(`INSERT INTO metering_cursor (name, last_seq, update_ms) VALUES (?, 0, ?)
		ON CONFLICT (name) DO NOTHING`), name, nowMS); err != nil {
		return cursorState{}, fmt.Errorf("metering: create cursor: %w", err)
	}
	return readCursor(ctx, db, name)
}

// readCursor returns the cursor of consumer name (sql.ErrNoRows, wrapped,
// when there is none).
func readCursor(ctx context.Context, db *sqlstore.DB, name string) (cursorState, error) {
	var last, created, lastMsg int64
	err := db.QueryRowContext(ctx, db.Rebind(`SELECT last_seq, stream_created_ms, last_msg_ms FROM metering_cursor WHERE name = ?`), name).
		Scan(&last, &created, &lastMsg)
	if err != nil {
		return cursorState{}, fmt.Errorf("metering: read cursor: %w", err)
	}
	return cursorState{last: uint64(last), created: created, lastMsg: lastMsg}, nil
}

// loadKeys reads every rollup key and returns them with the next free id.
func loadKeys(ctx context.Context, db *sqlstore.DB) (map[dims]int64, int64, error) {
	rows, err := db.QueryContext(ctx, `SELECT id, api_id, api_version, application_id, agency_code, api_owner_agency, source, status_class FROM metering_keys`)
	if err != nil {
		return nil, 0, fmt.Errorf("metering: read keys: %w", err)
	}
	defer rows.Close()
	keys := map[dims]int64{}
	var next int64 = 1
	for rows.Next() {
		var id int64
		var d dims
		if err := rows.Scan(&id, &d.api, &d.version, &d.app, &d.agency, &d.owner, &d.source, &d.class); err != nil {
			return nil, 0, fmt.Errorf("metering: read keys: %w", err)
		}
		keys[d] = id
		next = max(next, id+1)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("metering: read keys: %w", err)
	}
	return keys, next, nil
}

// rollupRow is one row to add into a rollup table.
type rollupRow struct {
	bucket int64
	key    int64
	m      *measures
}

// writeRollups adds rows into table within tx, in multi-row upserts.
func (s *store) writeRollups(ctx context.Context, tx *sql.Tx, table string, rows []rollupRow) error {
	stmts := s.upserts[table]
	perRow := 2 + len(measureColumns)
	args := make([]any, 0, upsertChunks[0]*perRow)
	for len(rows) > 0 {
		ci := 0
		for upsertChunks[ci] > len(rows) {
			ci++
		}
		n := upsertChunks[ci]
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, r.bucket, r.key, r.m.count, r.m.bytesIn, r.m.bytesOut, r.m.latSum)
			for _, c := range r.m.h {
				args = append(args, c)
			}
		}
		if _, err := tx.StmtContext(ctx, stmts[ci]).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("metering: write %s: %w", table, err)
		}
		rows = rows[n:]
	}
	return nil
}
