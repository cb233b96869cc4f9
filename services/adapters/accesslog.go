package adapters

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"strconv"
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

// Kinds of person identifiers in the access log.
const (
	subjectCitizen   = "citizen_id"
	subjectInsurance = "insurance_number"
)

// Results of a lookup, as the access log records them.
const (
	resultFound      = "found"
	resultIncomplete = "incomplete"
	resultNotFound   = "not_found"
	resultMismatch   = "mismatch"      // a declared identity did not match
	resultRejected   = "rejected"      // NGSP refused the request's data
	resultNoPurpose  = "refused"       // no or bad purpose: nothing was asked of NGSP
	resultFailed     = "unavailable"   // NGSP did not answer usefully
	resultSubmitted  = "submitted"     // a request (judicial record) was filed
	resultMisconfig  = "misconfigured" // the platform's NGSP setup is wrong
)

// access is one lookup of a person's data.
type access struct {
	Seq         int64
	At          time.Time
	Application string
	Agency      string
	Officer     string
	API         string
	SubjectKind string
	SubjectHash string
	LegalBasis  string
	CaseRef     string
	Result      string
	RequestID   string
	PrevHash    string
	Hash        string
}

// keys are the two keys derived from LGSP_ADAPTERS_AUDIT_KEY: one hashes
// person identifiers, the other chains the log. Deriving them with
// distinct labels means neither can stand in for the other.
type keys struct {
	subject, chain []byte
}

func deriveKeys(master []byte) (keys, error) {
	s, err := hkdf.Key(sha256.New, master, nil, "lgsp adapters subject v1", sha256.Size)
	if err != nil {
		return keys{}, err
	}
	c, err := hkdf.Key(sha256.New, master, nil, "lgsp adapters access chain v1", sha256.Size)
	if err != nil {
		return keys{}, err
	}
	return keys{subject: s, chain: c}, nil
}

// subjectHash is the keyed hash under which a person's identifier is
// stored and searched: HMAC-SHA256 over kind and identifier. Without the
// key, the 10¹² possible citizen IDs cannot be tried against it.
func (k keys) subjectHash(kind, id string) string {
	m := hmac.New(sha256.New, k.subject)
	m.Write([]byte(kind))
	m.Write([]byte{0})
	m.Write([]byte(id))
	return hex.EncodeToString(m.Sum(nil))
}

// canon is the entry's canonical encoding: every column but hash, in
// order, prev_hash included, which chains the entries.
func (a access) canon() []byte {
	b, _ := json.Marshal([]any{"lgsp-adapters-access-v1", a.Seq, a.At.UnixMilli(), a.Application, a.Agency,
		a.Officer, a.API, a.SubjectKind, a.SubjectHash, a.LegalBasis, a.CaseRef, a.Result, a.RequestID, a.PrevHash})
	return b
}

func (k keys) entryHash(a access) string {
	m := hmac.New(sha256.New, k.chain)
	m.Write(a.canon())
	return hex.EncodeToString(m.Sum(nil))
}

// accessLog appends to and reads the access log.
type accessLog struct {
	db    *sqlstore.DB
	keys  keys
	group *sqlstore.Group
}

// record appends a to the log: it is on disk, chained, when record
// returns. Concurrent records share transactions (group commit).
func (l *accessLog) record(ctx context.Context, a access) error {
	return l.group.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE adapters_access_chain SET seq = seq WHERE id = 1`); err != nil {
			return err
		}
		var seq int64
		var head string
		if err := tx.QueryRowContext(ctx, `SELECT seq, head FROM adapters_access_chain WHERE id = 1`).Scan(&seq, &head); err != nil {
			return err
		}
		e := a
		e.Seq, e.PrevHash = seq+1, head
		e.Hash = l.keys.entryHash(e)
		if _, err := tx.ExecContext(ctx, l.db.Rebind(`INSERT INTO adapters_access_log (seq, at_ms, application, agency, officer, api,
			subject_kind, subject_hash, legal_basis, case_ref, result, request_id, prev_hash, hash)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			e.Seq, e.At.UnixMilli(), e.Application, e.Agency, e.Officer, e.API, e.SubjectKind, e.SubjectHash,
			e.LegalBasis, e.CaseRef, e.Result, e.RequestID, e.PrevHash, e.Hash); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, l.db.Rebind(`UPDATE adapters_access_chain SET seq = ?, head = ? WHERE id = 1`), e.Seq, e.Hash)
		return err
	})
}

