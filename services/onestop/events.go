package onestop

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/natsx"
)

// Events for other systems (the IOC dashboard, the province's own
// software) are published from the trail, which is their outbox: a change
// commits its trail entry with it, and this loop publishes the entries
// not yet published, then marks them. A crash between the two publishes
// an entry again with the same Nats-Msg-Id (<code>#<seq>), which the
// stream drops as a duplicate within its duplicate window (10 minutes;
// a restart after longer may publish such an entry twice, and consumers
// keep the last seq they saw per code). Events carry no personal data.

// Event is the JSON payload of a dossier event.
type Event struct {
	Code       string    `json:"code"`
	Seq        int64     `json:"seq"`
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	Agency     string    `json:"agency,omitempty"`
	Procedure  string    `json:"procedure,omitempty"`
	Handling   string    `json:"handling_agency,omitempty"`
	FromStatus int       `json:"from_status,omitempty"`
	ToStatus   int       `json:"to_status,omitempty"`
	ToAgency   string    `json:"to_agency,omitempty"`
}

// publishBatch bounds the events of one round.
const publishBatch = 500

// eventLoop publishes the trail until ctx ends.
func (s *Service) eventLoop(ctx context.Context) error {
	for {
		n, err := s.publishRound(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("onestop: publishing dossier events failed; trying again", "err", err)
		}
		if err == nil && n == publishBatch {
			continue
		}
		if err == nil && n > 0 {
			if !sleep(ctx, coalesce) {
				return nil
			}
			continue
		}
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.eventWake:
			t.Stop()
		case <-t.C:
		}
	}
}

type pubKey struct {
	code string
	seq  int64
}

// publishRound publishes up to publishBatch unpublished entries.
func (s *Service) publishRound(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT code, seq, kind, at_ms, agency, from_status, to_status, to_agency, body
		FROM onestop_trail WHERE NOT published ORDER BY created_ms, code, seq LIMIT ?`), publishBatch)
	if err != nil {
		return 0, err
	}
	var keys []pubKey
	var futures []jetstream.PubAckFuture
	for rows.Next() {
		var e Event
		var at, from, to int64
		var raw string
		if err := rows.Scan(&e.Code, &e.Seq, &e.Kind, &at, &e.Agency, &from, &to, &e.ToAgency, &raw); err != nil {
			rows.Close()
			return 0, err
		}
		var b trailBody
		_ = json.Unmarshal([]byte(raw), &b)
		e.At, e.FromStatus, e.ToStatus, e.Procedure, e.Handling = fromMS(at).UTC(), int(from), int(to), b.Procedure, b.Handling
		payload, err := json.Marshal(e)
		if err != nil {
			rows.Close()
			return 0, err
		}
		msg := nats.NewMsg(natsx.OneStopEventSubject + "." + e.Kind + "." + natsx.AgencySubjectToken(e.Handling))
		msg.Data = payload
		msg.Header.Set(nats.MsgIdHdr, e.Code+"#"+strconv.FormatInt(e.Seq, 10))
		f, err := s.bus.JS.PublishMsgAsync(msg)
		if err != nil {
			rows.Close()
			return 0, err
		}
		keys = append(keys, pubKey{e.Code, e.Seq})
		futures = append(futures, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if len(keys) == 0 {
		return 0, nil
	}
	var acked []pubKey
	timeout := time.After(10 * time.Second)
	for i, f := range futures {
		select {
		case <-f.Ok():
			acked = append(acked, keys[i])
		case <-f.Err():
		case <-timeout:
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		mark, err := tx.PrepareContext(ctx, s.db.Rebind(`UPDATE onestop_trail SET published = TRUE WHERE code = ? AND seq = ?`))
		if err != nil {
			return err
		}
		defer mark.Close()
		for _, k := range acked {
			if _, err := mark.ExecContext(ctx, k.code, k.seq); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && len(acked) < len(keys) {
		s.log.Warn("onestop: NATS did not acknowledge some dossier events; they are published again", "unacknowledged", len(keys)-len(acked))
	}
	return len(acked), err
}

// overdueLoop finds dossiers that became overdue and records one overdue
// entry for each (which the event loop publishes), and re-reads the
// holiday calendars that another process may have loaded.
func (s *Service) overdueLoop(ctx context.Context) error {
	t := time.NewTicker(s.cfg.OverdueEvery)
	defer t.Stop()
	for {
		if err := s.markOverdue(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("onestop: looking for overdue dossiers failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if err := s.loadCalendars(ctx); err != nil && ctx.Err() == nil {
			s.log.Warn("onestop: reading the holiday calendars failed", "err", err)
		}
	}
}

// markOverdue records the dossiers that passed their due time.
func (s *Service) markOverdue(ctx context.Context) error {
	for {
		now := s.now()
		rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT code FROM onestop_dossiers
			WHERE finished_ms = 0 AND status IN (2, 4) AND due_ms > 0 AND due_ms < ? AND NOT overdue_notified LIMIT 200`), now.UnixMilli())
		if err != nil {
			return err
		}
		var codes []string
		for rows.Next() {
			var c string
			if err := rows.Scan(&c); err != nil {
				rows.Close()
				return err
			}
			codes = append(codes, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(codes) == 0 {
			return err
		}
		for _, code := range codes {
			err := s.group.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
				d, err := s.st.loadForUpdate(ctx, tx, code)
				if err != nil {
					return err
				}
				if d.OverdueNotified || d.Finished.After(time.Time{}) || d.Due.IsZero() || !d.Due.Before(now) || (d.Status != stReceived && d.Status != stProcessing) {
					return nil
				}
				d.OverdueNotified = true
				e := trailEntry{Kind: kindOverdue, At: d.Due, FromStatus: d.Status, ToStatus: d.Status}
				if err := s.st.appendTrail(ctx, tx, d, e, now); err != nil {
					return err
				}
				return s.st.updateDossier(ctx, tx, d)
			})
			if err != nil {
				return err
			}
		}
		wake(s.eventWake)
		if len(codes) < 200 {
			return nil
		}
	}
}
