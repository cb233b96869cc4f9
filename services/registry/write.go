package registry

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

// actor is who a write is attributed to in the audit log.
type actor struct {
	Subject string
	Role    string
	Source  string
}

func actorOf(p authn.Principal) actor {
	return actor{Subject: p.Subject, Role: string(p.Role), Source: p.Source}
}

// systemActor is the registry itself (bootstrap, automatic rotation, seeding).
var systemActor = actor{Subject: "system", Role: "system"}

// change is one audited modification inside a write.
type change struct {
	kind, id, action string
	before, after    proto.Message
	// publish: the change alters what gateways see, so it bumps the
	// revision and is announced.
	publish bool
}

// wtx is the transaction handed to a write's body.
type wtx struct {
	tx  *sql.Tx
	db  *sqlstore.DB
	now time.Time
	// rev is the revision this transaction commits as if it publishes.
	rev     int64
	who     actor
	changes []change
}

func (t *wtx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return t.tx.ExecContext(ctx, t.db.Rebind(q), args...)
}

func (t *wtx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	return t.tx.QueryRowContext(ctx, t.db.Rebind(q), args...)
}

// record notes a change that gateways must see.
func (t *wtx) record(kind, id, action string, before, after proto.Message) {
	t.changes = append(t.changes, change{kind: kind, id: id, action: action, before: before, after: after, publish: true})
}

// audit notes a change that is only audited (sessions, users).
func (t *wtx) audit(kind, id, action string, before, after proto.Message) {
	t.changes = append(t.changes, change{kind: kind, id: id, action: action, before: before, after: after})
}

// write runs fn in a transaction that also appends the audit rows of the
// changes fn recorded and, when one of them publishes, bumps the revision.
// After the commit the first published change is announced on NATS. It
// returns the revision committed (unchanged when nothing published).
func (s *Service) write(ctx context.Context, who actor, fn func(ctx context.Context, t *wtx) error) (int64, error) {
	var (
		committed int64
		first     *change
		at        time.Time
	)
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		t := &wtx{tx: tx, db: s.db, now: s.now(), who: who}
		// Lock the state row first: this serialises writers on PostgreSQL.
		if _, err := t.exec(ctx, `UPDATE registry_state SET revision = revision WHERE id = 1`); err != nil {
			return err
		}
		var (
			rev, seq int64
			head     string
		)
		if err := t.queryRow(ctx, `SELECT revision, audit_seq, audit_head FROM registry_state WHERE id = 1`).Scan(&rev, &seq, &head); err != nil {
			return err
		}
		t.rev = rev + 1
		if err := fn(ctx, t); err != nil {
			return err
		}
		if len(t.changes) == 0 {
			committed, first = rev, nil
			return nil
		}
		newRev := rev
		first = nil
		for i := range t.changes {
			c := &t.changes[i]
			if c.publish {
				newRev = rev + 1
				if first == nil {
					first = c
				}
			}
			seq++
			e := auditRow{
				Seq: seq, At: t.now.UnixMilli(), Actor: who.Subject, Role: who.Role,
				Action: c.action, Kind: c.kind, ID: c.id,
				Before: auditJSON(c.before), After: auditJSON(c.after),
				Source: who.Source, PrevHash: head,
			}
			e.Hash = s.chainHash(e)
			if _, err := t.exec(ctx, `INSERT INTO registry_audit_log (seq, at_ms, actor, role, action, resource_kind, resource_id,
				before_json, after_json, source, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				e.Seq, e.At, e.Actor, e.Role, e.Action, e.Kind, e.ID, e.Before, e.After, e.Source, e.PrevHash, e.Hash); err != nil {
				return err
			}
			head = e.Hash
		}
		if _, err := t.exec(ctx, `UPDATE registry_state SET revision = ?, audit_seq = ?, audit_head = ? WHERE id = 1`, newRev, seq, head); err != nil {
			return err
		}
		committed, at = newRev, t.now
		return nil
	})
	if err != nil {
		return 0, err
	}
	if first != nil {
		s.publish(ctx, committed, *first, at)
	}
	return committed, nil
}

// publish announces a committed change. A failure is logged, not returned:
// the change is committed, and gateways poll GetSnapshot as a safety net.
func (s *Service) publish(ctx context.Context, rev int64, c change, at time.Time) {
	if s.bus == nil {
		return
	}
	data, err := proto.Marshal(&registryv1.ChangeEvent{
		Revision: rev, Kind: c.kind, Id: c.id, Action: c.action, Time: timestamppb.New(at),
	})
	if err != nil {
		s.log.ErrorContext(ctx, "encode change event", "err", err)
		return
	}
	msg := nats.NewMsg(natsx.RegistryChangeSubject + "." + c.kind)
	msg.Data = data
	msg.Header.Set(jetstream.MsgIDHeader, strconv.FormatInt(rev, 10))
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.publishTimeout)
	defer cancel()
	if _, err := s.bus.JS.PublishMsg(pctx, msg); err != nil {
		s.metrics.publishFailures.Inc()
		s.log.WarnContext(ctx, "change event not published; gateways will catch up by polling",
			"revision", rev, "kind", c.kind, "id", c.id, "err", err)
	}
}

var auditMarshal = protojson.MarshalOptions{UseProtoNames: true}

// auditJSON renders a resource for the audit log. Resource messages never
// carry secrets (they are write-only and stripped before this point).
func auditJSON(m proto.Message) string {
	if m == nil || !m.ProtoReflect().IsValid() {
		return ""
	}
	b, err := auditMarshal.Marshal(m)
	if err != nil {
		return `{"error":"unencodable"}`
	}
	return string(b)
}

// errNoRows reports sql.ErrNoRows.
func errNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }
