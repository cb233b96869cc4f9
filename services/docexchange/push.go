package docexchange

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/natsx"
)

// Event is the message published for each local delivery on
// lgsp.docexchange.deliveries.<agency>, where <agency> is the recipient's
// code with dots written as underscores. A recipient that consumes its
// subject (or registers a webhook, which receives the same JSON) needs not
// poll; it still fetches the package and acknowledges it.
type Event struct {
	DeliveryID  string    `json:"delivery_id"`
	DocID       string    `json:"doc_id"`
	Kind        string    `json:"kind"` // edoc or status
	From        string    `json:"from"`
	To          string    `json:"to"`
	AddressedTo string    `json:"addressed_to,omitempty"`
	DocumentID  string    `json:"document_id"`
	Subject     string    `json:"subject,omitempty"`
	StatusCode  string    `json:"status_code,omitempty"`
	Created     time.Time `json:"create_time"`
}

// deliverySubject is the subject of agency's deliveries.
func deliverySubject(agency string) string {
	return natsx.DocExchangeDeliverySubject + "." + natsx.AgencySubjectToken(agency)
}

// pushLoop publishes every committed local delivery to its recipient's
// subject, at least once (JetStream de-duplicates by delivery id), then
// marks it published. After a crash it resumes from what is unmarked.
func (s *Service) pushLoop(ctx context.Context) error {
	t := time.NewTicker(s.cfg.PushEvery)
	defer t.Stop()
	for {
		n, err := s.pushOnce(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("publishing deliveries failed; retrying", "err", err)
		}
		if n == s.cfg.PushBatch && err == nil {
			continue // more waiting
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.pushWake:
		case <-t.C:
		}
	}
}

func (s *Service) pushOnce(ctx context.Context) (int, error) {
	rows, err := s.db.QueryContext(ctx, s.st.q(`SELECT v.id, v.doc_id, v.kind, v.sender, v.recipient, v.addressed_to, v.created_ms,
		d.document_id, d.subject, d.status_code
		FROM docexchange_deliveries v JOIN docexchange_documents d ON d.id = v.doc_id
		WHERE NOT v.published ORDER BY v.created_ms, v.id LIMIT ?`), s.cfg.PushBatch)
	if err != nil {
		return 0, err
	}
	var evs []Event
	for rows.Next() {
		var e Event
		var created int64
		if err := rows.Scan(&e.DeliveryID, &e.DocID, &e.Kind, &e.From, &e.To, &e.AddressedTo, &created, &e.DocumentID, &e.Subject, &e.StatusCode); err != nil {
			rows.Close()
			return 0, err
		}
		if e.AddressedTo == e.To {
			e.AddressedTo = ""
		}
		e.Created = time.UnixMilli(created).UTC()
		evs = append(evs, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(evs) == 0 {
		return 0, err
	}
	futures := make([]jetstream.PubAckFuture, 0, len(evs))
	for _, e := range evs {
		body, _ := json.Marshal(e)
		m := nats.NewMsg(deliverySubject(e.To))
		m.Data = body
		m.Header.Set(jetstream.MsgIDHeader, e.DeliveryID)
		f, err := s.bus.JS.PublishMsgAsync(m)
		if err != nil {
			return 0, err
		}
		futures = append(futures, f)
	}
	timeout := time.After(30 * time.Second)
	for _, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			return 0, err
		case <-timeout:
			return 0, context.DeadlineExceeded
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
	ids := make([]any, len(evs))
	for i, e := range evs {
		ids[i] = e.DeliveryID
	}
	_, err = s.db.ExecContext(ctx, s.st.q(`UPDATE docexchange_deliveries SET published = TRUE WHERE id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`), ids...)
	return len(evs), err
}
