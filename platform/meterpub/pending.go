package meterpub

import (
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// pendingBatch is a published batch awaiting JetStream's acknowledgement.
type pendingBatch struct {
	id        string
	msg       *nats.Msg
	events    int
	seq       uint64 // journal sequence (Durable only)
	fut       jetstream.PubAckFuture
	attempts  int
	nextRetry time.Time
}

// inFlight is the set of batches a publisher has sent and JetStream has
// not acknowledged yet, shared by Batcher and Durable: publishing,
// re-publishing with the same Nats-Msg-Id after a failure, with backoff,
// and reaping acknowledgements.
type inFlight struct {
	js      jetstream.JetStream
	log     *slog.Logger
	hooks   *Hooks
	pending []*pendingBatch
}

func (f *inFlight) publish(p *pendingBatch) {
	p.attempts++
	fut, err := f.js.PublishMsgAsync(p.msg)
	if err != nil {
		p.fut = nil
		p.nextRetry = time.Now().Add(backoff(p.attempts))
		return
	}
	p.fut = fut
}

// add publishes p and tracks it.
func (f *inFlight) add(p *pendingBatch) {
	f.publish(p)
	f.pending = append(f.pending, p)
	f.changed()
}

// reap calls acked for every acknowledged batch, drops it, and
// re-publishes failed ones when their backoff has passed. With wait, it
// gives each outstanding batch a moment to complete.
func (f *inFlight) reap(wait bool, acked func(*pendingBatch)) {
	now := time.Now()
	kept := f.pending[:0]
	for _, p := range f.pending {
		if p.fut == nil {
			if !now.Before(p.nextRetry) {
				f.publish(p)
			}
			kept = append(kept, p)
			continue
		}
		var timer <-chan time.Time
		if wait {
			timer = time.After(5 * time.Millisecond)
		}
		select {
		case <-p.fut.Ok():
			acked(p)
			continue
		case err := <-p.fut.Err():
			if p.attempts == 1 || p.attempts%20 == 0 {
				f.log.Warn("metering: batch not acknowledged, will re-send", "batch", p.id, "attempt", p.attempts, "err", err)
			}
			if h := f.hooks.Republish; h != nil {
				h()
			}
			p.fut = nil
			p.nextRetry = now.Add(backoff(p.attempts))
		case <-timer:
		}
		kept = append(kept, p)
	}
	for i := len(kept); i < len(f.pending); i++ {
		f.pending[i] = nil
	}
	f.pending = kept
	f.changed()
}

func (f *inFlight) events() int {
	n := 0
	for _, p := range f.pending {
		n += p.events
	}
	return n
}

func (f *inFlight) changed() {
	if h := f.hooks.Pending; h != nil {
		h(len(f.pending))
	}
}

func backoff(attempt int) time.Duration {
	d := 100 * time.Millisecond << min(attempt, 6)
	return min(d, 5*time.Second)
}
