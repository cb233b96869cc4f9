package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// EnvURL is the environment variable (and setting) services read their
// database URL from. It is only named here so that errors can point at it.
const EnvURL = "LGSP_DATABASE_URL"

// acceptedForms lists the URL forms Open understands, for error messages.
const acceptedForms = `"sqlite:/path/to/file.db", "sqlite:relative/file.db", "sqlite::memory:", ` +
	`"postgres://user:password@host:5432/dbname?sslmode=disable" (or "postgresql://...")`

// Dialect names the SQL engine behind a DB.
type Dialect int

const (
	// SQLite is the embedded engine (modernc.org/sqlite, no cgo).
	SQLite Dialect = iota + 1
	// Postgres is PostgreSQL through pgx's database/sql driver.
	Postgres
)

// String returns "sqlite" or "postgres".
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	default:
		return fmt.Sprintf("Dialect(%d)", int(d))
	}
}

// SQLite connection settings. busy_timeout is how long a statement waits for
// another connection's write lock before failing with SQLITE_BUSY.
const (
	sqliteBusyTimeout = 10 * time.Second
	sqliteMaxConns    = 8
	postgresMaxConns  = 16
	postgresMaxIdle   = postgresMaxConns
)

// DB is a database handle for one engine. Queries are written once with '?'
// placeholders and passed through Rebind.
type DB struct {
	*sql.DB
	Dialect Dialect

	// pin keeps one connection open for the lifetime of an in-memory SQLite
	// database, which disappears when its last connection closes.
	pin *sql.Conn
	// writeGate serialises InTx transactions of this handle on SQLite, which
	// admits a single writer: waiting in Go is fairer and cheaper than
	// polling the file lock.
	writeGate chan struct{}
}

// Open connects to the database named by rawURL and checks that it answers.
//
// Accepted forms:
//
//	sqlite:/path/to/file.db      absolute path; the parent directory is created
//	sqlite:///path/to/file.db    the same absolute path, URL style
//	sqlite:relative/file.db      relative to the working directory
//	sqlite::memory:              a private in-memory database, shared by the
//	                             connections of this handle, gone on Close
//	postgres://user:pw@host/db   PostgreSQL (also postgresql://); pgx
//	                             connection parameters (sslmode=...) and server
//	                             settings (search_path=...) may be added to the
//	                             query
//
// A SQLite database's folder is created with mode 0700, and the database
// file and its -wal and -shm files are private to their owner (0600).
//
// SQLite connections run in WAL mode with foreign_keys=on, synchronous=NORMAL
// and a busy timeout, and transactions begin IMMEDIATE (they take the write
// lock up front, so two writers never deadlock upgrading a read lock).
func Open(ctx context.Context, rawURL string) (*DB, error) {
	switch {
	case strings.HasPrefix(rawURL, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(rawURL, "sqlite:"))
	case strings.HasPrefix(rawURL, "postgres://"), strings.HasPrefix(rawURL, "postgresql://"):
		return openPostgres(ctx, rawURL)
	default:
		return nil, fmt.Errorf("sqlstore: unsupported %s %s: accepted forms are %s",
			EnvURL, redact(rawURL), acceptedForms)
	}
}

// redact quotes a URL for an error message without its password.
func redact(rawURL string) string {
	if rawURL == "" {
		return `""`
	}
	if u, err := url.Parse(rawURL); err == nil {
		return fmt.Sprintf("%q", u.Redacted())
	}
	// Unparseable: show the scheme-like prefix only, it may hold secrets.
	if i := strings.IndexByte(rawURL, ':'); i >= 0 {
		return fmt.Sprintf("%q", rawURL[:i+1]+"...")
	}
	return `"..."`
}

var memoryDBSeq atomic.Uint64