const accessColumns = `seq, at_ms, application, agency, officer, api, subject_kind, subject_hash,
	legal_basis, case_ref, result, request_id, prev_hash, hash`

func scanAccess(sc interface{ Scan(...any) error }) (access, error) {
	var a access
	var at int64
	err := sc.Scan(&a.Seq, &at, &a.Application, &a.Agency, &a.Officer, &a.API, &a.SubjectKind, &a.SubjectHash,
		&a.LegalBasis, &a.CaseRef, &a.Result, &a.RequestID, &a.PrevHash, &a.Hash)
	a.At = time.UnixMilli(at)
	return a, err
}

// report lists a person's entries, newest first, from before (exclusive;
// 0 for the newest), within [from, to) when they are set.
func (l *accessLog) report(ctx context.Context, kind, id string, from, to time.Time, before int64, limit int) ([]access, error) {
	q := `SELECT ` + accessColumns + ` FROM adapters_access_log WHERE subject_hash = ? AND subject_kind = ?`
	args := []any{l.keys.subjectHash(kind, id), kind}
	if before > 0 {
		q += ` AND seq < ?`
		args = append(args, before)
	}
	if !from.IsZero() {
		q += ` AND at_ms >= ?`
		args = append(args, from.UnixMilli())
	}
	if !to.IsZero() {
		q += ` AND at_ms < ?`
		args = append(args, to.UnixMilli())
	}
	q += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit)
	rows, err := l.db.QueryContext(ctx, l.db.Rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []access
	for rows.Next() {
		a, err := scanAccess(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// chainReport is the outcome of a walk of the chain.
type chainReport struct {
	Entries  int64
	BadSeq   int64
	Problem  string
	HeadSeq  int64
	HeadHash string
}

// verify walks the whole chain in order: sequence numbers without gaps
// from 1, each entry naming its predecessor's hash, each hash the keyed
// hash of its entry, and the head row naming the last entry.
//
// known, when its Seq is not zero, is a head written down earlier: the
// entry must still be there with that hash.
func (l *accessLog) verify(ctx context.Context, known access) (chainReport, error) {
	var rep chainReport
	var headSeq int64
	var head string
	if err := l.db.QueryRowContext(ctx, `SELECT seq, head FROM adapters_access_chain WHERE id = 1`).Scan(&headSeq, &head); err != nil {
		return rep, err
	}
	const page = 1000
	prev, last := "", int64(0)
	for {
		rows, err := l.db.QueryContext(ctx, l.db.Rebind(`SELECT `+accessColumns+` FROM adapters_access_log WHERE seq > ? ORDER BY seq LIMIT ?`), last, page)
		if err != nil {
			return rep, err
		}
		n := 0
		for rows.Next() {
			a, err := scanAccess(rows)
			if err != nil {
				rows.Close()
				return rep, err
			}
			n++
			rep.Entries++
			switch {
			case a.Seq != last+1:
				rep.BadSeq, rep.Problem = last+1, fmt.Sprintf("entry %d is missing", last+1)
			case a.PrevHash != prev:
				rep.BadSeq, rep.Problem = a.Seq, "the entry does not name the previous entry's hash: an entry before it was removed, inserted or rewritten"
			case !hmac.Equal([]byte(a.Hash), []byte(l.keys.entryHash(a))):
				rep.BadSeq, rep.Problem = a.Seq, "the entry's keyed hash does not match its content: it was written or rewritten without the audit key"
			}
			if rep.Problem == "" && known.Seq == a.Seq && known.Hash != a.Hash {
				rep.BadSeq, rep.Problem = a.Seq, "the entry does not have the hash written down for it: the chain was rewritten from here"
			}
			if rep.Problem != "" {
				rows.Close()
				return rep, nil
			}
			prev, last = a.Hash, a.Seq
		}
		if err := rows.Close(); err != nil {
			return rep, err
		}
		if err := rows.Err(); err != nil {
			return rep, err
		}
		if n < page {
			break
		}
	}
	rep.HeadSeq, rep.HeadHash = last, prev
	switch {
	case last != headSeq || prev != head:
		rep.BadSeq, rep.Problem = last+1, "the chain's head names entry "+strconv.FormatInt(headSeq, 10)+": entries at the end were removed or the head was rewritten"
	case known.Seq > last:
		rep.BadSeq, rep.Problem = last+1, "entry "+strconv.FormatInt(known.Seq, 10)+", written down earlier, is gone: entries at the end were removed"
	}
	return rep, nil
}
