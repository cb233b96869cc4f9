package sqlstore_test

import (
	"bytes"
	"database/sql"
	"testing"
	"testing/fstest"
	"time"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

// portableSchema follows the conventions of the package documentation; the
// tests below check that each of them behaves the same on both engines.
const portableSchema = `-- +goose Up
CREATE TABLE demo_agencies (
	id TEXT PRIMARY KEY,
	code TEXT NOT NULL UNIQUE CHECK (length(code) <= 16),
	name TEXT NOT NULL,
	active BOOLEAN NOT NULL DEFAULT FALSE,
	cert BYTEA,
	created_ms BIGINT NOT NULL,
	quota BIGINT NOT NULL DEFAULT 0,
	ratio DOUBLE PRECISION NOT NULL DEFAULT 0,
	note TEXT
);
CREATE INDEX demo_agencies_created ON demo_agencies (created_ms);

CREATE TABLE demo_services (
	id TEXT PRIMARY KEY,
	agency_id TEXT NOT NULL REFERENCES demo_agencies (id) ON DELETE CASCADE,
	calls BIGINT NOT NULL DEFAULT 0
);

-- +goose Down
DROP TABLE demo_services;
DROP TABLE demo_agencies;
`

func migratePortable(t *testing.T, db *sqlstore.DB) {
	t.Helper()
	if err := db.Migrate(t.Context(), fstest.MapFS{"00001_demo.sql": {Data: []byte(portableSchema)}}, "demo"); err != nil {
		t.Fatal(err)
	}
}

func TestPortableTypesRoundTrip(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := testContext(t)
		migratePortable(t, db)
		now := time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.FixedZone("ICT", 7*3600))
		insert := db.Rebind(`INSERT INTO demo_agencies (id, code, name, active, cert, created_ms, quota, ratio, note)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`)
		rows := []struct {
			id     string
			active bool
			cert   []byte
			note   sql.NullString
		}{
			{"a-true", true, []byte{0x00, 0xff, 0x10, 0x00}, sql.NullString{String: "Sở Nội vụ", Valid: true}},
			{"a-false", false, []byte("12345"), sql.NullString{}}, // digits must stay bytes
			{"a-empty", true, []byte{}, sql.NullString{String: "", Valid: true}},
			{"a-nil", false, nil, sql.NullString{}},
		}
		for i, r := range rows {
			_, err := db.ExecContext(ctx, insert, r.id, r.id, "Agency "+r.id, r.active, r.cert,
				now.UnixMilli(), int64(1)<<40, 0.25, r.note)
			if err != nil {
				t.Fatalf("insert %d: %v", i, err)
			}
		}
		for _, r := range rows {
			var (
				active    bool
				cert      []byte
				createdMS int64
				quota     int64
				ratio     float64
				note      sql.NullString
			)
			err := db.QueryRowContext(ctx, db.Rebind(`SELECT active, cert, created_ms, quota, ratio, note
				FROM demo_agencies WHERE id = ?`), r.id).Scan(&active, &cert, &createdMS, &quota, &ratio, &note)
			if err != nil {
				t.Fatalf("%s: %v", r.id, err)
			}
			if active != r.active {
				t.Errorf("%s: active = %v, want %v", r.id, active, r.active)
			}
			// An empty blob scans as nil on SQLite and as []byte{} on
			// PostgreSQL: only its length is portable. NULL scans as nil.
			if !bytes.Equal(cert, r.cert) || (r.cert == nil && cert != nil) {
				t.Errorf("%s: cert = %#v, want %#v", r.id, cert, r.cert)
			}
			var isNull bool
			if err := db.QueryRowContext(ctx, db.Rebind("SELECT cert IS NULL FROM demo_agencies WHERE id = ?"), r.id).Scan(&isNull); err != nil {
				t.Fatal(err)
			}
			if isNull != (r.cert == nil) {
				t.Errorf("%s: cert IS NULL = %v, want %v", r.id, isNull, r.cert == nil)
			}
			if got := time.UnixMilli(createdMS); !got.Equal(now) {
				t.Errorf("%s: created = %v, want %v", r.id, got, now)
			}
			if quota != 1<<40 || ratio != 0.25 {
				t.Errorf("%s: quota = %d, ratio = %v", r.id, quota, ratio)
			}
			if note != r.note {
				t.Errorf("%s: note = %#v, want %#v", r.id, note, r.note)
			}
		}

		// Boolean filters: a bound Go bool and the TRUE/FALSE literals.
		var nTrue, nFalse, nLiteral int
		if err := db.QueryRowContext(ctx, db.Rebind("SELECT COUNT(*) FROM demo_agencies WHERE active = ?"), true).Scan(&nTrue); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM demo_agencies WHERE NOT active").Scan(&nFalse); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM demo_agencies WHERE active = TRUE").Scan(&nLiteral); err != nil {
			t.Fatal(err)
		}
		if nTrue != 2 || nFalse != 2 || nLiteral != 2 {
			t.Errorf("active counts: bound %d, NOT %d, literal %d; want 2 each", nTrue, nFalse, nLiteral)
		}

		// DEFAULT FALSE reads back as false; a NULL blob stays NULL.
		if _, err := db.ExecContext(ctx, db.Rebind("INSERT INTO demo_agencies (id, code, name, created_ms) VALUES (?, ?, ?, ?)"),
			"a-default", "a-default", "Defaults", now.UnixMilli()); err != nil {
			t.Fatal(err)
		}
		var active bool
		var cert []byte
		if err := db.QueryRowContext(ctx, "SELECT active, cert FROM demo_agencies WHERE id = 'a-default'").Scan(&active, &cert); err != nil {
			t.Fatal(err)
		}
		if active || cert != nil {
			t.Errorf("defaults: active = %v, cert = %#v", active, cert)
		}

		if db.Dialect == sqlstore.SQLite {
			// BYTEA has NUMERIC affinity in SQLite, which must not touch blobs.
			var typ string
			if err := db.QueryRowContext(ctx, "SELECT typeof(cert) FROM demo_agencies WHERE id = 'a-false'").Scan(&typ); err != nil {
				t.Fatal(err)
			}
			if typ != "blob" {
				t.Errorf("SQLite stores a BYTEA value as %s, want blob", typ)
			}
		}
	})
}

func TestPortableQueries(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := testContext(t)
		migratePortable(t, db)
		ins := db.Rebind("INSERT INTO demo_agencies (id, code, name, created_ms, quota, note) VALUES (?, ?, ?, ?, ?, ?)")
		for i, a := range []struct {
			id   string
			note any
		}{{"a1", "x"}, {"a2", nil}, {"a3", "y"}} {
			if _, err := db.ExecContext(ctx, ins, a.id, "C"+a.id, "Name "+a.id, int64(1000+i), int64(10*(i+1)), a.note); err != nil {
				t.Fatal(err)
			}
		}

		// CHECK (length(...)) is enforced on both engines.
		if _, err := db.ExecContext(ctx, ins, "long", "CODE-LONGER-THAN-16", "x", int64(1), 0, nil); err == nil {
			t.Error("CHECK constraint not enforced")
		}

		// Upsert with ON CONFLICT ... DO UPDATE ... excluded, and RETURNING.
		upsert := db.Rebind(`INSERT INTO demo_services (id, agency_id, calls) VALUES (?, ?, ?)
			ON CONFLICT (id) DO UPDATE SET calls = demo_services.calls + excluded.calls
			RETURNING calls`)
		var calls int64
		for range 3 {
			if err := db.QueryRowContext(ctx, upsert, "s1", "a1", int64(5)).Scan(&calls); err != nil {
				t.Fatalf("upsert: %v", err)
			}
		}
		if calls != 15 {
			t.Errorf("calls after 3 upserts = %d, want 15", calls)
		}
		res, err := db.ExecContext(ctx, db.Rebind("INSERT INTO demo_services (id, agency_id) VALUES (?, ?) ON CONFLICT (id) DO NOTHING"), "s1", "a2")
		if err != nil {
			t.Fatal(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != 0 {
			t.Errorf("DO NOTHING affected %d rows (%v), want 0", n, err)
		}

		// Aggregates cast to BIGINT scan into int64 on both engines.
		var sum, count int64
		if err := db.QueryRowContext(ctx, "SELECT CAST(COALESCE(SUM(quota), 0) AS BIGINT), COUNT(*) FROM demo_agencies").Scan(&sum, &count); err != nil {
			t.Fatal(err)
		}
		if sum != 60 || count != 3 {
			t.Errorf("sum = %d, count = %d; want 60, 3", sum, count)
		}

		// NULL ordering made explicit; LIMIT/OFFSET as placeholders.
		rows, err := db.QueryContext(ctx, db.Rebind("SELECT id FROM demo_agencies ORDER BY note ASC NULLS LAST, id LIMIT ? OFFSET ?"), 10, 0)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if got, want := ids, []string{"a1", "a3", "a2"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Errorf("ORDER BY note NULLS LAST = %v, want %v", got, want)
		}

		// Case-insensitive match written portably: lower() on both sides.
		var n int
		if err := db.QueryRowContext(ctx, db.Rebind("SELECT COUNT(*) FROM demo_agencies WHERE lower(name) LIKE lower(?)"), "NAME A%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 3 {
			t.Errorf("lower() LIKE matched %d rows, want 3", n)
		}

		// Foreign key cascade.
		if _, err := db.ExecContext(ctx, "DELETE FROM demo_agencies WHERE id = 'a1'"); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM demo_services").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Errorf("cascade left %d services", n)
		}
	})
}

