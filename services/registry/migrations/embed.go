// Package migrations holds the registry's SQL schema as goose migrations,
// written once for SQLite and PostgreSQL.
package migrations

import "embed"

// FS is the migration files, at its root.
//
//go:embed *.sql
var FS embed.FS
