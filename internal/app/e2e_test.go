package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDevEndToEnd uses the platform the way the README does: a token from
// /token with the demo credentials, calls through the gateway to the NGSP
// simulator, then the admin REST API to read the metering report, which
// must count exactly the requests served.
func TestDevEndToEnd(t *testing.T) {
	a, stop := startDev(t, t.TempDir())
	waitReady(t, a.Info.GatewayURL)
	waitReady(t, a.Info.AdminURL)
	start := time.Now().Truncate(time.Hour).Add(-time.Hour)

	// Token, WSO2 style.
	req, _ := http.NewRequest(http.MethodPost, a.Info.GatewayURL+"/token", strings.NewReader("grant_type=client_credentials"))
	req.SetBasicAuth(a.Info.DemoClientID, a.Info.DemoClientSecret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	var tok struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	doJSON(t, req, http.StatusOK, &tok)
	if tok.AccessToken == "" || tok.TokenType != "Bearer" || tok.ExpiresIn != 3600 {
		t.Fatalf("token response %+v", tok)
	}

	// Authorised calls reach the simulator; calls without a credential are
	// refused by the gateway with its JSON error. Both are metered.
	const ok, refused = 25, 5
	for i := 0; i < ok; i++ {
		req, _ := http.NewRequest(http.MethodGet, a.Info.GatewayURL+a.Info.DemoAPIPath, nil)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		var body struct {
			ErrorCode string         `json:"errorCode"`
			Data      map[string]any `json:"data"`
		}
		doJSON(t, req, http.StatusOK, &body)
		if body.ErrorCode != "0" || body.Data["maSoDoanhNghiep"] == nil {
			t.Fatalf("simulator answer through the gateway: %+v", body)
		}
	}
	for i := 0; i < refused; i++ {
		req, _ := http.NewRequest(http.MethodGet, a.Info.GatewayURL+a.Info.DemoAPIPath, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var e struct{ Code, Message, MessageVI string }
		_ = json.NewDecoder(resp.Body).Decode(&e)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized || e.Code != "missing_credential" || resp.Header.Get("X-LGSP-Error") != "gateway" {
			t.Fatalf("unauthenticated call: %d %+v %v", resp.StatusCode, e, resp.Header)
		}
	}

	// Admin login, then the usage report over REST.
	login, _ := http.NewRequest(http.MethodPost, a.Info.AdminURL+"/admin/v1/auth/login",
		strings.NewReader(fmt.Sprintf(`{"username":"admin","password":%q}`, a.Info.AdminPassword)))
	var session struct {
		SessionToken string `json:"sessionToken"`
	}
	doJSON(t, login, http.StatusOK, &session)

	q := url.Values{}
	q.Set("startTime", start.UTC().Format(time.RFC3339))
	q.Set("endTime", time.Now().Add(2*time.Hour).UTC().Format(time.RFC3339))
	q.Set("granularity", "GRANULARITY_HOUR")
	q.Set("total", "true")
	q.Add("groupBy", "DIMENSION_STATUS_CLASS")
	var got map[string]int64
	deadline := time.Now().Add(15 * time.Second)
	for {
		req, _ := http.NewRequest(http.MethodGet, a.Info.AdminURL+"/admin/v1/metering/usage?"+q.Encode(), nil)
		req.Header.Set("Authorization", "Bearer "+session.SessionToken)
		var usage struct {
			Rows []struct {
				StatusClass string `json:"statusClass"`
				Totals      struct {
					RequestCount string `json:"requestCount"`
				} `json:"totals"`
			} `json:"rows"`
		}
		doJSON(t, req, http.StatusOK, &usage)
		got = map[string]int64{}
		var total int64
		for _, r := range usage.Rows {
			var n int64
			fmt.Sscan(r.Totals.RequestCount, &n)
			got[r.StatusClass] += n
			total += n
		}
		if total >= ok+refused || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	var total int64
	for _, n := range got {
		total += n
	}
	if total != ok+refused {
		t.Fatalf("metering counted %d requests (%v), gateway served %d", total, got, ok+refused)
	}
	if got["STATUS_CLASS_SUCCESS"] != ok {
		t.Fatalf("2xx count = %d, want %d (%v)", got["STATUS_CLASS_SUCCESS"], ok, got)
	}

	// Without a session the report is refused.
	req, _ = http.NewRequest(http.MethodGet, a.Info.AdminURL+"/admin/v1/metering/usage?"+q.Encode(), nil)
	doJSON(t, req, http.StatusUnauthorized, nil)

	if took := stop(); took > 10*time.Second {
		t.Fatalf("graceful stop took %s", took)
	}
}

func doJSON(t *testing.T, req *http.Request, want int, out any) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d: %s", req.Method, req.URL.Path, resp.StatusCode, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", req.Method, req.URL.Path, b, err)
		}
	}
}
