package sqltest_test

import (
	"context"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

// envChild marks a re-executed test binary that runs TestChildEach for real.
const envChild = "LGSP_SQLTEST_CHILD"

// TestChildEach only does something inside the child processes started by
// TestMissingDSN.
func TestChildEach(t *testing.T) {
	if os.Getenv(envChild) == "" {
		t.Skip("helper for TestMissingDSN")
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		if err := db.Ping(t.Context()); err != nil {
			t.Fatal(err)
		}
		t.Logf("ran on %s", db.Dialect)
	})
}

func runChild(t *testing.T, env ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildEach$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), envChild+"=1")
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func TestMissingDSN(t *testing.T) {
	t.Run("skipped outside CI", func(t *testing.T) {
		out, err := runChild(t, sqltest.EnvPostgresDSN+"=", "CI=")
		if err != nil {
			t.Fatalf("child failed: %v\n%s", err, out)
		}
		for _, want := range []string{"ran on sqlite", "--- SKIP: TestChildEach/postgres", sqltest.EnvPostgresDSN + " is not set"} {
			if !strings.Contains(out, want) {
				t.Errorf("child output lacks %q:\n%s", want, out)
			}
		}
	})
	t.Run("fails in CI", func(t *testing.T) {
		out, err := runChild(t, sqltest.EnvPostgresDSN+"=", "CI=true")
		if err == nil {
			t.Fatalf("child passed without a PostgreSQL DSN in CI:\n%s", out)
		}
		for _, want := range []string{"ran on sqlite", "--- FAIL: TestChildEach/postgres", "CI must run the PostgreSQL leg: set " + sqltest.EnvPostgresDSN} {
			if !strings.Contains(out, want) {
				t.Errorf("child output lacks %q:\n%s", want, out)
			}
		}
	})
}

func TestSQLiteURLsAreFresh(t *testing.T) {
	a, b := sqltest.URL(t, sqltest.SQLite), sqltest.URL(t, sqltest.SQLite)
	if a == b || !strings.HasPrefix(a, "sqlite:") {
		t.Fatalf("URLs %q and %q", a, b)
	}
	db := sqltest.OpenURL(t, a)
	if _, err := db.ExecContext(t.Context(), "CREATE TABLE t (id TEXT)"); err != nil {
		t.Fatal(err)
	}
	other := sqltest.OpenURL(t, b)
	if _, err := other.ExecContext(t.Context(), "SELECT COUNT(*) FROM t"); err == nil {
		t.Error("a fresh SQLite URL sees another database's table")
	}
}

func schemaExists(t *testing.T, schema string) bool {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), os.Getenv(sqltest.EnvPostgresDSN))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var exists bool
	err = conn.QueryRow(context.Background(),
		"SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)", schema).Scan(&exists)
	if err != nil {
		t.Fatal(err)
	}
	return exists
}

func TestPostgresSchemas(t *testing.T) {
	sqltest.PostgresDSN(t) // skips, or fails in CI, without a DSN
	var schemas []string
	t.Run("isolated", func(t *testing.T) {
		u1, u2 := sqltest.URL(t, sqltest.Postgres), sqltest.URL(t, sqltest.Postgres)
		for _, raw := range []string{u1, u2} {
			u, err := url.Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			schema := u.Query().Get("search_path")
			if !strings.HasPrefix(schema, "lgsptest_") {
				t.Fatalf("URL %s has search_path %q", u.Redacted(), schema)
			}
			schemas = append(schemas, schema)
		}
		db1, db2 := sqltest.OpenURL(t, u1), sqltest.OpenURL(t, u2)
		ctx := t.Context()
		var current string
		if err := db1.QueryRowContext(ctx, "SELECT current_schema()").Scan(&current); err != nil {
			t.Fatal(err)
		}
		if current != schemas[0] {
			t.Errorf("current_schema() = %q, want %q", current, schemas[0])
		}
		if _, err := db1.ExecContext(ctx, "CREATE TABLE same_name (id TEXT)"); err != nil {
			t.Fatal(err)
		}
		if _, err := db1.ExecContext(ctx, "INSERT INTO same_name (id) VALUES ('one')"); err != nil {
			t.Fatal(err)
		}
		if _, err := db2.ExecContext(ctx, "CREATE TABLE same_name (id TEXT)"); err != nil {
			t.Fatalf("second schema: %v", err)
		}
		var n int
		if err := db2.QueryRowContext(ctx, "SELECT COUNT(*) FROM same_name").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("second schema sees %d rows of the first", n)
		}
		// Reopening the URL reaches the same data.
		again := sqltest.OpenURL(t, u1)
		if err := again.QueryRowContext(ctx, "SELECT COUNT(*) FROM same_name").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 1 {
			t.Errorf("reopened URL sees %d rows, want 1", n)
		}
	})
	if len(schemas) != 2 {
		t.Fatal("subtest did not create two schemas")
	}
	for _, s := range schemas {
		if schemaExists(t, s) {
			t.Errorf("schema %s still exists after its test ended", s)
		}
	}
}

func TestUnknownEngine(t *testing.T) {
	// URL must refuse engines it does not know; run it where a failure is
	// observable without failing this test.
	ft := &fatalRecorder{TB: t}
	func() {
		defer func() { _ = recover() }()
		sqltest.URL(ft, "mysql")
	}()
	if !ft.failed {
		t.Error("URL accepted engine \"mysql\"")
	}
}

// fatalRecorder records Fatalf instead of ending the test.
type fatalRecorder struct {
	testing.TB
	failed bool
}

func (f *fatalRecorder) Fatalf(format string, args ...any) {
	f.failed = true
	panic("fatal")
}
