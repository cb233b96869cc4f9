// Package sqlstore is how LGSP services keep their SQL records: one schema and
// one set of migrations that run unchanged on SQLite (the embedded default,
// pure Go, no cgo) and PostgreSQL (the production engine).
//
// A service opens the database named by LGSP_DATABASE_URL, applies its
// embedded migrations, and writes queries once with '?' placeholders:
//
//	//go:embed migrations/*.sql
//	var migrationFiles embed.FS
//
//	db, err := sqlstore.Open(ctx, os.Getenv("LGSP_DATABASE_URL"))
//	...
//	migrations, _ := fs.Sub(migrationFiles, "migrations")
//	if err := db.Migrate(ctx, migrations, "registry"); err != nil { ... }
//
//	err = db.InTx(ctx, func(tx *sql.Tx) error {
//		_, err := tx.ExecContext(ctx, db.Rebind(
//			"INSERT INTO registry_agencies (id, code, created_ms) VALUES (?, ?, ?)"),
//			id, code, time.Now().UnixMilli())
//		return err
//	})
//	if sqlstore.IsUniqueViolation(err) { ... }
//
// Several services may share one database: each records its migrations in its
// own version table (goose_<service>), and each prefixes its table and index
// names with its service name (registry_agencies, registry_agencies_code).
// DB.Ping is the readiness check.
//
// # Portable SQL
//
// Migrations are goose SQL files, NNNNN_description.sql, each with a
// "-- +goose Up" and a "-- +goose Down" section; every migration runs in a
// transaction (DDL is transactional on both engines, so a failed migration
// leaves nothing behind). The tests of this package run the following rules on
// both engines.
//
// Column types: use exactly these.
//
//   - Identifiers: TEXT PRIMARY KEY holding an id the application generates
//     (for example a UUIDv7 string, which also sorts by creation time). Do not
//     use auto-generated keys: INTEGER PRIMARY KEY AUTOINCREMENT, SERIAL,
//     BIGSERIAL and GENERATED ... AS IDENTITY each exist on one engine only.
//   - Integers: BIGINT, scanned into int64. PostgreSQL's INTEGER is 32 bits.
//     Money is a BIGINT count of đồng (or of the smallest unit).
//   - Times: BIGINT unix milliseconds in UTC, named *_ms (created_ms), written
//     with t.UnixMilli() and read with time.UnixMilli. Not TIMESTAMP, DATETIME
//     or TIMESTAMPTZ: the drivers convert them differently. Pass the current
//     time as a parameter rather than using now() or CURRENT_TIMESTAMP.
//   - Booleans: BOOLEAN, with DEFAULT TRUE/FALSE. Bind and scan Go bool. In SQL
//     write "active", "NOT active" or "active = TRUE", never "active = 1":
//     PostgreSQL has no boolean = integer operator.
//   - Binary data: BYTEA (SQLite gives it NUMERIC affinity, which leaves blob
//     values untouched). Bind []byte, never string. An empty value scans as nil
//     on SQLite and as []byte{} on PostgreSQL, so test len(b) == 0, and test
//     "col IS NULL" in SQL when NULL must differ from empty.
//   - Text: TEXT, not VARCHAR(n); bound a length with CHECK (length(col) <= n).
//     JSON documents are TEXT too (no JSONB).
//   - Fractions: DOUBLE PRECISION, scanned into float64 (avoid NUMERIC).
//
// Constraints: PRIMARY KEY, UNIQUE, NOT NULL, CHECK and inline
// "REFERENCES other (id) ON DELETE CASCADE" behave the same on both engines
// (SQLite connections enforce foreign keys). Detect violations with
// IsUniqueViolation and IsForeignKeyViolation.
//
// Queries:
//
//   - Placeholders are '?' and every query goes through DB.Rebind; no $1 and
//     no named parameters. jsonb operators spelled with '?' are unavailable.
//   - Upserts: INSERT ... ON CONFLICT (col) DO UPDATE SET x = excluded.x, or
//     DO NOTHING. RETURNING works on both engines.
//   - Paging: LIMIT ? OFFSET ?, with an ORDER BY that ends in a unique column.
//   - NULLs sort first on SQLite and last on PostgreSQL: make the columns you
//     order by NOT NULL, or write NULLS FIRST / NULLS LAST.
//   - Case-insensitive matching differs: LIKE ignores ASCII case on SQLite
//     only, ILIKE is PostgreSQL only, and SQLite's lower() and upper() fold
//     ASCII letters only ("Đ" stays "Đ"). For ASCII codes compare
//     lower(col) = lower(?); for Vietnamese text store a copy normalised in
//     Go (strings.ToLower, accents removed if wanted) in its own column and
//     match that.
//   - SUM of a BIGINT is NUMERIC on PostgreSQL: write
//     CAST(COALESCE(SUM(x), 0) AS BIGINT). COUNT(*) is fine as is.
//   - Only the functions both engines share: lower, upper (ASCII, see
//     above), length and substr (they count characters on both), coalesce,
//     abs, ||, CASE. No date functions (times are integers anyway).
//
// Schema changes: CREATE TABLE, CREATE [UNIQUE] INDEX, DROP INDEX, DROP TABLE,
// ALTER TABLE ... ADD COLUMN (with a constant DEFAULT when NOT NULL), RENAME
// COLUMN and DROP COLUMN are portable. SQLite cannot alter a column's type or
// constraints: create the new table, copy the rows, drop the old one and
// rename. Avoid triggers, views over engine-specific functions and
// "-- +goose StatementBegin" blocks.
//
// # Transactions and concurrency
//
// InTx commits or rolls back, and reruns the function after transient
// conflicts (SQLITE_BUSY/LOCKED, PostgreSQL serialization_failure and
// deadlock_detected), so the function must only act through its transaction.
// On SQLite a transaction takes the write lock when it begins (BEGIN
// IMMEDIATE) and waits up to 10 seconds for it; readers are never blocked
// (WAL). An SQLite file is meant for one process.
package sqlstore
