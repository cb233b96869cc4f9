package docexchange

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/adapters/vdxp"
)

// bridge connects the axis to the national document axis: it forwards
// deliveries to agencies outside the province (the outbound queue is the
// deliveries table, so it survives restarts and outages), polls the
// national inbox for documents and statuses addressed to local agencies,
// and keeps the national directory to tell a remote agency from an
// unknown code.
type bridge struct {
	s      *Service
	cfg    National
	client nationalClient

	agencies atomic.Pointer[map[string]bool]
}

// nationalClient is what the bridge uses of the connector
// (adapters/vdxp.Client).
type nationalClient interface {
	Send(ctx context.Context, pkg []byte, from string, to []string, messageType string) (string, error)
	Received(ctx context.Context, messageType string) ([]vdxp.Knobstick, error)
	Get(ctx context.Context, docID string) ([]byte, error)
	UpdateStatus(ctx context.Context, docID, status string) error
	Agencies(ctx context.Context) ([]vdxp.Agency, error)
}

func newBridge(s *Service, cfg National) *bridge {
	return &bridge{s: s, cfg: cfg, client: newNationalClient(cfg)}
}

// knows reports whether the national directory has code. Before the
// directory was ever read (the axis is down), every code is taken: the
// delivery then fails later if the axis does not know it.
func (b *bridge) knows(code string) bool {
	m := b.agencies.Load()
	if m == nil {
		return true
	}
	return (*m)[code]
}

func (b *bridge) run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { defer wg.Done(); b.directoryLoop(ctx) }()
	go func() { defer wg.Done(); b.sendLoop(ctx) }()
	go func() { defer wg.Done(); b.pollLoop(ctx) }()
	wg.Wait()
	return nil
}

