package jsoncall

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Do makes a JSON call: in, when not nil, is the request's body; a 200 or
// 204 answer is decoded into out when out is not nil; any other status is
// an error with the start of the answer's body.
func Do(ctx context.Context, hc *http.Client, method, url string, header http.Header, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK && resp.StatusCode != http.StatusNoContent {
		if len(raw) > 300 {
			raw = raw[:300]
		}
		return fmt.Errorf("%s %s: %s: %s", method, req.URL.Path, resp.Status, bytes.TrimSpace(raw))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// Admin calls the admin REST API with an admin session.
type Admin struct {
	base string
	hdr  http.Header
	hc   *http.Client
}

// LoginAdmin opens a session on the admin API at base (the admin
// listener's URL) as the admin lgsp dev created, whose password it saved.
func LoginAdmin(ctx context.Context, base, password string) (*Admin, error) {
	a := &Admin{base: base, hc: &http.Client{Timeout: 30 * time.Second}}
	var out struct {
		SessionToken string `json:"sessionToken"`
	}
	if err := Do(ctx, a.hc, http.MethodPost, base+"/admin/v1/auth/login", nil, map[string]string{"username": "admin", "password": password}, &out); err != nil {
		return nil, fmt.Errorf("admin login: %w", err)
	}
	if out.SessionToken == "" {
		return nil, errors.New("admin login: no session token")
	}
	a.hdr = http.Header{"Authorization": {"Bearer " + out.SessionToken}}
	return a, nil
}

// Do makes a JSON call to path (e.g. "/admin/v1/tiers") with the session.
func (a *Admin) Do(ctx context.Context, method, path string, in, out any) error {
	return Do(ctx, a.hc, method, a.base+path, a.hdr, in, out)
}

// Text GETs path with the session and returns up to limit bytes of its
// answer, for what is not JSON (the Prometheus page at /metrics).
func (a *Admin) Text(ctx context.Context, path string, limit int64) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return "", err
	}
	for k, v := range a.hdr {
		req.Header[k] = v
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, limit))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("GET %s: %s", path, resp.Status)
	}
	return string(raw), nil
}
