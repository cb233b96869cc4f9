package sqlstore

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// PostgreSQL SQLSTATE codes this package recognises.
const (
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
	pgSerializationFailure = "40001"
	pgDeadlockDetected     = "40P01"
)

// sqliteCode returns the extended SQLite result code carried by err, or 0.
func sqliteCode(err error) int {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code()
	}
	return 0
}

// pgCode returns the SQLSTATE carried by err, or "".
func pgCode(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code
	}
	return ""
}

// IsUniqueViolation reports whether err (or an error it wraps) is a UNIQUE or
// PRIMARY KEY constraint violation, on either engine.
func IsUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	switch sqliteCode(err) {
	case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
		return true
	}
	return pgCode(err) == pgUniqueViolation
}

// IsForeignKeyViolation reports whether err (or an error it wraps) is a
// FOREIGN KEY constraint violation, on either engine.
func IsForeignKeyViolation(err error) bool {
	if err == nil {
		return false
	}
	if sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY {
		return true
	}
	return pgCode(err) == pgForeignKeyViolation
}

// IsRetryable reports whether err is a transient concurrency failure after
// which running the whole transaction again may succeed: SQLITE_BUSY or
// SQLITE_LOCKED (any extended code), PostgreSQL serialization_failure or
// deadlock_detected. InTx retries these itself.
func IsRetryable(err error) bool {
	if err == nil {
		return false
	}
	switch sqliteCode(err) & 0xff {
	case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
		return true
	}
	switch pgCode(err) {
	case pgSerializationFailure, pgDeadlockDetected:
		return true
	}
	return false
}