func openSQLite(ctx context.Context, path string) (*DB, error) {
	memory := path == ":memory:"
	var dsn string
	if memory {
		// The memdb VFS shares a database between the connections that open
		// the same name starting with '/', with normal locking (unlike a
		// shared cache, whose table locks ignore busy_timeout). WAL needs
		// shared memory the VFS does not have, so the journal stays in memory.
		name := fmt.Sprintf("/lgsp-%d-%d", os.Getpid(), memoryDBSeq.Add(1))
		dsn = "file:" + name + "?vfs=memdb&" + sqliteParams(false)
	} else {
		if strings.HasPrefix(path, "///") {
			path = path[2:]
		}
		if path == "" || strings.HasPrefix(path, "//") || strings.ContainsAny(path, "?#") {
			return nil, fmt.Errorf("sqlstore: invalid SQLite %s %s: accepted forms are %s",
				EnvURL, redact("sqlite:"+path), acceptedForms)
		}
		if dir := filepath.Dir(path); dir != "." {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("sqlstore: create directory for SQLite database: %w", err)
			}
		}
		if err := privateFiles(path); err != nil {
			return nil, fmt.Errorf("sqlstore: SQLite database file: %w", err)
		}
		// A file: URI keeps unusual characters in the path intact.
		u := url.URL{Scheme: "file", Opaque: (&url.URL{Path: path}).EscapedPath()}
		dsn = u.String() + "?" + sqliteParams(true)
	}
	sqlDB, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: open SQLite: %w", err)
	}
	sqlDB.SetMaxOpenConns(sqliteMaxConns)
	sqlDB.SetMaxIdleConns(sqliteMaxConns)
	sqlDB.SetConnMaxLifetime(0)
	sqlDB.SetConnMaxIdleTime(0)
	db := &DB{DB: sqlDB, Dialect: SQLite, writeGate: make(chan struct{}, 1)}
	if memory {
		pin, err := sqlDB.Conn(ctx)
		if err != nil {
			sqlDB.Close()
			return nil, fmt.Errorf("sqlstore: open in-memory SQLite: %w", err)
		}
		db.pin = pin
	}
	if err := db.Ping(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("sqlstore: open SQLite %q: %w", path, err)
	}
	if !memory {
		var mode string
		if err := sqlDB.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
			db.Close()
			return nil, fmt.Errorf("sqlstore: open SQLite %q: %w", path, err)
		}
		if !strings.EqualFold(mode, "wal") {
			db.Close()
			return nil, fmt.Errorf("sqlstore: open SQLite %q: journal_mode is %q, want wal", path, mode)
		}
	}
	return db, nil
}

// privateFiles creates the SQLite database file with mode 0600 when it
// does not exist, and takes group and other permissions away from an
// existing one and from its -wal, -shm and -journal files. SQLite creates
// those companions with the database file's permissions, so they are 0600
// too. The files hold password and secret hashes, sealed secrets and the
// audit log. A permission that cannot be changed (a file of another owner)
// is logged, not fatal: the database may still be usable.
func privateFiles(path string) error {
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	_ = f.Close()
	for _, p := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if perm := fi.Mode().Perm(); perm&0o077 != 0 {
			if err := os.Chmod(p, perm&0o700); err != nil {
				slog.Default().Warn("sqlstore: cannot make a SQLite file private to its owner", "file", p, "mode", perm.String(), "err", err)
			}
		}
	}
	return nil
}

// sqliteParams returns the modernc.org/sqlite DSN parameters applied to every
// new connection.
func sqliteParams(wal bool) string {
	v := url.Values{}
	v.Set("_busy_timeout", fmt.Sprint(sqliteBusyTimeout.Milliseconds()))
	v.Set("_foreign_keys", "on")
	v.Set("_synchronous", "NORMAL")
	v.Set("_txlock", "immediate")
	if wal {
		v.Set("_journal_mode", "WAL")
		// Reads through a memory map instead of a pread per page: each
		// connection's own page cache is small, and under load the
		// preads were a quarter of the CPU. Writes still go through the
		// WAL; the map only bounds how much of the file is mapped.
		v.Add("_pragma", "mmap_size(268435456)")
	}
	return v.Encode()
}

