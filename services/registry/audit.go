package registry

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
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

// computeHash is SHA-256 over the row's canonical encoding: a JSON array of
// every column but hash, in table order. prev_hash is part of it, which
// chains the rows.
func (r auditRow) computeHash() string {
	canon, _ := json.Marshal([]any{
		"lgsp-audit-v1", r.Seq, r.At, r.Actor, r.Role, r.Action, r.Kind, r.ID,
		r.Before, r.After, r.Source, r.PrevHash,
	})
	sum := sha256.Sum256(canon)
	return hex.EncodeToString(sum[:])
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
}

// VerifyChain recomputes the audit log's hash chain directly in db: every
// row's hash, its link to the previous row, the sequence without gaps, and
// the head recorded in registry_state (which catches removed tail rows). The
// CLI's `lgsp audit verify --database-url` calls it.
func VerifyChain(ctx context.Context, db *sqlstore.DB) (ChainReport, error) {
	rows, err := db.QueryContext(ctx, `SELECT `+auditColumns+` FROM registry_audit_log ORDER BY seq`)
	if err != nil {
		return ChainReport{}, fmt.Errorf("audit verify: %w", err)
	}
	defer rows.Close()
	var (
		rep  ChainReport
		prev = ""
		want = int64(1)
	)
	for rows.Next() {
		r, err := scanAudit(rows)
		if err != nil {
			return ChainReport{}, fmt.Errorf("audit verify: %w", err)
		}
		rep.Entries++
		switch {
		case r.Seq != want:
			return broken(rep, want, fmt.Sprintf("entry %d is missing (next entry is %d)", want, r.Seq)), nil
		case r.PrevHash != prev:
			return broken(rep, r.Seq, "prev_hash does not match the previous entry's hash"), nil
		case r.computeHash() != r.Hash:
			return broken(rep, r.Seq, "hash does not match the entry's content"), nil
		}
		prev = r.Hash
		want++
	}
	if err := rows.Err(); err != nil {
		return ChainReport{}, fmt.Errorf("audit verify: %w", err)
	}
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
	rep, err := VerifyChain(ctx, s.db)
	if err != nil {
		return nil, s.internalErr(ctx, "verify audit chain", err)
	}
	if !rep.OK {
		s.log.ErrorContext(ctx, "audit chain verification failed", "first_broken_seq", rep.FirstBrokenSeq, "problem", rep.Problem)
	}
	return &registryv1.VerifyAuditChainResponse{Ok: rep.OK, Entries: rep.Entries, FirstBrokenSeq: rep.FirstBrokenSeq, Problem: rep.Problem}, nil
}
