// Package sqltest runs tests against every SQL engine sqlstore supports.
//
// The SQLite leg always runs, on a fresh file in t.TempDir(). The PostgreSQL
// leg runs when LGSP_TEST_POSTGRES_DSN holds a postgres:// URL of a database
// the test may create schemas in; every Open or URL call gets its own schema,
// selected through search_path and dropped when the test ends, so tests are
// isolated and may run in parallel. Without the DSN the PostgreSQL leg is
// skipped, except when the CI environment variable is non-empty: CI must run
// both engines, so there the missing DSN fails the test.
package sqltest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
)

// EnvPostgresDSN names the environment variable holding the PostgreSQL URL
// tests use, e.g. postgres://lgsp:pw@127.0.0.1:5432/lgsp_test?sslmode=disable.
const EnvPostgresDSN = "LGSP_TEST_POSTGRES_DSN"

// Engine names accepted by Open and URL.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Engines lists the engines Each runs, in order.
var Engines = []string{SQLite, Postgres}

// schemaPrefix starts the name of every schema this package creates.
const schemaPrefix = "lgsptest_"

// staleSchemaAge is how old a leftover test schema (from a killed test run)
// must be before the next run drops it.
const staleSchemaAge = 6 * time.Hour

// Each runs fn as the subtests "sqlite" and "postgres", each with a fresh,
// empty database that is closed when the subtest ends.
func Each(t *testing.T, fn func(t *testing.T, db *sqlstore.DB)) {
	t.Helper()
	for _, engine := range Engines {
		t.Run(engine, func(t *testing.T) {
			fn(t, Open(t, engine))
		})
	}
}

// Open returns a fresh, empty database of the engine ("sqlite" or "postgres"),
// closed when the test ends. The PostgreSQL leg is skipped or fails as
// described in the package documentation.
func Open(t testing.TB, engine string) *sqlstore.DB {
	t.Helper()
	return OpenURL(t, URL(t, engine))
}

// OpenURL opens rawURL (typically from URL) and closes it when the test ends.
// Opening the same URL again reaches the same data.
func OpenURL(t testing.TB, rawURL string) *sqlstore.DB {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := sqlstore.Open(ctx, rawURL)
	if err != nil {
		t.Fatalf("sqltest: %v", err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("sqltest: close database: %v", err)
		}
	})
	return db
}

// URL returns the URL of a fresh, empty database of the engine, in the form
// sqlstore.Open and LGSP_DATABASE_URL accept, for tests that open it more than
// once or hand it to a whole service. For SQLite it names a file in a new
// t.TempDir(); for PostgreSQL it carries search_path=<new schema>, dropped
// with everything in it when the test ends.
func URL(t testing.TB, engine string) string {
	t.Helper()
	switch engine {
	case SQLite:
		return "sqlite:" + filepath.Join(t.TempDir(), "lgsp.db")
	case Postgres:
		return postgresURL(t)
	default:
		t.Fatalf("sqltest: unknown engine %q (want %q or %q)", engine, SQLite, Postgres)
		return ""
	}
}

// PostgresDSN returns LGSP_TEST_POSTGRES_DSN, skipping the test when it is
// unset outside CI and failing it when it is unset in CI.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	dsn := strings.TrimSpace(os.Getenv(EnvPostgresDSN))
	if dsn != "" {
		return dsn
	}
	if os.Getenv("CI") != "" {
		t.Fatalf("sqltest: CI must run the PostgreSQL leg: set %s (e.g. postgres://user:password@127.0.0.1:5432/lgsp_test?sslmode=disable)", EnvPostgresDSN)
	}
	t.Skipf("sqltest: %s is not set, skipping the PostgreSQL leg (set it to e.g. postgres://user:password@127.0.0.1:5432/lgsp_test?sslmode=disable)", EnvPostgresDSN)
	return ""
}

func postgresURL(t testing.TB) string {
	t.Helper()
	dsn := PostgresDSN(t)
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		t.Fatalf("sqltest: %s must be a postgres:// URL", EnvPostgresDSN)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("sqltest: connect to %s: %v", EnvPostgresDSN, err)
	}
	defer conn.Close(context.Background())

	dropStaleSchemas(ctx, conn)

	var suffix [6]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		t.Fatalf("sqltest: %v", err)
	}
	schema := schemaPrefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + hex.EncodeToString(suffix[:])
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("sqltest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("sqltest: drop schema %s: %v", schema, err)
			return
		}
		defer conn.Close(context.Background())
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+schema+" CASCADE"); err != nil {
			t.Errorf("sqltest: drop schema %s: %v", schema, err)
		}
	})

	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// dropStaleSchemas removes test schemas left behind by test processes that
// were killed before their cleanup ran. Best effort: errors are ignored.
func dropStaleSchemas(ctx context.Context, conn *pgx.Conn) {
	rows, err := conn.Query(ctx,
		"SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)", schemaPrefix)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	cutoff := time.Now().Add(-staleSchemaAge).Unix()
	for _, name := range names {
		created, _, ok := strings.Cut(strings.TrimPrefix(name, schemaPrefix), "_")
		if !ok {
			continue
		}
		sec, err := strconv.ParseInt(created, 10, 64)
		if err != nil || sec >= cutoff {
			continue
		}
		_, _ = conn.Exec(ctx, fmt.Sprintf("DROP SCHEMA IF EXISTS %s CASCADE", pgx.Identifier{name}.Sanitize()))
	}
}
