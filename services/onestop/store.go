package onestop

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"time"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

func migrationsFS() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		panic(err)
	}
	return sub
}

// dossier is a row of onestop_dossiers. Zero times mean "not yet".
type dossier struct {
	Code            string
	RequestKey      sql.NullString
	Receiving       string
	Handling        string
	Level           string
	Procedure       string
	Status          int
	Received        time.Time
	Due             time.Time
	PausedDays      int // -1 when not paused
	Finished        time.Time
	Returned        time.Time
	Timeliness      string
	OverdueNotified bool
	SyncVersion     int64
	SyncBlocked     bool
	TrailSeq        int64
	Body            body
	Created         time.Time
	Updated         time.Time
}

// body is what a dossier holds besides its indexed columns, as JSON.
type body struct {
	ProcedureName string        `json:"procedure_name"`
	FieldCode     string        `json:"field_code,omitempty"`
	FieldName     string        `json:"field_name,omitempty"`
	Applicant     applicant     `json:"applicant"`
	Summary       string        `json:"summary,omitempty"`
	Channel       int           `json:"channel,omitempty"`
	ReceiptNumber string        `json:"receipt_number,omitempty"`
	Documents     []document    `json:"documents,omitempty"`
	Fees          []fee         `json:"fees,omitempty"`
	Results       []resultPaper `json:"results,omitempty"`
	Supplements   []supplement  `json:"supplements,omitempty"`
	HandlingName  string        `json:"handling_name,omitempty"`
	Note          string        `json:"note,omitempty"`
}

type applicant struct {
	Kind    int    `json:"kind"`
	ID      string `json:"id"`
	Name    string `json:"name"`
	Phone   string `json:"phone,omitempty"`
	Email   string `json:"email,omitempty"`
	Address string `json:"address,omitempty"`
}

type document struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
}

type fee struct {
	Code   string `json:"code,omitempty"`
	Name   string `json:"name"`
	Amount int64  `json:"amount"`
	Method string `json:"method,omitempty"`
}

type resultPaper struct {
	ID   string `json:"id,omitempty"`
	Name string `json:"name"`
	URL  string `json:"url,omitempty"`
}

// supplement is one supplement request (HoSoBoSung).
type supplement struct {
	ID          string `json:"id"`
	RequestedBy string `json:"requested_by,omitempty"`
	Content     string `json:"content,omitempty"`
	RequestedMS int64  `json:"requested_ms"`
	ReceivedMS  int64  `json:"received_ms,omitempty"`
	DueBeforeMS int64  `json:"due_before_ms,omitempty"`
	DueAfterMS  int64  `json:"due_after_ms,omitempty"`
}

// trailEntry is a row of onestop_trail.
type trailEntry struct {
	Code        string
	Seq         int64
	Kind        string
	At          time.Time
	Agency      string
	Application string
	FromStatus  int
	ToStatus    int
	ToAgency    string
	Body        trailBody
}

type trailBody struct {
	Actor actor  `json:"actor,omitzero"`
	Note  string `json:"note,omitempty"`
	// Procedure and handling agency after the change, for event consumers.
	Procedure string `json:"procedure,omitempty"`
	Handling  string `json:"handling,omitempty"`
}

type actor struct {
	Name       string `json:"name,omitempty"`
	Title      string `json:"title,omitempty"`
	Department string `json:"department,omitempty"`
}

// Trail kinds.
const (
	kindCreated  = "created"
	kindStatus   = "status_changed"
	kindStep     = "step"
	kindTransfer = "transferred"
	kindOverdue  = "overdue"
)

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v)
}

const dossierColumns = `code, request_key, receiving_agency, handling_agency, handling_level, procedure_code, status,
	received_ms, due_ms, paused_days, finished_ms, returned_ms, timeliness, overdue_notified, sync_version,
	sync_blocked, trail_seq, body, created_ms, updated_ms`

type scanner interface{ Scan(dest ...any) error }

