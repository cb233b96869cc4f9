package docexchange

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/netguard"
)

// Webhook requests carry these headers. The signature is
// "sha256=" + hex HMAC-SHA256(secret, timestamp + "." + body).
const (
	HeaderSignature = "X-LGSP-Signature"
	HeaderTimestamp = "X-LGSP-Timestamp"
	HeaderDelivery  = "X-LGSP-Delivery"
)

// webhooks runs one durable JetStream consumer per registered webhook,
// POSTing each delivery event of its agency until the endpoint answers
// 2xx, with exponential backoff.
type webhooks struct {
	s      *Service
	client *http.Client
	guard  *netguard.Policy
	key    []byte

	mu      sync.Mutex
	running map[string]context.CancelFunc
	wg      sync.WaitGroup
}

func newWebhooks(s *Service) *webhooks {
	// Validate has parsed the list.
	guard, _ := netguard.Parse(s.cfg.WebhookAllow)
	return &webhooks{
		s:     s,
		guard: guard,
		// Dials only where the operator allows (no cloud metadata, no
		// internal service an agency could probe), follows no redirect and
		// ignores HTTP(S)_PROXY, which would hide the real destination.
		client: &http.Client{
			Timeout:       s.cfg.WebhookTimeout,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
			Transport: &http.Transport{
				DialContext:           guard.DialContext,
				MaxIdleConnsPerHost:   2,
				IdleConnTimeout:       90 * time.Second,
				TLSHandshakeTimeout:   5 * time.Second,
				ResponseHeaderTimeout: s.cfg.WebhookTimeout,
			},
		},
		running: map[string]context.CancelFunc{},
	}
}

// loadKey reads the webhook key from the data directory, creating it on
// first use. A webhook's secret is derived from it and its id, so no
// secret is stored.
func (w *webhooks) loadKey(dataDir string) error {
	if dataDir == "" {
		dataDir = os.TempDir()
	}
	path := filepath.Join(dataDir, "docexchange-webhook.key")
	if b, err := os.ReadFile(path); err == nil && len(bytes.TrimSpace(b)) >= 32 {
		w.key = bytes.TrimSpace(b)
		return nil
	}
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	enc := []byte(hex.EncodeToString(k))
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return w.loadKey(dataDir)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Write(enc); err != nil {
		return err
	}
	w.key = enc
	return f.Sync()
}

func (w *webhooks) secret(id string) string {
	m := hmac.New(sha256.New, w.key)
	m.Write([]byte("docexchange webhook " + id))
	return hex.EncodeToString(m.Sum(nil))
}

func consumerName(id string) string { return "webhook_" + id }

// run keeps the set of running consumers equal to the registered webhooks.
func (w *webhooks) run(ctx context.Context) error {
	t := time.NewTicker(2 * time.Second)
	defer t.Stop()
	for {
		if err := w.sync(ctx); err != nil && ctx.Err() == nil {
			w.s.log.Warn("webhooks: reading the list failed", "err", err)
		}
		select {
		case <-ctx.Done():
			w.mu.Lock()
			for _, c := range w.running {
				c()
			}
			w.mu.Unlock()
			w.wg.Wait()
			return nil
		case <-t.C:
		}
	}
}

type hookRow struct{ id, agency, url string }