// TestPortableSchemaChanges runs the schema changes the package documentation
// lists as portable, including the rebuild pattern for changing a column.
func TestPortableSchemaChanges(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := testContext(t)
		fsys := fstest.MapFS{
			"00001_demo.sql": {Data: []byte(portableSchema)},
			"00002_changes.sql": {Data: []byte(`-- +goose Up
ALTER TABLE demo_agencies RENAME COLUMN note TO remark;
ALTER TABLE demo_agencies DROP COLUMN ratio;
ALTER TABLE demo_agencies ADD COLUMN region TEXT NOT NULL DEFAULT 'north';
DROP INDEX demo_agencies_created;
CREATE UNIQUE INDEX demo_agencies_name ON demo_agencies (name);

-- +goose Down
SELECT 1;
`)},
			// Rebuild demo_services with calls made nullable: new table, copy,
			// drop, rename.
			"00003_rebuild.sql": {Data: []byte(`-- +goose Up
CREATE TABLE demo_services_new (
	id TEXT PRIMARY KEY,
	agency_id TEXT NOT NULL REFERENCES demo_agencies (id) ON DELETE CASCADE,
	calls BIGINT
);
INSERT INTO demo_services_new (id, agency_id, calls) SELECT id, agency_id, calls FROM demo_services;
DROP TABLE demo_services;
ALTER TABLE demo_services_new RENAME TO demo_services;

-- +goose Down
SELECT 1;
`)},
		}
		first := fstest.MapFS{"00001_demo.sql": fsys["00001_demo.sql"]}
		if err := db.Migrate(ctx, first, "demo"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO demo_agencies (id, code, name, created_ms, note) VALUES ('a1', 'c1', 'One', 1, 'kept')"); err != nil {
			t.Fatal(err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO demo_services (id, agency_id, calls) VALUES ('s1', 'a1', 7)"); err != nil {
			t.Fatal(err)
		}
		if err := db.Migrate(ctx, fsys, "demo"); err != nil {
			t.Fatal(err)
		}
		var remark, region string
		if err := db.QueryRowContext(ctx, "SELECT remark, region FROM demo_agencies WHERE id = 'a1'").Scan(&remark, &region); err != nil {
			t.Fatal(err)
		}
		if remark != "kept" || region != "north" {
			t.Errorf("remark = %q, region = %q", remark, region)
		}
		if _, err := db.ExecContext(ctx, "SELECT ratio FROM demo_agencies"); err == nil {
			t.Error("dropped column still readable")
		}
		_, err := db.ExecContext(ctx, "INSERT INTO demo_agencies (id, code, name, created_ms) VALUES ('a2', 'c2', 'One', 1)")
		if !sqlstore.IsUniqueViolation(err) {
			t.Errorf("new unique index: err = %v, want a unique violation", err)
		}
		var calls int64
		if err := db.QueryRowContext(ctx, "SELECT calls FROM demo_services WHERE id = 's1'").Scan(&calls); err != nil || calls != 7 {
			t.Errorf("rebuilt table: calls = %d, %v", calls, err)
		}
		if _, err := db.ExecContext(ctx, "INSERT INTO demo_services (id, agency_id, calls) VALUES ('s2', 'a1', NULL)"); err != nil {
			t.Errorf("rebuilt column still NOT NULL: %v", err)
		}
		_, err = db.ExecContext(ctx, "INSERT INTO demo_services (id, agency_id) VALUES ('s3', 'nobody')")
		if !sqlstore.IsForeignKeyViolation(err) {
			t.Errorf("rebuilt table lost its foreign key: err = %v", err)
		}
	})
}

func TestPortableFunctions(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		var lowered, uppered, sub, joined, picked string
		var length, absolute int64
		var fallback sql.NullString
		err := db.QueryRowContext(testContext(t), db.Rebind(`SELECT lower(?), upper(?), length(?), substr(?, 2, 3),
			? || '-' || ?, abs(?), COALESCE(NULL, ?), CASE WHEN ? > 1 THEN 'big' ELSE 'small' END`),
			"HUE Hanoi", "hue Hanoi", "Hà Nội", "abcdef", "a", "b", int64(-5), "fb", int64(2),
		).Scan(&lowered, &uppered, &length, &sub, &joined, &absolute, &fallback, &picked)
		if err != nil {
			t.Fatal(err)
		}
		if lowered != "hue hanoi" || uppered != "HUE HANOI" {
			t.Errorf("lower = %q, upper = %q", lowered, uppered)
		}
		if sub != "bcd" || joined != "a-b" || absolute != 5 || fallback.String != "fb" || picked != "big" {
			t.Errorf("substr %q, || %q, abs %d, coalesce %q, case %q", sub, joined, absolute, fallback.String, picked)
		}
		if length != 6 {
			t.Errorf("length counts %d, want 6 characters", length)
		}
		// Beyond ASCII the engines differ (SQLite folds ASCII only), which is
		// why the documentation asks for a normalised column instead.
		var vn string
		if err := db.QueryRowContext(t.Context(), db.Rebind("SELECT lower(?)"), "ĐÀ NẴNG").Scan(&vn); err != nil {
			t.Fatal(err)
		}
		if db.Dialect == sqlstore.SQLite && vn != "ĐÀ nẴng" {
			t.Errorf("SQLite lower(ĐÀ NẴNG) = %q; if SQLite now folds Unicode, update the package documentation", vn)
		}
		t.Logf("lower(ĐÀ NẴNG) = %q", vn)
	})
}