func scanDossier(r scanner) (*dossier, error) {
	var d dossier
	var received, due, finished, returned, created, updated int64
	var paused int64
	var status int64
	var raw string
	err := r.Scan(&d.Code, &d.RequestKey, &d.Receiving, &d.Handling, &d.Level, &d.Procedure, &status,
		&received, &due, &paused, &finished, &returned, &d.Timeliness, &d.OverdueNotified, &d.SyncVersion,
		&d.SyncBlocked, &d.TrailSeq, &raw, &created, &updated)
	if err != nil {
		return nil, err
	}
	d.Status, d.PausedDays = int(status), int(paused)
	d.Received, d.Due, d.Finished, d.Returned = fromMS(received), fromMS(due), fromMS(finished), fromMS(returned)
	d.Created, d.Updated = fromMS(created), fromMS(updated)
	if err := json.Unmarshal([]byte(raw), &d.Body); err != nil {
		return nil, err
	}
	return &d, nil
}

// store holds the SQL of the service.
type store struct {
	db *sqlstore.DB
	// The statements of every change, prepared once: database/sql keeps
	// each prepared per connection, and tx.StmtContext reuses it, so SQLite
	// does not compile them again for every change.
	stmts *stmts
}

type stmts struct {
	load, update, trail, sync *sql.Stmt
}

