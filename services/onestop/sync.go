package onestop

import (
	"context"
	"database/sql"
	"errors"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
)

// The sync deliverer reads the outbox (onestop_sync) and sends each
// dossier's changes to the national portal in PhienBan order: at most one
// change per dossier per call, so that a refused change can never be
// overtaken by a later one of the same dossier, and many dossiers per
// call. A change the portal has (error_code "00", a resend included) is
// done. A change it refuses for good ("03") goes to the dead letter at
// once; one it refuses for a while goes there after SyncAttempts
// refusals. A dead change holds the dossier's later changes (state held)
// until an admin replays it. A failure of the whole call (outage, timeout,
// malformed answer, bad credentials) changes no item: the deliverer waits,
// doubling the wait up to SyncMaxBackoff, and tries again.

// syncRow is a pending outbox item.
type syncRow struct {
	Code     string
	Version  int64
	Call     string
	Payload  []byte
	Attempts int
	Next     int64
}

var (
	metricSynced = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lgsp_onestop_sync_delivered_total", Help: "Dossier changes the national portal accepted.",
	})
	metricDead = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "lgsp_onestop_sync_dead_letters_total", Help: "Dossier changes sent to the dead letter after the portal refused them.",
	})
	metricSyncFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "lgsp_onestop_sync_failures_total", Help: "Failed portal calls and refused items, by kind (call: the whole call failed; item: one change refused).",
	}, []string{"kind"})
	metricPending = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "lgsp_onestop_sync_pending", Help: "Dossiers whose next change was due for the national portal at the last read of the outbox (at most one read's worth).",
	})
)

func init() {
	for _, c := range []prometheus.Collector{metricSynced, metricDead, metricSyncFailures, metricPending} {
		_ = prometheus.DefaultRegisterer.Register(c)
	}
}

// portal is what the deliverer needs of the connector: the outbox keeps
// each change's JSON, sent as it is.
type portal interface {
	SendEncoded(ctx context.Context, call string, items []dvcqg.Encoded) ([]dvcqg.ItemResult, error)
}

// coalesce is how long the sync and event loops let changes gather after
// a round that was not full, before the next: under load, fewer and fuller
// rounds (one outbox read and one portal call for many changes) instead of
// a round per commit, for at most this much more lag.
const coalesce = 10 * time.Millisecond

// syncLoop delivers the outbox until ctx ends.
func (s *Service) syncLoop(ctx context.Context) error {
	var backoff time.Duration
	for {
		wait := s.cfg.SyncEvery
		p := s.portalClient()
		if p != nil {
			sent, full, next, err := s.syncRound(ctx, p)
			switch {
			case err != nil && ctx.Err() != nil:
				return nil
			case err != nil:
				backoff = min(max(2*backoff, s.cfg.SyncEvery, 100*time.Millisecond), s.cfg.SyncMaxBackoff)
				wait = backoff/2 + rand.N(backoff/2+1)
				metricSyncFailures.WithLabelValues("call").Inc()
				level := s.log.Warn
				if dvcqg.IsBadCredentials(err) {
					level = s.log.Error
				}
				level("onestop: the national portal did not take the changes; trying again", "err", err, "retry_in", wait.String())
			case full:
				backoff = 0
				wait = 0
			case sent > 0:
				backoff = 0
				if !sleep(ctx, coalesce) {
					return nil
				}
				continue
			default:
				backoff = 0
				if next > 0 {
					wait = min(wait, time.Until(time.UnixMilli(next)))
				}
			}
		}
		if wait <= 0 {
			if ctx.Err() != nil {
				return nil
			}
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-s.syncWake:
			t.Stop()
		case <-t.C:
		}
	}
}