func openPostgres(ctx context.Context, rawURL string) (*DB, error) {
	cfg, err := pgx.ParseConfig(rawURL)
	if err != nil {
		// pgx redacts the password in its parse errors.
		return nil, fmt.Errorf("sqlstore: invalid PostgreSQL %s: %w", EnvURL, err)
	}
	sqlDB := stdlib.OpenDB(*cfg)
	sqlDB.SetMaxOpenConns(postgresMaxConns)
	sqlDB.SetMaxIdleConns(postgresMaxIdle)
	sqlDB.SetConnMaxLifetime(time.Hour)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{DB: sqlDB, Dialect: Postgres}
	if err := db.Ping(ctx); err != nil {
		sqlDB.Close()
		return nil, fmt.Errorf("sqlstore: open PostgreSQL %s:%d/%s: %w", cfg.Host, cfg.Port, cfg.Database, err)
	}
	return db, nil
}

// pingTimeout bounds Ping when the caller's context has no deadline.
const pingTimeout = 5 * time.Second

// Ping reports whether the database answers a trivial query; it is meant for
// readiness checks. Without a deadline on ctx it gives up after 5 seconds.
// It shadows sql.DB.Ping, which takes no context.
func (db *DB) Ping(ctx context.Context) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, pingTimeout)
		defer cancel()
	}
	var one int
	if err := db.DB.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("sqlstore: %s not ready: %w", db.Dialect, err)
	}
	if one != 1 {
		return fmt.Errorf("sqlstore: %s not ready: SELECT 1 returned %d", db.Dialect, one)
	}
	return nil
}

// Close closes the database. An in-memory SQLite database is discarded.
func (db *DB) Close() error {
	var errs []error
	if db.pin != nil {
		errs = append(errs, db.pin.Close())
		db.pin = nil
	}
	errs = append(errs, db.DB.Close())
	return errors.Join(errs...)
}

// rebindCache maps '?' queries to their PostgreSQL form. It stops growing at
// rebindCacheMax entries so that dynamically built queries cannot exhaust
// memory; those are simply rewritten each time.
var (
	rebindCache     sync.Map
	rebindCacheSize atomic.Int64
)

const rebindCacheMax = 4096

// Rebind rewrites the '?' placeholders of query for the engine: unchanged for
// SQLite, $1..$n for PostgreSQL. A '?' inside a single-quoted literal, a
// double-quoted identifier or a comment is left alone. PostgreSQL operators
// spelled with '?' (jsonb) cannot be used in such queries.
func (db *DB) Rebind(query string) string {
	if db.Dialect != Postgres || strings.IndexByte(query, '?') < 0 {
		return query
	}
	if v, ok := rebindCache.Load(query); ok {
		return v.(string)
	}
	out := rebindDollar(query)
	if rebindCacheSize.Load() < rebindCacheMax {
		if _, loaded := rebindCache.LoadOrStore(query, out); !loaded {
			rebindCacheSize.Add(1)
		}
	}
	return out
}

// rebindDollar replaces each '?' outside literals, quoted identifiers and
// comments with $1, $2, ...
func rebindDollar(q string) string {
	var b strings.Builder
	b.Grow(len(q) + 8)
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			// A doubled quote inside ends and restarts the span, which copies
			// it through unchanged.
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case c == '-' && i+1 < len(q) && q[i+1] == '-':
			j := strings.IndexByte(q[i:], '\n')
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+1])
			i += j
		case c == '/' && i+1 < len(q) && q[i+1] == '*':
			j := strings.Index(q[i+2:], "*/")
			if j < 0 {
				b.WriteString(q[i:])
				return b.String()
			}
			b.WriteString(q[i : i+j+4])
			i += j + 3
		case c == '?':
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