func (w *webhooks) list(ctx context.Context, agency string) ([]hookRow, error) {
	q := `SELECT id, agency, url FROM docexchange_webhooks`
	var args []any
	if agency != "" {
		q += ` WHERE agency = ?`
		args = append(args, agency)
	}
	rows, err := w.s.db.QueryContext(ctx, w.s.st.q(q+` ORDER BY created_ms, id`), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []hookRow
	for rows.Next() {
		var h hookRow
		if err := rows.Scan(&h.id, &h.agency, &h.url); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

func (w *webhooks) sync(ctx context.Context) error {
	hooks, err := w.list(ctx, "")
	if err != nil {
		return err
	}
	want := map[string]hookRow{}
	for _, h := range hooks {
		want[h.id] = h
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for id, cancel := range w.running {
		if _, ok := want[id]; !ok {
			cancel()
			delete(w.running, id)
		}
	}
	for id, h := range want {
		if _, ok := w.running[id]; ok {
			continue
		}
		cons, err := w.s.bus.JS.CreateOrUpdateConsumer(ctx, natsx.DocExchangeStream, jetstream.ConsumerConfig{
			Durable:       consumerName(id),
			FilterSubject: deliverySubject(h.agency),
			AckPolicy:     jetstream.AckExplicitPolicy,
			DeliverPolicy: jetstream.DeliverNewPolicy,
			AckWait:       w.s.cfg.WebhookTimeout + 5*time.Second,
			MaxAckPending: 64,
		})
		if err != nil {
			return err
		}
		cctx, cancel := context.WithCancel(ctx)
		w.running[id] = cancel
		w.wg.Add(1)
		go func() {
			defer w.wg.Done()
			w.consume(cctx, h, cons)
		}()
	}
	return nil
}

func (w *webhooks) consume(ctx context.Context, h hookRow, cons jetstream.Consumer) {
	secret := w.secret(h.id)
	for ctx.Err() == nil {
		batch, err := cons.Fetch(16, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
			continue
		}
		for m := range batch.Messages() {
			err := w.post(ctx, h, secret, m)
			if err == nil {
				_ = m.Ack()
				continue
			}
			n := uint64(1)
			if md, merr := m.Metadata(); merr == nil {
				n = md.NumDelivered
			}
			delay := backoff(n, w.s.cfg.WebhookMaxBackoff)
			_ = m.NakWithDelay(delay)
			w.s.log.Warn("webhook delivery failed; will retry", "webhook", h.id, "agency", h.agency, "attempt", n, "retry_in", delay.String(), "err", err)
			_, _ = w.s.db.ExecContext(context.WithoutCancel(ctx), w.s.st.q(`UPDATE docexchange_webhooks SET last_error = ? WHERE id = ?`), truncate(err.Error(), 500), h.id)
		}
	}
}

func (w *webhooks) post(ctx context.Context, h hookRow, secret string, m jetstream.Msg) error {
	ts := strconv.FormatInt(time.Now().Unix(), 10)
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(ts + "."))
	mac.Write(m.Data())
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.url, bytes.NewReader(m.Data()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "LGSP-docexchange-webhook/1")
	req.Header.Set(HeaderTimestamp, ts)
	req.Header.Set(HeaderSignature, "sha256="+hex.EncodeToString(mac.Sum(nil)))
	req.Header.Set(HeaderDelivery, m.Headers().Get(jetstream.MsgIDHeader))
	resp, err := w.client.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	return nil
}

// backoff is 1 s doubling per attempt up to max.
func backoff(attempt uint64, max time.Duration) time.Duration {
	d := time.Second
	for i := uint64(1); i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}

func truncate(s string, n int) string {
	if len(s) > n {
		return strings.ToValidUTF8(s[:n], "")
	}
	return s
}

// checkWebhookURL accepts an absolute https URL (http when allowed).
func checkWebhookURL(raw string, allowHTTP bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && !(allowHTTP && u.Scheme == "http")) || len(raw) > 2000 {
		return errWebhookURL
	}
	return nil
}

// create registers a webhook of agency and returns it with its secret.
func (w *webhooks) create(ctx context.Context, agency, rawURL string) (hookRow, string, time.Time, error) {
	if err := checkWebhookURL(rawURL, w.s.cfg.WebhookAllowHTTP); err != nil {
		return hookRow{}, "", time.Time{}, err
	}
	if err := w.guard.CheckURL(ctx, rawURL); err != nil {
		return hookRow{}, "", time.Time{}, errWebhookForbidden(err)
	}
	h := hookRow{id: newID(), agency: agency, url: rawURL}
	now := w.s.now()
	if _, err := w.s.db.ExecContext(ctx, w.s.st.q(`INSERT INTO docexchange_webhooks (id, agency, url, created_ms) VALUES (?, ?, ?, ?)`), h.id, agency, rawURL, now.UnixMilli()); err != nil {
		return hookRow{}, "", time.Time{}, w.s.storageErr(err)
	}
	// Start it now so that deliveries from this moment on reach it.
	if err := w.sync(ctx); err != nil {
		w.s.log.Warn("webhooks: starting the consumer failed; retried shortly", "err", err)
	}
	return h, w.secret(h.id), now, nil
}

func (w *webhooks) remove(ctx context.Context, agency, id string) error {
	res, err := w.s.db.ExecContext(ctx, w.s.st.q(`DELETE FROM docexchange_webhooks WHERE id = ? AND agency = ?`), id, agency)
	if err != nil {
		return w.s.storageErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errWebhookNotFound
	}
	w.mu.Lock()
	if c, ok := w.running[id]; ok {
		c()
		delete(w.running, id)
	}
	w.mu.Unlock()
	_ = w.s.bus.JS.DeleteConsumer(ctx, natsx.DocExchangeStream, consumerName(id))
	return nil
}
