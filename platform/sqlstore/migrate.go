package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"log/slog"
	"regexp"
	"sync"

	"github.com/pressly/goose/v3"
)

// sqliteMigrateMu serialises SQLite migrations within the process.
var sqliteMigrateMu sync.Mutex

// serviceName restricts service names to safe, lower-case SQL identifiers.
var serviceName = regexp.MustCompile(`^[a-z][a-z0-9_]{0,50}$`)

// VersionTable returns the name of the table that records which migrations of
// service have been applied: "goose_" + service.
func VersionTable(service string) string { return "goose_" + service }

// Migrate applies the pending goose SQL migrations found at the root of
// migrations (typically an embed.FS passed through fs.Sub), recording them in
// the service's own version table (see VersionTable), so that several services
// can share one database. It is safe to call on every start: applied
// migrations are skipped.
//
// Concurrent calls for the same service are serialised: on PostgreSQL with an
// advisory lock per schema and service (several replicas starting at once),
// on SQLite with a lock within the process (an SQLite database file belongs
// to a single process).
//
// Migration files follow goose's format: NNNNN_name.sql with "-- +goose Up"
// and "-- +goose Down" sections, written in the portable SQL described in the
// package documentation.
func (db *DB) Migrate(ctx context.Context, migrations fs.FS, service string) (err error) {
	if !serviceName.MatchString(service) {
		return fmt.Errorf("sqlstore: migrate: invalid service name %q (want %s)", service, serviceName)
	}
	if migrations == nil {
		return fmt.Errorf("sqlstore: migrate %s: no migrations given", service)
	}
	var dialect goose.Dialect
	switch db.Dialect {
	case SQLite:
		dialect = goose.DialectSQLite3
	case Postgres:
		dialect = goose.DialectPostgres
	default:
		return fmt.Errorf("sqlstore: migrate %s: unsupported dialect %s", service, db.Dialect)
	}
	provider, err := goose.NewProvider(dialect, db.DB, migrations,
		goose.WithTableName(VersionTable(service)),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return fmt.Errorf("sqlstore: migrate %s: %w", service, err)
	}

	switch db.Dialect {
	case Postgres:
		unlock, err := db.lockMigrations(ctx, service)
		if err != nil {
			return fmt.Errorf("sqlstore: migrate %s: %w", service, err)
		}
		defer func() { err = errors.Join(err, unlock()) }()
	case SQLite:
		// goose does not lock SQLite; an SQLite database belongs to one
		// process, so a process-wide lock is enough.
		sqliteMigrateMu.Lock()
		defer sqliteMigrateMu.Unlock()
	}

	results, err := provider.Up(ctx)
	for _, r := range results {
		if r.Error != nil {
			continue
		}
		slog.Default().InfoContext(ctx, "sqlstore: migration applied",
			"service", service, "dialect", db.Dialect.String(),
			"version", r.Source.Version, "file", r.Source.Path, "duration", r.Duration)
	}
	if err != nil {
		return fmt.Errorf("sqlstore: migrate %s: %w", service, err)
	}
	return nil
}

// lockMigrations takes a session-level advisory lock keyed by the current
// schema and the service, held on a dedicated connection until unlock.
func (db *DB) lockMigrations(ctx context.Context, service string) (unlock func() error, err error) {
	conn, err := db.DB.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("lock: %w", err)
	}
	var schema sql.NullString
	if err := conn.QueryRowContext(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		conn.Close()
		return nil, fmt.Errorf("lock: %w", err)
	}
	h := fnv.New64a()
	h.Write([]byte("lgsp-migrate\x00" + schema.String + "\x00" + service))
	key := int64(h.Sum64())
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", key); err != nil {
		discard(conn)
		return nil, fmt.Errorf("lock: %w", err)
	}
	return func() error {
		// The lock must be released even when ctx is already done. Should the
		// unlock fail, the session is closed instead of returned to the pool,
		// which releases the lock as well.
		_, uerr := conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", key)
		if uerr != nil {
			discard(conn)
			return fmt.Errorf("unlock: %w", uerr)
		}
		return conn.Close()
	}, nil
}

// discard closes the session behind conn rather than returning it to the pool.
func discard(conn *sql.Conn) {
	_ = conn.Raw(func(any) error { return driver.ErrBadConn })
	_ = conn.Close()
}
