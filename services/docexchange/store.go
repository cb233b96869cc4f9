package docexchange

import (
	"context"
	"database/sql"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

func migrationsFS() fs.FS {
	f, _ := fs.Sub(migrationFiles, "migrations")
	return f
}

// Kinds, routes and delivery states as stored.
const (
	kindEdoc   = "edoc"
	kindStatus = "status"

	routeLocal    = "local"
	routeNational = "national"

	statePending   = "pending"
	stateForwarded = "forwarded"
	stateAcked     = "acknowledged"
	stateFailed    = "failed"

	originLocal    = "local"
	originNational = "national"
)

// docRow is a row of docexchange_documents.
type docRow struct {
	ID               string
	Kind             string
	Sender           string
	Recipients       []string
	DocumentID       string
	BusinessType     int
	SHA256           string
	Size             int64
	Attachments      int
	CodeNumber       string
	CodeNotation     string
	Subject          string
	DocType          string
	PromulgationDate string
	DueDate          string
	Priority         string
	StatusCode       string
	ResponseFor      string
	UnknownOriginal  bool
	Superseded       string
	Origin           string
	NationalID       string
	Created          time.Time
}

const docColumns = `id, kind, sender, recipients, document_id, business_type, sha256, size_bytes, attachments,
	code_number, code_notation, subject, doc_type, promulgation_date, due_date, priority, status_code,
	response_for, unknown_original, superseded, origin, national_id, created_ms`

type scanner interface{ Scan(...any) error }

// docScan holds what a row of docColumns scans into.
type docScan struct {
	d       docRow
	rcpt    string
	created int64
}

func (x *docScan) dest() []any {
	d := &x.d
	return []any{&d.ID, &d.Kind, &d.Sender, &x.rcpt, &d.DocumentID, &d.BusinessType, &d.SHA256, &d.Size, &d.Attachments,
		&d.CodeNumber, &d.CodeNotation, &d.Subject, &d.DocType, &d.PromulgationDate, &d.DueDate, &d.Priority, &d.StatusCode,
		&d.ResponseFor, &d.UnknownOriginal, &d.Superseded, &d.Origin, &d.NationalID, &x.created}
}

func (x *docScan) row() *docRow {
	_ = json.Unmarshal([]byte(x.rcpt), &x.d.Recipients)
	x.d.Created = time.UnixMilli(x.created)
	return &x.d
}

func scanDoc(r scanner) (*docRow, error) {
	var x docScan
	if err := r.Scan(x.dest()...); err != nil {
		return nil, err
	}
	return x.row(), nil
}

// deliveryRow is a row of docexchange_deliveries.
type deliveryRow struct {
	ID              string
	DocID           string
	Kind            string
	Sender          string
	Recipient       string
	AddressedTo     string
	Route           string
	State           string
	TransportStatus string
	StatusCode      string
	Created         time.Time
	Acked           time.Time
	StatusAt        time.Time
	FirstStatus     time.Time
	Attempts        int
	Next            time.Time
	NationalID      string
	Error           string
}

const deliveryColumns = `id, doc_id, kind, sender, recipient, addressed_to, route, state, transport_status, status_code,
	created_ms, acked_ms, status_ms, first_status_ms, attempts, next_ms, national_id, error`

func msTime(ms int64) time.Time {
	if ms == 0 {
		return time.Time{}
	}
	return time.UnixMilli(ms)
}

// deliveryScan holds what a row of deliveryColumns scans into.
type deliveryScan struct {
	d                               deliveryRow
	created, acked, st, first, next int64
}

func (x *deliveryScan) dest() []any {
	d := &x.d
	return []any{&d.ID, &d.DocID, &d.Kind, &d.Sender, &d.Recipient, &d.AddressedTo, &d.Route, &d.State, &d.TransportStatus, &d.StatusCode,
		&x.created, &x.acked, &x.st, &x.first, &d.Attempts, &x.next, &d.NationalID, &d.Error}
}

func (x *deliveryScan) row() *deliveryRow {
	d := &x.d
	d.Created, d.Acked, d.StatusAt, d.FirstStatus, d.Next = msTime(x.created), msTime(x.acked), msTime(x.st), msTime(x.first), msTime(x.next)
	return d
}

func scanDelivery(r scanner) (*deliveryRow, error) {
	var x deliveryScan
	if err := r.Scan(x.dest()...); err != nil {
		return nil, err
	}
	return x.row(), nil
}

// collect scans every row of a query with scan, closing the rows.
func collect[T any](rows *sql.Rows, err error, scan func(scanner) (T, error)) ([]T, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

func newID() string { return uuid.Must(uuid.NewV7()).String() }

// store is the service's SQL.
type store struct{ db *sqlstore.DB }

func (s store) q(query string) string { return s.db.Rebind(query) }

func (s store) insertDoc(ctx context.Context, tx *sql.Tx, d *docRow) error {
	rcpt, _ := json.Marshal(d.Recipients)
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO docexchange_documents (`+docColumns+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		d.ID, d.Kind, d.Sender, string(rcpt), d.DocumentID, d.BusinessType, d.SHA256, d.Size, d.Attachments,
		d.CodeNumber, d.CodeNotation, d.Subject, d.DocType, d.PromulgationDate, d.DueDate, d.Priority, d.StatusCode,
		d.ResponseFor, d.UnknownOriginal, d.Superseded, d.Origin, d.NationalID, d.Created.UnixMilli())
	return err
}

// insertDeliveries inserts the deliveries of one document in one
// statement.
func (s store) insertDeliveries(ctx context.Context, tx *sql.Tx, ds []*deliveryRow) error {
	if len(ds) == 0 {
		return nil
	}
	var b strings.Builder
	b.WriteString(`INSERT INTO docexchange_deliveries (` + deliveryColumns + `, published) VALUES `)
	args := make([]any, 0, len(ds)*19)
	for i, d := range ds {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
		// Only local deliveries are published to recipients' subjects.
		args = append(args, d.ID, d.DocID, d.Kind, d.Sender, d.Recipient, d.AddressedTo, d.Route, d.State, d.TransportStatus, d.StatusCode,
			d.Created.UnixMilli(), 0, 0, 0, 0, d.Next.UnixMilli(), d.NationalID, d.Error, d.Route != routeLocal)
	}
	_, err := tx.ExecContext(ctx, s.q(b.String()), args...)
	return err
}

// traces records several events of one document in one statement.
func (s store) traces(ctx context.Context, tx *sql.Tx, docID string, at time.Time, events []traceRow) error {
	var b strings.Builder
	b.WriteString(`INSERT INTO docexchange_trace (id, doc_id, at_ms, event, agency, detail) VALUES `)
	args := make([]any, 0, len(events)*6)
	for i, e := range events {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?)")
		args = append(args, newID(), docID, at.UnixMilli(), e.Event, e.Agency, e.Detail)
	}
	_, err := tx.ExecContext(ctx, s.q(b.String()), args...)
	return err
}

type queryer interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s store) trace(ctx context.Context, tx *sql.Tx, docID string, at time.Time, event, agency, detail string) error {
	_, err := tx.ExecContext(ctx, s.q(`INSERT INTO docexchange_trace (id, doc_id, at_ms, event, agency, detail) VALUES (?, ?, ?, ?, ?, ?)`),
		newID(), docID, at.UnixMilli(), event, agency, detail)
	return err
}

func (s store) doc(ctx context.Context, q queryer, id string) (*docRow, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, s.q(`SELECT `+docColumns+` FROM docexchange_documents WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// sameDoc finds the document a re-send repeats.
func (s store) sameDoc(ctx context.Context, q queryer, sender, kind, documentID string, btype int, sum string) (*docRow, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, s.q(`SELECT `+docColumns+` FROM docexchange_documents
		WHERE sender = ? AND kind = ? AND document_id = ? AND business_type = ? AND sha256 = ?`), sender, kind, documentID, btype, sum))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// original finds the new document (type 0) of a sender's DocumentId.
func (s store) original(ctx context.Context, q queryer, sender, documentID string) (*docRow, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, s.q(`SELECT `+docColumns+` FROM docexchange_documents
		WHERE sender = ? AND document_id = ? AND kind = 'edoc' AND business_type = 0`), sender, documentID))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// receivedDocs lists the documents (kind edoc) with documentID that were
// delivered to recipient, newest first, optionally only from sender.
func (s store) receivedDocs(ctx context.Context, q queryer, recipient, documentID, sender string) ([]*docRow, error) {
	query := `SELECT ` + prefixed("d.", docColumns) + ` FROM docexchange_documents d
		JOIN docexchange_deliveries v ON v.doc_id = d.id
		WHERE v.recipient = ? AND d.document_id = ? AND d.kind = 'edoc'`
	args := []any{recipient, documentID}
	if sender != "" {
		query += ` AND d.sender = ?`
		args = append(args, sender)
	}
	query += ` ORDER BY d.created_ms DESC, d.id DESC LIMIT 50`
	rows, err := q.QueryContext(ctx, s.q(query), args...)
	return collect(rows, err, scanDoc)
}

func prefixed(p, cols string) string {
	parts := strings.Split(cols, ",")
	for i, c := range parts {
		parts[i] = p + strings.TrimSpace(c)
	}
	return strings.Join(parts, ", ")
}

func (s store) deliveries(ctx context.Context, q queryer, docID string) ([]*deliveryRow, error) {
	rows, err := q.QueryContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM docexchange_deliveries WHERE doc_id = ? ORDER BY recipient`), docID)
	return collect(rows, err, scanDelivery)
}

// deliveriesOf returns the deliveries of several documents by document,
// in one query.
func (s store) deliveriesOf(ctx context.Context, docs []*docRow) (map[string][]*deliveryRow, error) {
	out := make(map[string][]*deliveryRow, len(docs))
	if len(docs) == 0 {
		return out, nil
	}
	ids := make([]any, len(docs))
	for i, d := range docs {
		ids[i] = d.ID
	}
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM docexchange_deliveries WHERE doc_id IN (?`+
		strings.Repeat(", ?", len(ids)-1)+`) ORDER BY doc_id, recipient`), ids...)
	dels, err := collect(rows, err, scanDelivery)
	for _, v := range dels {
		out[v.DocID] = append(out[v.DocID], v)
	}
	return out, err
}