func (b *bridge) directoryLoop(ctx context.Context) {
	for {
		every := b.cfg.DirRefresh
		list, err := b.client.Agencies(ctx)
		if err != nil {
			if ctx.Err() == nil {
				b.s.log.Warn("national axis: reading the agency directory failed; retrying", "err", err)
			}
			every = min(every, 30*time.Second)
		} else {
			m := make(map[string]bool, len(list))
			for _, a := range list {
				m[a.Code] = true
			}
			b.agencies.Store(&m)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

// sendLoop forwards due national deliveries.
func (b *bridge) sendLoop(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		for {
			n, err := b.sendDue(ctx)
			if err != nil && ctx.Err() == nil {
				b.s.log.Warn("national axis: reading the outbound queue failed", "err", err)
			}
			if n == 0 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-b.s.outWake:
		case <-t.C:
		}
	}
}

func (b *bridge) sendDue(ctx context.Context) (int, error) {
	s := b.s
	now := s.now()
	rows, err := s.db.QueryContext(ctx, s.st.q(`SELECT `+deliveryColumns+` FROM docexchange_deliveries
		WHERE route = 'national' AND state = 'pending' AND next_ms <= ? ORDER BY created_ms, id LIMIT 20`), now.UnixMilli())
	due, err := collect(rows, err, scanDelivery)
	if err != nil {
		return 0, err
	}
	for _, d := range due {
		if ctx.Err() != nil {
			return 0, ctx.Err()
		}
		b.forward(ctx, d)
	}
	return len(due), nil
}

// forward sends one delivery and records the outcome.
func (b *bridge) forward(ctx context.Context, d *deliveryRow) {
	s := b.s
	doc, err := s.st.doc(ctx, s.db, d.DocID)
	if err != nil || doc == nil {
		return
	}
	data, err := s.blob(ctx, doc.SHA256)
	if err != nil {
		b.retry(ctx, d, err)
		return
	}
	cctx, cancel := context.WithTimeout(ctx, b.cfg.Timeout)
	natID, err := b.client.Send(cctx, data, doc.Sender, []string{d.AddressedTo}, doc.Kind)
	cancel()
	now := s.now()
	switch {
	case err == nil:
		_, err = s.db.ExecContext(ctx, s.st.q(`UPDATE docexchange_deliveries SET state = 'forwarded', national_id = ?, attempts = attempts + 1, error = '' WHERE id = ?`), natID, d.ID)
		if err == nil {
			_, _ = s.db.ExecContext(ctx, s.st.q(`INSERT INTO docexchange_trace (id, doc_id, at_ms, event, agency, detail) VALUES (?, ?, ?, ?, ?, ?)`),
				newID(), d.DocID, now.UnixMilli(), "forwarded", d.Recipient, "national axis DocId "+natID)
		}
	case permanentNational(err):
		_, _ = s.db.ExecContext(ctx, s.st.q(`UPDATE docexchange_deliveries SET state = 'failed', attempts = attempts + 1, error = ? WHERE id = ?`), truncate(err.Error(), 500), d.ID)
		_, _ = s.db.ExecContext(ctx, s.st.q(`INSERT INTO docexchange_trace (id, doc_id, at_ms, event, agency, detail) VALUES (?, ?, ?, ?, ?, ?)`),
			newID(), d.DocID, now.UnixMilli(), "failed", d.Recipient, truncate(err.Error(), 500))
		s.log.Warn("national axis refused a recipient", "doc_id", d.DocID, "recipient", d.Recipient, "err", err)
	default:
		b.retry(ctx, d, err)
	}
}

func (b *bridge) retry(ctx context.Context, d *deliveryRow, cause error) {
	s := b.s
	wait := backoff(uint64(d.Attempts+1), b.cfg.MaxBackoff)
	_, _ = s.db.ExecContext(ctx, s.st.q(`UPDATE docexchange_deliveries SET attempts = attempts + 1, next_ms = ?, error = ? WHERE id = ?`),
		s.now().Add(wait).UnixMilli(), truncate(cause.Error(), 500), d.ID)
	if ctx.Err() == nil {
		s.log.Warn("national axis: forwarding failed; will retry", "doc_id", d.DocID, "recipient", d.Recipient, "attempt", d.Attempts+1, "retry_in", wait.String(), "err", cause)
	}
}

// pollLoop takes documents and statuses from the national inbox.
func (b *bridge) pollLoop(ctx context.Context) {
	for {
		for _, mt := range []string{vdxp.MessageEdoc, vdxp.MessageStatus} {
			if err := b.poll(ctx, mt); err != nil && ctx.Err() == nil {
				b.s.log.Warn("national axis: polling the inbox failed; retrying", "messagetype", mt, "err", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(b.cfg.PollEvery):
		}
	}
}

func (b *bridge) poll(ctx context.Context, messageType string) error {
	items, err := b.client.Received(ctx, messageType)
	if err != nil {
		return err
	}
	kind := kindEdoc
	if messageType == vdxp.MessageStatus {
		kind = kindStatus
	}
	for _, it := range items {
		id := it.ID
		if id == "" {
			id = it.DocID
		}
		data, err := b.client.Get(ctx, id)
		if err != nil {
			return err
		}
		_, err = b.s.send(ctx, sendInput{body: data, kind: kind, origin: originNational, nationalID: id})
		var status string
		switch {
		case err == nil, errors.Is(err, errDuplicateNational):
			status = vdxp.TransportDone
		case isAPIErr(err) && !errors.Is(err, errUnavailable) && !errors.Is(err, errRegistryUnavailable):
			status = vdxp.TransportFail
			b.s.log.Warn("national axis: a received package was refused", "national_id", id, "from", it.From, "err", err)
		default:
			return err // retried at the next poll
		}
		if err := b.client.UpdateStatus(ctx, id, status); err != nil {
			return err
		}
	}
	return nil
}

// UseNational turns the national bridge on with cfg's URL, system id and
// secret, when the configuration left it off: `lgsp dev` wires the bridge
// to the simulator it starts. Call it before Run.
func (s *Service) UseNational(url, systemID, secret string) {
	if s.nat != nil {
		return
	}
	s.cfg.NationalURL, s.cfg.NationalSystemID, s.cfg.NationalSecret = url, systemID, secret
	s.nat = newBridge(s, s.cfg.national())
}
