package app_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/services/registry"
)

// TestDevOneStop uses the one-stop service as the provincial one-stop
// software would, through the gateway of `lgsp dev`: a commune receives a
// dossier, processes it and transfers it to the district, which finishes
// it; a citizen follows it with the public lookup; the portal simulator
// receives every change; metering counts every call.
func TestDevOneStop(t *testing.T) {
	start := time.Now()
	a, _ := startDev(t, t.TempDir())
	waitReady(t, a.Info.GatewayURL)
	waitReady(t, a.Info.AdminURL)
	gw := a.Info.GatewayURL
	if len(a.Info.OneStopAgencies) != 3 {
		t.Fatalf("demo agencies: %v", a.Info.OneStopAgencies)
	}
	commune, district := a.Info.OneStopAgencies[0], a.Info.OneStopAgencies[1]
	calls := int64(0)
	call := func(agency, method, path string, body any, want int, out any) {
		t.Helper()
		var rd io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			rd = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, gw+path, rd)
		if agency != "" {
			req.Header.Set("apikey", registry.OneStopDemoAPIKey(agency))
		}
		req.Header.Set("Content-Type", "application/json")
		calls++
		doJSON(t, req, want, out)
	}
	type dossier struct {
		Code           string `json:"code"`
		Status         int    `json:"status"`
		HandlingAgency string `json:"handlingAgency"`
		DueAt          string `json:"dueAt"`
		SyncState      string `json:"syncState"`
		Trail          []any  `json:"trail"`
	}
	var created struct {
		Dossier dossier `json:"dossier"`
		Created bool    `json:"created"`
	}
	body := map[string]any{
		"requestId": "mc-000001", "procedureCode": "1.000894.000.00.00.H56", "summary": "Đăng ký khai sinh",
		"applicant": map[string]any{"kind": "APPLICANT_KIND_CITIZEN", "id": "056090001234", "name": "Nguyễn Thị Lan"},
	}
	call(commune, http.MethodPost, "/onestop/v1/dossiers", body, http.StatusOK, &created)
	code := created.Dossier.Code
	if !created.Created || !strings.HasPrefix(code, commune+"-") || created.Dossier.DueAt == "" {
		t.Fatalf("created: %+v", created)
	}
	// The same request id answers the same dossier.
	var again struct {
		Dossier dossier `json:"dossier"`
		Created bool    `json:"created"`
	}
	call(commune, http.MethodPost, "/onestop/v1/dossiers", body, http.StatusOK, &again)
	if again.Created || again.Dossier.Code != code {
		t.Fatalf("create again: %+v", again)
	}
	var changed struct {
		Dossier dossier `json:"dossier"`
	}
	call(commune, http.MethodPost, "/onestop/v1/dossiers/"+code+"/status", map[string]any{"status": 4, "note": "Thụ lý"}, http.StatusOK, &changed)
	call(commune, http.MethodPost, "/onestop/v1/dossiers/"+code+"/transfer", map[string]any{"toAgency": district}, http.StatusOK, &changed)
	if changed.Dossier.HandlingAgency != district {
		t.Fatalf("transfer: %+v", changed)
	}
	// An illegal transition is a 400-class error with a stable code, in
	// both languages.
	var refusal struct {
		Code      string `json:"code"`
		Message   string `json:"message"`
		MessageVi string `json:"message_vi"`
	}
	call(district, http.MethodPost, "/onestop/v1/dossiers/"+code+"/status", map[string]any{"status": 10}, http.StatusBadRequest, &refusal)
	if refusal.Code != "illegal_transition" || refusal.Message == "" || refusal.MessageVi == "" {
		t.Fatalf("illegal transition: %+v", refusal)
	}
	call(district, http.MethodPost, "/onestop/v1/dossiers/"+code+"/status", map[string]any{"status": 9}, http.StatusOK, &changed)
	call(district, http.MethodPost, "/onestop/v1/dossiers/"+code+"/status", map[string]any{"status": 10}, http.StatusOK, &changed)

	// The commune no longer changes it but still reads it.
	call(commune, http.MethodPost, "/onestop/v1/dossiers/"+code+"/status", map[string]any{"status": 10}, http.StatusForbidden, nil)
	var got struct {
		Dossier dossier `json:"dossier"`
	}
	call(commune, http.MethodGet, "/onestop/v1/dossiers/"+code, nil, http.StatusOK, &got)
	if got.Dossier.Status != 10 || len(got.Dossier.Trail) != 5 {
		t.Fatalf("read: %+v", got.Dossier)
	}
	// The citizen's lookup needs no credential and shows no personal data.
	req, _ := http.NewRequest(http.MethodGet, gw+"/onestop-public/v1/dossiers/"+code, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	calls++
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(raw), code) || strings.Contains(string(raw), "056090001234") || strings.Contains(string(raw), "Nguyễn") {
		t.Fatalf("public lookup: %d %s", resp.StatusCode, raw)
	}
	// Without a credential the staff API is refused at the gateway.
	call("", http.MethodGet, "/onestop/v1/dossiers/"+code, nil, http.StatusUnauthorized, nil)

	// Every change reaches the portal simulator.
	deadline := time.Now().Add(20 * time.Second)
	for {
		call(district, http.MethodGet, "/onestop/v1/dossiers/"+code, nil, http.StatusOK, &got)
		if got.Dossier.SyncState == "synced" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sync state %s", got.Dossier.SyncState)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if a.Info.PortalSimulatorURL == "" {
		t.Fatal("no portal simulator URL")
	}
	req, _ = http.NewRequest(http.MethodGet, a.Info.PortalSimulatorURL+"/_sim/dossiers/"+url.PathEscape(code), nil)
	req.Header.Set("Authorization", "Bearer lgsp-dev-dvcqg-admin")
	var held struct {
		History []struct {
			PhienBan int64 `json:"PhienBan"`
		} `json:"history"`
	}
	doJSON(t, req, http.StatusOK, &held)
	if len(held.History) != 6 {
		t.Fatalf("the portal holds %d changes, want 6", len(held.History))
	}

	// Statistics as CSV for the commune.
	req, _ = http.NewRequest(http.MethodGet, gw+"/onestop/v1/statistics.csv", nil)
	req.Header.Set("apikey", registry.OneStopDemoAPIKey(commune))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	calls++
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(csv), commune+",commune,1,1,") {
		t.Fatalf("statistics CSV: %d %s", resp.StatusCode, csv)
	}

	// Metering counted every call made through the gateway.
	if total := meteredCalls(t, a, a.Info.AdminPassword, start, calls); total != calls {
		t.Fatalf("metering counted %d calls, the test made %d through the gateway", total, calls)
	}
}