func (s store) delivery(ctx context.Context, q queryer, docID, recipient string) (*deliveryRow, error) {
	d, err := scanDelivery(q.QueryRowContext(ctx, s.q(`SELECT `+deliveryColumns+` FROM docexchange_deliveries WHERE doc_id = ? AND recipient = ?`), docID, recipient))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return d, err
}

// inboxItem is a delivery with its document.
type inboxItem struct {
	doc *docRow
	del *deliveryRow
}

type inboxFilter struct {
	recipient string
	kind      string // "" for both
	all       bool   // acknowledged too
	from      string
	since     time.Time
	// after is the paging cursor: (created_ms, id) of the last item seen.
	afterMs int64
	afterID string
	limit   int
}

func (s store) inbox(ctx context.Context, f inboxFilter) ([]inboxItem, error) {
	query := `SELECT ` + prefixed("d.", docColumns) + `, ` + prefixed("v.", deliveryColumns) + `
		FROM docexchange_deliveries v JOIN docexchange_documents d ON d.id = v.doc_id
		WHERE v.recipient = ? AND v.route = 'local'`
	args := []any{f.recipient}
	if !f.all {
		query += ` AND v.state = 'pending'`
	}
	if f.kind != "" {
		query += ` AND v.kind = ?`
		args = append(args, f.kind)
	}
	if f.from != "" {
		query += ` AND v.sender = ?`
		args = append(args, f.from)
	}
	if !f.since.IsZero() {
		query += ` AND v.created_ms >= ?`
		args = append(args, f.since.UnixMilli())
	}
	if f.afterID != "" {
		query += ` AND (v.created_ms > ? OR (v.created_ms = ? AND v.id > ?))`
		args = append(args, f.afterMs, f.afterMs, f.afterID)
	}
	query += ` ORDER BY v.created_ms, v.id LIMIT ?`
	args = append(args, f.limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []inboxItem
	for rows.Next() {
		d, v, err := scanBoth(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inboxItem{doc: d, del: v})
	}
	return out, rows.Err()
}

// scanBoth scans a row of document columns followed by delivery columns.
func scanBoth(r scanner) (*docRow, *deliveryRow, error) {
	var d docScan
	var v deliveryScan
	if err := r.Scan(append(d.dest(), v.dest()...)...); err != nil {
		return nil, nil, err
	}
	return d.row(), v.row(), nil
}

func (s store) countInbox(ctx context.Context, recipient, kind string) (int64, error) {
	var n int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM docexchange_deliveries
		WHERE recipient = ? AND route = 'local' AND state = 'pending' AND kind = ?`), recipient, kind).Scan(&n)
	return n, err
}

// sent lists documents sent by sender, newest first.
func (s store) sent(ctx context.Context, sender string, since time.Time, afterMs int64, afterID string, limit int) ([]*docRow, error) {
	query := `SELECT ` + docColumns + ` FROM docexchange_documents WHERE sender = ?`
	args := []any{sender}
	if !since.IsZero() {
		query += ` AND created_ms >= ?`
		args = append(args, since.UnixMilli())
	}
	if afterID != "" {
		query += ` AND (created_ms < ? OR (created_ms = ? AND id < ?))`
		args = append(args, afterMs, afterMs, afterID)
	}
	query += ` ORDER BY created_ms DESC, id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	return collect(rows, err, scanDoc)
}

type traceRow struct {
	At                    time.Time
	Event, Agency, Detail string
}

func (s store) traceOf(ctx context.Context, docID string) ([]traceRow, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT at_ms, event, agency, detail FROM docexchange_trace WHERE doc_id = ? ORDER BY at_ms, id`), docID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []traceRow
	for rows.Next() {
		var t traceRow
		var at int64
		if err := rows.Scan(&at, &t.Event, &t.Agency, &t.Detail); err != nil {
			return nil, err
		}
		t.At = time.UnixMilli(at)
		out = append(out, t)
	}
	return out, rows.Err()
}

func (s store) statusesOf(ctx context.Context, docID string) ([]*docRow, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT `+docColumns+` FROM docexchange_documents WHERE response_for = ? AND kind = 'status' ORDER BY created_ms, id`), docID)
	return collect(rows, err, scanDoc)
}

// involved reports whether agency sent docID or has a delivery of it.
func (s store) involved(ctx context.Context, d *docRow, agency string) (bool, error) {
	if d.Sender == agency {
		return true, nil
	}
	var n int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM docexchange_deliveries WHERE doc_id = ? AND recipient = ?`), d.ID, agency).Scan(&n)
	return n > 0, err
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