const (
	sqlLoad   = `SELECT ` + dossierColumns + ` FROM onestop_dossiers WHERE code = ?`
	sqlUpdate = `UPDATE onestop_dossiers SET handling_agency = ?, handling_level = ?, status = ?,
		received_ms = ?, due_ms = ?, paused_days = ?, finished_ms = ?, returned_ms = ?, timeliness = ?, overdue_notified = ?,
		sync_version = ?, sync_blocked = ?, trail_seq = ?, body = ?, updated_ms = ? WHERE code = ?`
	sqlTrail = `INSERT INTO onestop_trail (code, seq, kind, at_ms, agency, application,
		from_status, to_status, to_agency, body, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	sqlSync = `INSERT INTO onestop_sync (code, version, call, payload, state, created_ms) VALUES (?, ?, ?, ?, ?, ?)`
)

// newStore prepares the statements of every change.
func newStore(ctx context.Context, db *sqlstore.DB) (store, error) {
	load := sqlLoad
	if db.Dialect == sqlstore.Postgres {
		load += ` FOR UPDATE`
	}
	st := store{db: db, stmts: &stmts{}}
	for _, p := range []struct {
		dst **sql.Stmt
		q   string
	}{{&st.stmts.load, load}, {&st.stmts.update, sqlUpdate}, {&st.stmts.trail, sqlTrail}, {&st.stmts.sync, sqlSync}} {
		stmt, err := db.PrepareContext(ctx, db.Rebind(p.q))
		if err != nil {
			st.close()
			return store{}, err
		}
		*p.dst = stmt
	}
	return st, nil
}

// close releases the prepared statements of a store that will not be
// used (closing the database releases them otherwise).
func (st store) close() {
	if st.stmts == nil {
		return
	}
	for _, s := range []*sql.Stmt{st.stmts.load, st.stmts.update, st.stmts.trail, st.stmts.sync} {
		if s != nil {
			_ = s.Close()
		}
	}
}

var errNoRows = sql.ErrNoRows

// loadForUpdate reads a dossier inside tx, locking its row on PostgreSQL
// (SQLite transactions already hold the write lock).
func (st store) loadForUpdate(ctx context.Context, tx *sql.Tx, code string) (*dossier, error) {
	d, err := scanDossier(tx.StmtContext(ctx, st.stmts.load).QueryRowContext(ctx, code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errNoRows
	}
	return d, err
}

// load reads a dossier outside a transaction.
func (st store) load(ctx context.Context, code string) (*dossier, error) {
	return scanDossier(st.db.QueryRowContext(ctx, st.db.Rebind(sqlLoad), code))
}

// canSee reports whether agency received or handled the dossier.
func (st store) canSee(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}, code, agency string) (bool, error) {
	var one int
	err := q.QueryRowContext(ctx, st.db.Rebind(`SELECT 1 FROM onestop_access WHERE agency = ? AND code = ?`), agency, code).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (st store) insertDossier(ctx context.Context, tx *sql.Tx, d *dossier) error {
	raw, err := json.Marshal(d.Body)
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO onestop_dossiers (`+dossierColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		d.Code, d.RequestKey, d.Receiving, d.Handling, d.Level, d.Procedure, d.Status,
		ms(d.Received), ms(d.Due), d.PausedDays, ms(d.Finished), ms(d.Returned), d.Timeliness, d.OverdueNotified, d.SyncVersion,
		d.SyncBlocked, d.TrailSeq, string(raw), ms(d.Created), ms(d.Updated))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO onestop_access (agency, code) VALUES (?, ?)`), d.Receiving, d.Code)
	return err
}

func (st store) updateDossier(ctx context.Context, tx *sql.Tx, d *dossier) error {
	raw, err := json.Marshal(d.Body)
	if err != nil {
		return err
	}
	_, err = tx.StmtContext(ctx, st.stmts.update).ExecContext(ctx,
		d.Handling, d.Level, d.Status, ms(d.Received), ms(d.Due), d.PausedDays, ms(d.Finished), ms(d.Returned), d.Timeliness,
		d.OverdueNotified, d.SyncVersion, d.SyncBlocked, d.TrailSeq, string(raw), ms(d.Updated), d.Code)
	return err
}

// grantAccess lets agency see the dossier.
func (st store) grantAccess(ctx context.Context, tx *sql.Tx, code, agency string) error {
	_, err := tx.ExecContext(ctx, st.db.Rebind(`INSERT INTO onestop_access (agency, code) VALUES (?, ?) ON CONFLICT (agency, code) DO NOTHING`), agency, code)
	return err
}

// nextNumber gives the next dossier number of agency on day, in tx.
func (st store) nextNumber(ctx context.Context, tx *sql.Tx, agency, day string) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, st.db.Rebind(`INSERT INTO onestop_code_seq (agency, day, last) VALUES (?, ?, 1)
		ON CONFLICT (agency, day) DO UPDATE SET last = onestop_code_seq.last + 1 RETURNING last`), agency, day).Scan(&n)
	return n, err
}

// appendTrail adds an entry to the dossier's trail (d.TrailSeq moves on).
func (st store) appendTrail(ctx context.Context, tx *sql.Tx, d *dossier, e trailEntry, now time.Time) error {
	d.TrailSeq++
	e.Code, e.Seq = d.Code, d.TrailSeq
	e.Body.Procedure, e.Body.Handling = d.Procedure, d.Handling
	raw, err := json.Marshal(e.Body)
	if err != nil {
		return err
	}
	_, err = tx.StmtContext(ctx, st.stmts.trail).ExecContext(ctx,
		e.Code, e.Seq, e.Kind, ms(e.At), e.Agency, e.Application, e.FromStatus, e.ToStatus, e.ToAgency, string(raw), ms(now))
	return err
}

// trail reads a dossier's trail in order.
func (st store) trail(ctx context.Context, code string) ([]trailEntry, error) {
	rows, err := st.db.QueryContext(ctx, st.db.Rebind(`SELECT seq, kind, at_ms, agency, application, from_status, to_status, to_agency, body
		FROM onestop_trail WHERE code = ? ORDER BY seq`), code)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []trailEntry
	for rows.Next() {
		e := trailEntry{Code: code}
		var at, from, to int64
		var raw string
		if err := rows.Scan(&e.Seq, &e.Kind, &at, &e.Agency, &e.Application, &from, &to, &e.ToAgency, &raw); err != nil {
			return nil, err
		}
		e.At, e.FromStatus, e.ToStatus = fromMS(at), int(from), int(to)
		if err := json.Unmarshal([]byte(raw), &e.Body); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// enqueueSync writes a change bound for the portal (d.SyncVersion moves
// on). A dossier held by a dead letter queues it as held.
func (st store) enqueueSync(ctx context.Context, tx *sql.Tx, d *dossier, call string, payload []byte, now time.Time) error {
	d.SyncVersion++
	state := "pending"
	if d.SyncBlocked {
		state = "held"
	}
	_, err := tx.StmtContext(ctx, st.stmts.sync).ExecContext(ctx, d.Code, d.SyncVersion, call, string(payload), state, ms(now))
	return err
}
