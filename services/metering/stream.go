package metering

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/natsx"
)

// The cursor is a sequence number in one particular stream. When the NATS
// store is lost or replaced while SQL survives, LGSP_METERING starts again
// at sequence 1, below the cursor, and every new message would look
// counted already. The cursor therefore also records which stream it counts
// (JetStream's creation time of the stream) and when that stream received
// the message at the cursor. Before the consumer is positioned, and every
// streamCheck while it runs, the stream is compared with the cursor, and
// a cursor that does not belong to the stream is re-based onto it.

// defaultStreamCheck is how often a running consumer makes sure the stream
// is still the one its cursor counts.
const defaultStreamCheck = 5 * time.Second

// errStreamChanged makes Run re-position the consumer, which re-bases the
// cursor.
var errStreamChanged = errors.New("metering: the " + natsx.MeteringStream + " stream changed under the consumer: re-positioning")

// streamView is what the cursor is compared with.
type streamView struct {
	created     int64 // StreamInfo.Created, unix ms
	first, last uint64
}

func viewOf(info *jetstream.StreamInfo) streamView {
	return streamView{created: info.Created.UnixMilli(), first: info.State.FirstSeq, last: info.State.LastSeq}
}

// planKind is how a stored cursor relates to the stream.
type planKind int

const (
	// planKeep: the cursor counts this stream.
	planKeep planKind = iota
	// planAdopt: the cursor's position is right for this stream, but the
	// stored identity is missing or out of date.
	planAdopt
	// planReplaced: another stream than the counted one; the cursor moves
	// to just before its first message that was not counted.
	planReplaced
	// planRolledBack: an older copy of the counted stream (restored from
	// an older backup, or the store lost its newest messages), possibly
	// followed by new messages; the cursor moves to its last message that
	// was counted.
	planRolledBack
)

// streamPlan is the outcome of planStream: how the cursor relates to the
// stream, and the position to count from. lastMsg is when the stream
// received the message at cursor, 0 when unknown.
type streamPlan struct {
	kind    planKind
	cursor  uint64
	lastMsg int64
}

// nextFunc returns the first message at or after seq that the stream
// holds, with the time the stream received it (unix ms), or false when there
// is none.
type nextFunc func(seq uint64) (at uint64, ms int64, ok bool, err error)

// planStream decides whether the cursor cur belongs to the stream sv, and
// where counting continues when it does not.
//
//   - Nothing counted yet: the position (0) is right whatever the stream.
//   - Same creation time and the stream reaches the cursor: the counted
//     stream, provided its message at the cursor is the one counted last
//     (received at the same millisecond) or has been removed. Retention
//     removing old messages, even past the cursor, is not a change.
//   - No recorded creation time (a cursor written before it was recorded)
//     and the stream reaches the cursor: taken for the counted stream.
//   - Otherwise the stream ends below the cursor or is another stream (a
//     lost or replaced NATS store, a recreated stream, a backup restored
//     into a cluster, which gets a new creation time). Its messages up to
//     the cursor that it received no later than the last counted message
//     are messages that were counted: a stream created after the counted
//     one was lost, and messages published after a restore, are younger.
//     Counting continues after the last of them, which is the cursor
//     itself when the stream holds the counted messages under a new
//     identity, and before the stream's first message when there is none.
//     Without a recorded receive time nothing tells them apart, and every
//     message of the stream is counted.
//
// This relies on the stream's receive times growing with its sequences,
// and on a replacing server's clock not running behind the replaced one's
// by more than the time between the last counted message and the
// replacement.
func planStream(cur cursorState, sv streamView, next nextFunc) (streamPlan, error) {
	kind := planReplaced
	switch {
	case cur.last == 0 && cur.created == sv.created:
		return streamPlan{kind: planKeep}, nil
	case cur.last == 0:
		return streamPlan{kind: planAdopt}, nil
	case cur.created == 0 && sv.last >= cur.last:
		return streamPlan{kind: planAdopt, cursor: cur.last, lastMsg: cur.lastMsg}, nil
	case cur.created == sv.created && sv.last >= cur.last:
		// Unless the message at the cursor is another one than the one
		// counted: the stream was rolled back and has grown past the
		// cursor again. A message removed since cannot tell.
		if cur.lastMsg != 0 && cur.last >= sv.first {
			at, ms, ok, err := next(cur.last)
			if err != nil {
				return streamPlan{}, err
			}
			if !ok || at != cur.last || ms == cur.lastMsg {
				return streamPlan{kind: planKeep, cursor: cur.last, lastMsg: cur.lastMsg}, nil
			}
		} else {
			return streamPlan{kind: planKeep, cursor: cur.last, lastMsg: cur.lastMsg}, nil
		}
		kind = planRolledBack
	case cur.created == sv.created:
		kind = planRolledBack
	}
	lo, hi := max(sv.first, 1), min(cur.last, sv.last)
	if cur.created == 0 || cur.lastMsg == 0 || lo > hi {
		return streamPlan{kind: kind, cursor: lo - 1}, nil
	}
	b, ms, err := lastReceivedBy(lo, hi, cur.lastMsg, next)
	if err != nil {
		return streamPlan{}, err
	}
	switch {
	case b == cur.last:
		kind = planAdopt
	case b >= lo:
		kind = planRolledBack
	}
	return streamPlan{kind: kind, cursor: b, lastMsg: ms}, nil
}