// syncRound sends one round. It reports how many changes it sent, whether
// a batch was full (more may wait), and, when nothing was due, the earliest
// retry time of a change not yet due.
func (s *Service) syncRound(ctx context.Context, p portal) (sent int, full bool, next int64, err error) {
	now := s.now().UnixMilli()
	limit := 2 * s.cfg.SyncBatch
	rows, err := s.dueHeads(ctx, now, limit)
	if err != nil {
		return 0, false, 0, err
	}
	var dossiers, steps []syncRow
	for _, r := range rows {
		switch {
		case r.Call == dvcqg.CallDongBoHoSoMC && len(dossiers) < s.cfg.SyncBatch:
			dossiers = append(dossiers, r)
		case r.Call == dvcqg.CallCapNhatTienDoHoSoMC && len(steps) < s.cfg.SyncBatch:
			steps = append(steps, r)
		}
	}
	if len(dossiers) > 0 {
		if err := s.sendBatch(ctx, p, dossiers); err != nil {
			return 0, false, 0, err
		}
	}
	if len(steps) > 0 {
		if err := s.sendBatch(ctx, p, steps); err != nil {
			return len(dossiers), false, 0, err
		}
	}
	if len(rows) > 0 {
		return len(dossiers) + len(steps), len(rows) == limit || len(dossiers) == s.cfg.SyncBatch || len(steps) == s.cfg.SyncBatch, 0, nil
	}
	// Nothing due: the earliest retry tells when to look again.
	var n sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT MIN(next_ms) FROM onestop_sync WHERE state = 'pending' AND next_ms > ?`), now).Scan(&n); err != nil {
		return 0, false, 0, err
	}
	return 0, false, n.Int64, nil
}

// dueHeads reads, oldest first, the first change not yet delivered of
// each dossier, when it is pending and due: at most one per dossier, so
// that a batch never holds two changes of one dossier and a refused change
// is never overtaken by a later one.
func (s *Service) dueHeads(ctx context.Context, now int64, limit int) ([]syncRow, error) {
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(`SELECT s.code, s.version, s.call, s.payload, s.attempts, s.next_ms FROM onestop_sync s
		WHERE s.state = 'pending' AND s.next_ms <= ?
		AND NOT EXISTS (SELECT 1 FROM onestop_sync e WHERE e.code = s.code AND e.version < s.version AND e.state <> 'done')
		ORDER BY s.created_ms, s.code, s.version LIMIT ?`), now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []syncRow
	for rows.Next() {
		var r syncRow
		var payload string
		var attempts int64
		if err := rows.Scan(&r.Code, &r.Version, &r.Call, &payload, &attempts, &r.Next); err != nil {
			return nil, err
		}
		r.Payload, r.Attempts = []byte(payload), int(attempts)
		out = append(out, r)
	}
	metricPending.Set(float64(len(out)))
	return out, rows.Err()
}

// sendBatch makes one call with rows (all of one call, one per dossier)
// and records each item's outcome.
func (s *Service) sendBatch(ctx context.Context, p portal, rows []syncRow) error {
	cctx, cancel := context.WithTimeout(ctx, s.cfg.PortalTimeout+5*time.Second)
	defer cancel()
	items := make([]dvcqg.Encoded, len(rows))
	for i, r := range rows {
		items[i] = dvcqg.Encoded{MaHoSo: r.Code, PhienBan: r.Version, JSON: r.Payload}
	}
	results, err := p.SendEncoded(cctx, rows[0].Call, items)
	if err != nil {
		return err
	}
	if len(results) != len(rows) {
		return errors.New("onestop: the portal answered " + itoa(len(results)) + " results for " + itoa(len(rows)) + " items")
	}
	return s.recordResults(ctx, rows, results)
}

// recordResults marks delivered changes done and counts refusals, in one
// transaction.
func (s *Service) recordResults(ctx context.Context, rows []syncRow, results []dvcqg.ItemResult) error {
	now := s.now()
	var dead []syncRow
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		dead = dead[:0]
		done, err := tx.PrepareContext(ctx, s.db.Rebind(`UPDATE onestop_sync SET state = 'done', done_ms = ?, attempts = attempts + 1, last_error = ''
			WHERE code = ? AND version = ? AND state = 'pending'`))
		if err != nil {
			return err
		}
		defer done.Close()
		for i, r := range rows {
			res := results[i]
			if res.OK() {
				if _, err := done.ExecContext(ctx, now.UnixMilli(), r.Code, r.Version); err != nil {
					return err
				}
				continue
			}
			attempts := r.Attempts + 1
			msg := res.Code + " " + dvcqg.Describe(res.Code).String()
			if res.Message != "" {
				msg = res.Code + " " + res.Message
			}
			if res.Permanent() || attempts >= s.cfg.SyncAttempts {
				if err := s.deadLetter(ctx, tx, r, attempts, msg); err != nil {
					return err
				}
				dead = append(dead, r)
				continue
			}
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE onestop_sync SET attempts = ?, next_ms = ?, last_error = ?
				WHERE code = ? AND version = ? AND state = 'pending'`), attempts, now.Add(s.itemBackoff(attempts)).UnixMilli(), msg, r.Code, r.Version); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	ok := 0
	for i, r := range rows {
		if results[i].OK() {
			ok++
		} else {
			metricSyncFailures.WithLabelValues("item").Inc()
			_ = r
		}
	}
	metricSynced.Add(float64(ok))
	for _, r := range dead {
		metricDead.Inc()
		s.log.Error("onestop: a dossier change went to the dead letter; the dossier's later changes wait until an admin replays it",
			"alert", "onestop_sync_dead_letter", "code", r.Code, "version", r.Version, "call", r.Call)
	}
	return nil
}

