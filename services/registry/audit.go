package registry

import (
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/secretbox"
)

// auditRow is one row of audit_log.
type auditRow struct {
	Seq      int64
	At       int64
	Actor    string
	Role     string
	Action   string
	Kind     string
	ID       string
	Before   string
	After    string
	Source   string
	PrevHash string
	Hash     string
}

// computeHash is the unkeyed (version 1) hash: SHA-256 over the row's
// canonical encoding, a JSON array of every column but hash, in table
// order. prev_hash is part of it, which chains the rows. Entries written
// before the chain was keyed carry it; anyone who can write the database
// can recompute it, so on its own it proves nothing against them.
func (r auditRow) computeHash() string {
	canon, _ := json.Marshal([]any{
		"lgsp-audit-v1", r.Seq, r.At, r.Actor, r.Role, r.Action, r.Kind, r.ID,
		r.Before, r.After, r.Source, r.PrevHash,
	})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
}

// keyedPrefix starts every keyed (version 2) hash:
// "v2:<SHA-256 hex>:<HMAC-SHA256 hex>", both over the same canonical
// encoding. The SHA-256 part lets a check without the key find edits made
// without care; the HMAC, under a key derived from the master key, which
// the database does not hold, makes a rewrite of the chain detectable.
const keyedPrefix = "v2:"

// auditKeyInfo is the HKDF label of the chain key: changing it would make
// every keyed entry fail verification.
const auditKeyInfo = "lgsp registry audit chain v2"

// AuditKey derives the audit chain's HMAC key from the master key
// (LGSP_MASTER_KEY) with HKDF-SHA256 and a fixed label, so the chain needs
// no secret of its own and the key is not the one that seals secrets.
func AuditKey(masterKey string) ([]byte, error) {
	k, err := secretbox.ParseKey(masterKey)
	if err != nil {
		return nil, fmt.Errorf("LGSP_MASTER_KEY: %w", err)
	}
	return hkdf.Key(sha256.New, k, nil, auditKeyInfo, sha256.Size)
}

func (r auditRow) canonV2() []byte {
	canon, _ := json.Marshal([]any{
		"lgsp-audit-v2", r.Seq, r.At, r.Actor, r.Role, r.Action, r.Kind, r.ID,
		r.Before, r.After, r.Source, r.PrevHash,
	})
	return canon
}

func auditMAC(key, canon []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(canon)
	return m.Sum(nil)
}

// keyedHash is the version 2 hash of r under key.
func (r auditRow) keyedHash(key []byte) string {
	canon := r.canonV2()
	sum := sha256.Sum256(canon)
	return keyedPrefix + hex.EncodeToString(sum[:]) + ":" + hex.EncodeToString(auditMAC(key, canon))
}

// chainHash is the hash the write path stores for a new entry: keyed with
// the registry's audit key. Only tests build a Service without one, to
// write entries as the registry did before the chain was keyed.
func (s *Service) chainHash(r auditRow) string {
	if s.auditKey == nil {
		return r.computeHash()
	}
	return r.keyedHash(s.auditKey)
}

// checkHash checks r's stored hash: the unkeyed structure always, the HMAC
// of a keyed entry when key is not nil. It returns the problem, or "".
func (r auditRow) checkHash(key []byte) string {
	rest, keyed := strings.CutPrefix(r.Hash, keyedPrefix)
	if !keyed {
		if r.computeHash() != r.Hash {
			return "hash does not match the entry's content"
		}
		return ""
	}
	digest, mac, ok := strings.Cut(rest, ":")
	canon := r.canonV2()
	sum := sha256.Sum256(canon)
	if !ok || digest != hex.EncodeToString(sum[:]) {
		return "hash does not match the entry's content"
	}
	if key == nil {
		return ""
	}
	got, err := hex.DecodeString(mac)
	if err != nil || !hmac.Equal(got, auditMAC(key, canon)) {
		return "keyed hash does not match: the entry was written or rewritten without the audit key, or this is not the registry's master key"
	}
	return ""
}

func (r auditRow) proto() *registryv1.AuditEntry {
	return &registryv1.AuditEntry{
		Seq: r.Seq, Time: timestamppb.New(fromMS(r.At)), Actor: r.Actor, Role: r.Role,
		Action: r.Action, ResourceKind: r.Kind, ResourceId: r.ID,
		BeforeJson: r.Before, AfterJson: r.After, SourceAddress: r.Source,
		PrevHash: r.PrevHash, Hash: r.Hash,
	}
}