// lastReceivedBy returns the last message in lo..hi that the stream
// received no later than t, with its receive time; lo-1 and 0 when there is
// none. Receive times grow with sequences, so this is a binary search.
func lastReceivedBy(lo, hi uint64, t int64, next nextFunc) (uint64, int64, error) {
	// Messages before a were received by t; from z on, none up to hi was.
	a, z := lo, hi+1
	var ms int64
	for a < z {
		m := a + (z-a)/2
		at, mt, ok, err := next(m)
		if err != nil {
			return 0, 0, err
		}
		if !ok || at > hi || mt > t {
			z = m
			continue
		}
		a, ms = at+1, mt
	}
	return a - 1, ms, nil
}

// nextIn reads messages from stream.
func nextIn(ctx context.Context, stream jetstream.Stream) nextFunc {
	return func(seq uint64) (uint64, int64, bool, error) {
		m, err := stream.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(filterSubject))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return 0, 0, false, nil
		}
		if err != nil {
			return 0, 0, false, fmt.Errorf("metering: read stream message %d: %w", seq, err)
		}
		return m.Sequence, m.Time.UnixMilli(), true, nil
	}
}

// reconcileStream makes the cursor belong to the stream before the consumer
// is positioned: it records the stream's identity, or re-bases the cursor
// onto a replaced or rolled-back stream. The counts already in SQL are
// kept: they are the record of the stream they were counted from.
func (s *Service) reconcileStream(ctx context.Context, stream jetstream.Stream) error {
	info, err := stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("metering: %s: %w", natsx.MeteringStream, err)
	}
	sv := viewOf(info)
	plan, err := planStream(s.cur, sv, nextIn(ctx, stream))
	if err != nil {
		return err
	}
	s.lastStreamCheck = time.Now()
	old := s.cur
	attrs := []any{
		"stream", natsx.MeteringStream, "consumer", s.cfg.Consumer,
		"cursor", old.last, "cursor_stream_created", msTime(old.created),
		"stream_created", info.Created.UTC(), "stream_first_seq", sv.first, "stream_last_seq", sv.last,
	}
	switch plan.kind {
	case planKeep:
		return nil
	case planAdopt:
		if err := s.rebase(ctx, cursorState{last: plan.cursor, created: sv.created, lastMsg: plan.lastMsg}); err != nil {
			return err
		}
		if old.created != 0 && old.last != 0 {
			s.log.Warn("metering: the LGSP_METERING stream was recreated but holds the messages already counted (restored or moved); the cursor is kept",
				append(attrs, "msg_vi", "Luồng LGSP_METERING được tạo lại nhưng vẫn chứa các bản tin đã đếm (khôi phục hoặc di chuyển); giữ nguyên vị trí đã đếm")...)
		}
		return nil
	case planReplaced:
		if err := s.rebase(ctx, cursorState{last: plan.cursor, created: sv.created, lastMsg: plan.lastMsg}); err != nil {
			return err
		}
		metricStreamResets.WithLabelValues("replaced").Inc()
		// A replaced store lost the quota bucket too: rebuild it from SQL.
		s.quota.dirty = true
		s.log.Error("metering: the LGSP_METERING stream is not the one the cursor counted (NATS store lost or replaced, or stream recreated); "+
			"counting restarts at the new stream's first message and the counts already in SQL are kept; "+
			"events that were only in the old store and not yet counted cannot be recovered",
			append(attrs, "new_cursor", plan.cursor,
				"msg_vi", "Luồng LGSP_METERING không còn là luồng đã được đếm (kho NATS bị mất hoặc bị thay thế, hoặc luồng được tạo lại); "+
					"hệ thống đếm lại từ bản tin đầu tiên của luồng mới và giữ nguyên số liệu đã đếm trong SQL; "+
					"các sự kiện chỉ có trong kho cũ mà chưa được đếm thì không khôi phục được")...)
	case planRolledBack:
		if err := s.rebase(ctx, cursorState{last: plan.cursor, created: sv.created, lastMsg: plan.lastMsg}); err != nil {
			return err
		}
		metricStreamResets.WithLabelValues("rolled_back").Inc()
		s.quota.dirty = true
		s.log.Error("metering: the LGSP_METERING stream is an older copy of the counted stream (restored from an older backup, or the NATS store lost its newest messages); "+
			"its messages that were counted are not counted again, counting resumes after them and the counts already in SQL are kept",
			append(attrs, "new_cursor", plan.cursor,
				"msg_vi", "Luồng LGSP_METERING là bản cũ hơn của luồng đã được đếm (khôi phục từ bản sao lưu cũ hơn, hoặc kho NATS mất các bản tin mới nhất); "+
					"các bản tin đã đếm không bị đếm lại, hệ thống đếm tiếp từ sau chúng và giữ nguyên số liệu đã đếm trong SQL")...)
	}
	return nil
}