// deadLetter moves a change to the dead letter and holds the dossier's
// later ones.
func (s *Service) deadLetter(ctx context.Context, tx *sql.Tx, r syncRow, attempts int, msg string) error {
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE onestop_sync SET state = 'dead', attempts = ?, last_error = ?
		WHERE code = ? AND version = ?`), attempts, msg, r.Code, r.Version); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE onestop_sync SET state = 'held' WHERE code = ? AND version > ? AND state = 'pending'`), r.Code, r.Version); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE onestop_dossiers SET sync_blocked = TRUE WHERE code = ?`), r.Code)
	return err
}

// itemBackoff is the wait before the next attempt of a refused change.
func (s *Service) itemBackoff(attempts int) time.Duration {
	d := min(time.Second<<min(attempts-1, 20), s.cfg.SyncMaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// replay sends a dead change and those held behind it again; with
// discard, the dead change is marked done without being sent.
func (s *Service) replay(ctx context.Context, code string, version int64, discard bool) (int, error) {
	var n int64
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		var state string
		err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT state FROM onestop_sync WHERE code = ? AND version = ?`), code, version).Scan(&state)
		if errors.Is(err, sql.ErrNoRows) || (err == nil && state != "dead") {
			return errDeadNotFound
		}
		if err != nil {
			return err
		}
		if discard {
			if _, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE onestop_sync SET state = 'done', done_ms = ?, last_error = ?
				WHERE code = ? AND version = ?`), s.now().UnixMilli(), "discarded by an admin / quản trị viên đã bỏ qua", code, version); err != nil {
				return err
			}
		}
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE onestop_sync SET state = 'pending', attempts = 0, next_ms = 0
			WHERE code = ? AND state IN ('dead', 'held')`), code)
		if err != nil {
			return err
		}
		n, _ = res.RowsAffected()
		_, err = tx.ExecContext(ctx, s.db.Rebind(`UPDATE onestop_dossiers SET sync_blocked = FALSE WHERE code = ?`), code)
		return err
	})
	if err != nil {
		return 0, err
	}
	s.log.Info("onestop: dead letter replayed", "code", code, "version", version, "discarded", discard, "requeued", n)
	wake(s.syncWake)
	return int(n), nil
}

// syncState summarises a dossier's outbox: synced, pending, failing, dead.
func syncState(items []syncItem, blocked bool) string {
	if blocked {
		return "dead"
	}
	state := "synced"
	for _, it := range items {
		if it.State == "pending" {
			if it.Attempts > 0 {
				return "failing"
			}
			state = "pending"
		}
	}
	return state
}

// syncItem is a row of the outbox as the API shows it.
type syncItem struct {
	Code      string
	Version   int64
	Call      string
	State     string
	Attempts  int
	LastError string
	Created   time.Time
	Next      time.Time
	Done      time.Time
}

// syncItems reads a dossier's outbox, or the dead letters when code is "".
func (s *Service) syncItems(ctx context.Context, code string, limit, offset int) ([]syncItem, error) {
	q := `SELECT code, version, call, state, attempts, last_error, created_ms, next_ms, done_ms FROM onestop_sync `
	var args []any
	if code != "" {
		q += `WHERE code = ? ORDER BY version`
		args = append(args, code)
	} else {
		q += `WHERE state = 'dead' ORDER BY created_ms, code, version LIMIT ? OFFSET ?`
		args = append(args, limit, offset)
	}
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []syncItem
	for rows.Next() {
		var it syncItem
		var attempts, created, next, done int64
		if err := rows.Scan(&it.Code, &it.Version, &it.Call, &it.State, &attempts, &it.LastError, &created, &next, &done); err != nil {
			return nil, err
		}
		it.Attempts, it.Created, it.Next, it.Done = int(attempts), fromMS(created), fromMS(next), fromMS(done)
		out = append(out, it)
	}
	return out, rows.Err()
}

func itoa(n int) string { return strconv.Itoa(n) }

// sleep waits d, or less if ctx ends; it reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}