const auditColumns = `seq, at_ms, actor, role, action, resource_kind, resource_id, before_json, after_json, source, prev_hash, hash`

type scanner interface{ Scan(dest ...any) error }

func scanAudit(sc scanner) (auditRow, error) {
	var r auditRow
	err := sc.Scan(&r.Seq, &r.At, &r.Actor, &r.Role, &r.Action, &r.Kind, &r.ID, &r.Before, &r.After, &r.Source, &r.PrevHash, &r.Hash)
	return r, err
}

// ChainReport is the outcome of VerifyChain.
type ChainReport struct {
	OK      bool
	Entries int64
	// FirstBrokenSeq is the first entry whose hash, link or sequence number
	// is wrong; 0 when OK (or when only the head record disagrees).
	FirstBrokenSeq int64
	Problem        string
	// Keyed is true when the keyed hashes were checked (VerifyChain had
	// the key). Without it only the unkeyed structure is checked, which
	// does not detect a rewrite of the chain by whoever can write the
	// database.
	Keyed bool
	// KeyedFrom is the first entry with a keyed hash, 0 when none is.
	// Earlier entries predate keyed chains: they are protected by the
	// first keyed entry's link to them, not by their own hash.
	KeyedFrom int64
	// HeadHash is the last entry's hash, to keep outside the database: a
	// later verification ending on an earlier entry shows removed entries.
	HeadHash string
}

// VerifyChain recomputes the audit log's hash chain directly in db: every
// row's hash, its link to the previous row, the sequence without gaps, and
// the head recorded in registry_state (which catches removed tail rows
// unless the head was moved back with them). With key (AuditKey of the
// master key) it also checks the keyed hashes, requires every entry after
// the first keyed one to be keyed, and requires at least one keyed entry:
// the registry keys every entry it writes and marks the switch with a
// keyed entry when it first starts on an older, unkeyed log. key may be
// nil: the report then says the structure only was checked. The CLI's
// `lgsp audit verify --database-url` calls it.
func VerifyChain(ctx context.Context, db *sqlstore.DB, key []byte) (ChainReport, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+auditColumns+` FROM registry_audit_log ORDER BY seq`)
	if err != nil {
		return ChainReport{}, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	var (
		rep  = ChainReport{Keyed: key != nil}
		prev = ""
		want = int64(1)
	)
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return ChainReport{}, fmt.Errorf("audit verify: %w", err)
		}
		rep.Entries++
		keyed := strings.HasPrefix(r.Hash, keyedPrefix)
		if keyed && rep.KeyedFrom == 0 {
			rep.KeyedFrom = r.Seq
		}
		switch {
		case r.Seq != want:
			return broken(rep, want, fmt.Sprintf("entry %d is missing (next entry is %d)", want, r.Seq)), nil
		case r.PrevHash != prev:
			return broken(rep, r.Seq, "prev_hash does not match the previous entry's hash"), nil
		case !keyed && rep.KeyedFrom != 0:
			return broken(rep, r.Seq, fmt.Sprintf("hash is unkeyed after keyed entries (keyed from entry %d): the entry was rewritten without the audit key", rep.KeyedFrom)), nil
		}
		if p := r.checkHash(key); p != "" {
			return broken(rep, r.Seq, p), nil
		}
		prev = r.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return ChainReport{}, fmt.Errorf("audit verify: %w", err)
	}
	rep.HeadHash = prev
	var (
		seq  int64
		head string
	)
	if err := db.QueryRowContext(ctx, `SELECT audit_seq, audit_head FROM registry_state WHERE id = 1`).Scan(&seq, &head); err != nil {
		return ChainReport{}, fmt.Errorf("audit verify: %w", err)
	}
	if seq != want-1 || head != prev {
		rep.Problem = fmt.Sprintf("the recorded head is entry %d but the log ends at entry %d (entries removed or head altered)", seq, want-1)
		if seq > want-1 {
			rep.FirstBrokenSeq = want
		}
		return rep, nil
	}
	if key != nil && rep.Entries > 0 && rep.KeyedFrom == 0 {
		return broken(rep, 1, "no entry has a keyed hash: the registry keys every entry it writes, so the log was rewritten without the audit key, or no registry with keyed chains has run on it yet"), nil
	}
	rep.OK = true
	return rep, nil
}

func broken(rep ChainReport, seq int64, problem string) ChainReport {
	rep.OK, rep.FirstBrokenSeq, rep.Problem = false, seq, problem
	return rep
}

// ListAuditEntries lists audit entries, newest first, with filters.
func (s *Service) ListAuditEntries(ctx context.Context, req *registryv1.ListAuditEntriesRequest) (*registryv1.ListAuditEntriesResponse, error) {
	if _, err := authorize(ctx, "ListAuditEntries"); err != nil {
		return nil, err
	}
	l := listQuery{desc: true}
	if req.GetActor() != "" {
		l.where("actor = ?", req.GetActor())
	}
	if req.GetResourceKind() != "" {
		l.where("resource_kind = ?", req.GetResourceKind())
	}
	if req.GetResourceId() != "" {
		l.where("resource_id = ?", req.GetResourceId())
	}
	if req.GetAction() != "" {
		l.where("action = ?", req.GetAction())
	}
	if req.StartTime != nil {
		if err := req.StartTime.CheckValid(); err != nil {
			return nil, errInvalidTime("start_time")
		}
		l.where("at_ms >= ?", req.StartTime.AsTime().UnixMilli())
	}
	if req.EndTime != nil {
		if err := req.EndTime.CheckValid(); err != nil {
			return nil, errInvalidTime("end_time")
		}
		l.where("at_ms < ?", req.EndTime.AsTime().UnixMilli())
	}
	resp := &registryv1.ListAuditEntriesResponse{}
	next, err := listPage(ctx, s.db, &l, `SELECT `+auditColumns+` FROM registry_audit_log`, "seq", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (int64, error) {
			r, err := scanAudit(sc)
			if err != nil {
				return 0, err
			}
			resp.Entries = append(resp.Entries, r.proto())
			return r.Seq, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list audit entries", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// VerifyAuditChain runs VerifyChain.
func (s *Service) VerifyAuditChain(ctx context.Context, _ *registryv1.VerifyAuditChainRequest) (*registryv1.VerifyAuditChainResponse, error) {
	if _, err := authorize(ctx, "VerifyAuditChain"); err != nil {
		return nil, err
	}
	rep, err := VerifyChain(ctx, s.db, s.auditKey)
	if err != nil {
		return nil, s.internalErr(ctx, "verify audit chain", err)
	}
	if !rep.OK {
		s.log.ErrorContext(ctx, "audit chain verification failed", "first_broken_seq", rep.FirstBrokenSeq, "problem", rep.Problem)
	} else {
		// The log keeps the head outside the database, where removing
		// entries from the end of the chain would show.
		s.log.InfoContext(ctx, "audit chain verified", "entries", rep.Entries, "head_hash", rep.HeadHash)
	}
	return ChainResponse(rep), nil
}

// ChainResponse is rep as the VerifyAuditChain answer.
func ChainResponse(rep ChainReport) *registryv1.VerifyAuditChainResponse {
	return &registryv1.VerifyAuditChainResponse{Ok: rep.OK, Entries: rep.Entries, FirstBrokenSeq: rep.FirstBrokenSeq, Problem: rep.Problem,
		Keyed: rep.Keyed, KeyedFromSeq: rep.KeyedFrom, HeadHash: rep.HeadHash}
}

// markKeyedChain appends, when the log's last entry is unkeyed (written
// before the chain was keyed), a keyed entry that links to it: from then
// on the older entries cannot be changed without breaking that link, and
// a verification with the key expects keyed entries. It does nothing on
// an empty or already keyed log.
func (s *Service) markKeyedChain(ctx context.Context) error {
	if s.auditKey == nil {
		return nil
	}
	_, err := s.write(ctx, systemActor, func(ctx context.Context, t *wtx) error {
		var head string
		if err := t.queryRow(ctx, `SELECT audit_head FROM registry_state WHERE id = 1`).Scan(&head); err != nil {
			return err
		}
		if head == "" || strings.HasPrefix(head, keyedPrefix) {
			return nil
		}
		t.audit("audit_chain", "keyed", "key_chain", nil, nil)
		return nil
	})
	return err
}