// rebase replaces the stored cursor s.cur with next in one transaction,
// provided nobody moved it meanwhile.
func (s *Service) rebase(ctx context.Context, next cursorState) error {
	nowMS := s.clock().UnixMilli()
	err := s.db.InTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.db.Rebind(`UPDATE metering_cursor SET last_seq = ?, stream_created_ms = ?, last_msg_ms = ?, update_ms = ?
			WHERE name = ? AND last_seq = ? AND stream_created_ms = ?`),
			int64(next.last), next.created, next.lastMsg, nowMS, s.cfg.Consumer, int64(s.cur.last), s.cur.created)
		if err != nil {
			return fmt.Errorf("metering: re-base cursor: %w", err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("metering: re-base cursor: %w", err)
		} else if n != 1 {
			return errCursorMoved
		}
		return nil
	})
	if err != nil {
		return err
	}
	s.cur = next
	return nil
}

// checkStream reports errStreamChanged when the stream is no longer the one
// the cursor counts. Unless now is set it only looks every streamCheck, and
// leaves a NATS outage to the receive path.
func (s *Service) checkStream(ctx context.Context, stream jetstream.Stream, now bool) error {
	if !now && time.Since(s.lastStreamCheck) < s.streamCheck {
		return nil
	}
	s.lastStreamCheck = time.Now()
	info, err := stream.Info(ctx)
	switch {
	case errors.Is(err, jetstream.ErrStreamNotFound):
		return fmt.Errorf("metering: %s: %w", natsx.MeteringStream, err)
	case err != nil && now:
		return fmt.Errorf("metering: %s: %w", natsx.MeteringStream, err)
	case err != nil:
		return nil
	}
	if info.Created.UnixMilli() != s.cur.created || info.State.LastSeq < s.cur.last {
		return errStreamChanged
	}
	return nil
}

// msTime renders a stored unix ms time for logs; 0 is unknown.
func msTime(ms int64) any {
	if ms == 0 {
		return "unknown"
	}
	return time.UnixMilli(ms).UTC()
}
