package app_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// vdxpCall calls the national-compatible surface through the gateway as
// the national Java SDK does: signed headers with the XroadVnpt- prefix
// and, for sendEdoc, the file followed by CRLF.
func vdxpCall(t *testing.T, gw, agency, secret, call string, body []byte, headers ...signedheader.Header) (int, map[string]any) {
	t.Helper()
	hs := signedheader.Sign(agency, secret, time.Now(), append([]signedheader.Header{{Name: "Content-Type", Value: "application/json"}}, headers...))
	req, _ := http.NewRequest(http.MethodPost, gw+"/vdxp/1.0/"+call, bytes.NewReader(body))
	for _, h := range hs {
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("%s: %d %q", call, resp.StatusCode, raw)
	}
	for _, k := range []string{"status", "ErrorCode", "ErrorDesc"} {
		if _, ok := out[k]; !ok {
			t.Fatalf("%s answer lacks %s: %s", call, k, raw)
		}
	}
	return resp.StatusCode, out
}

// TestDevDocumentExchange uses the document exchange as department
// software would, through the gateway of `lgsp dev`: the clean API with
// an API key, and the national-compatible surface with signed headers.
func TestDevDocumentExchange(t *testing.T) {
	a, _ := startDev(t, t.TempDir())
	waitReady(t, a.Info.GatewayURL)
	waitReady(t, a.Info.AdminURL)
	gw := a.Info.GatewayURL
	const h41, h14 = "000.00.00.H41", "000.00.00.H14"

	// H41 sends a document to H14 with the REST API and its API key.
	d := edxml.Document{
		From: edxml.Organization{OrganID: h41}, To: []edxml.Organization{{OrganID: h14}},
		DocumentID: h41 + ",2026/11/30,15/UBND-VP", PromulgationInfo: edxml.PromulgationInfo{PromulgationDate: "2026/11/30"},
		Subject: "Về việc thử nghiệm trục liên thông", Business: edxml.Business{BussinessDocType: edxml.DocNew},
	}
	pkg, err := edxml.BuildDocument(d)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := json.Marshal(map[string]any{"package": pkg})
	req, _ := http.NewRequest(http.MethodPost, gw+"/docexchange/v1/documents", bytes.NewReader(body))
	req.Header.Set("apikey", registry.ExchangeDemoAPIKey(h41))
	req.Header.Set("Content-Type", "application/json")
	var sent struct {
		Document struct {
			DocID string `json:"docId"`
		} `json:"document"`
	}
	doJSON(t, req, http.StatusOK, &sent)
	docID := sent.Document.DocID
	if docID == "" {
		t.Fatal("no docId")
	}

	// H14 finds it with the national SDK's calls.
	secret := registry.ExchangeDemoSecret(h14)
	_, list := vdxpCall(t, gw, h14, secret, "getReceivedEdocList", nil,
		signedheader.Header{Name: "servicetype", Value: "eDoc"}, signedheader.Header{Name: "messagetype", Value: "edoc"})
	found := false
	for _, it := range list["data"].([]any) {
		found = found || it.(map[string]any)["id"] == docID
	}
	if !found {
		t.Fatalf("H14's list lacks %s: %v", docID, list)
	}
	_, got := vdxpCall(t, gw, h14, secret, "getEdoc", nil, signedheader.Header{Name: "docId", Value: docID})
	raw, _ := base64.StdEncoding.DecodeString(got["data"].(string))
	if !bytes.Equal(raw, pkg) {
		t.Fatal("getEdoc through the gateway returned other bytes")
	}
	if _, out := vdxpCall(t, gw, h14, secret, "updateStatus", nil, signedheader.Header{Name: "docId", Value: docID}, signedheader.Header{Name: "status", Value: "done"}); out["status"] != "OK" {
		t.Fatalf("updateStatus: %v", out)
	}
	// H14 answers 03 with a status package sent like the SDK sends files.
	st, _ := edxml.BuildStatus(edxml.Status{From: edxml.Organization{OrganID: h14}, ResponseFor: edxml.ResponseFor{OrganID: h41, DocumentID: d.DocumentID},
		StatusCode: edxml.StatusAccepted, Timestamp: edxml.FormatTimestamp(time.Now())})
	file := append(append([]byte{}, st...), '\r', '\n')
	if _, out := vdxpCall(t, gw, h14, secret, "sendEdoc", file,
		signedheader.Header{Name: "from", Value: h14}, signedheader.Header{Name: "to", Value: `["` + h41 + `"]`},
		signedheader.Header{Name: "servicetype", Value: "eDoc"}, signedheader.Header{Name: "messagetype", Value: "status"},
		signedheader.Header{Name: "hash-file", Value: javaHashFile(st)}); out["status"] != "OK" || out["DocId"] == "" {
		t.Fatalf("status sendEdoc: %v", out)
	}
	// H41 sees the status in its inbox through the REST API.
	req, _ = http.NewRequest(http.MethodGet, gw+"/docexchange/v1/inbox?kind=MESSAGE_KIND_STATUS", nil)
	req.Header.Set("apikey", registry.ExchangeDemoAPIKey(h41))
	var inbox struct {
		Items []struct {
			Document struct {
				StatusCode       string `json:"statusCode"`
				ResponseForDocID string `json:"responseForDocId"`
			} `json:"document"`
		} `json:"items"`
	}
	doJSON(t, req, http.StatusOK, &inbox)
	if len(inbox.Items) != 1 || inbox.Items[0].Document.StatusCode != "03" || inbox.Items[0].Document.ResponseForDocID != docID {
		t.Fatalf("H41's status inbox: %+v", inbox)
	}

	// H41 may not read H14's delivery through either surface.
	req, _ = http.NewRequest(http.MethodPost, gw+"/docexchange/v1/documents/"+docID+"/ack", strings.NewReader("{}"))
	req.Header.Set("apikey", registry.ExchangeDemoAPIKey(h41))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Fatalf("H41 acknowledged H14's delivery: %d", resp.StatusCode)
	}
	// G22 sends a sample package of the national SDK as the SDK does; it
	// goes to H41 and H14 here and to G17 in another province through the
	// national axis simulator, whose agency answers.
	const g22 = "000.00.00.G22"
	fixture, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "fixtures", "edxml", "edoc_update.edxml"))
	if err != nil {
		t.Fatal(err)
	}
	file = append(append([]byte{}, fixture...), '\r', '\n')
	_, out := vdxpCall(t, gw, g22, registry.ExchangeDemoSecret(g22), "sendEdoc", file,
		signedheader.Header{Name: "from", Value: g22}, signedheader.Header{Name: "to", Value: `["000.00.00.H41","000.00.00.H14","000.00.00.G17"]`},
		signedheader.Header{Name: "servicetype", Value: "eDoc"}, signedheader.Header{Name: "messagetype", Value: "edoc"},
		signedheader.Header{Name: "hash-file", Value: javaHashFile(fixture)})
	if out["status"] != "OK" || out["DocId"] == "" {
		t.Fatalf("fixture sendEdoc: %v", out)
	}
	_, got = vdxpCall(t, gw, h41, registry.ExchangeDemoSecret(h41), "getEdoc", nil, signedheader.Header{Name: "docId", Value: out["DocId"].(string)})
	if raw, _ := base64.StdEncoding.DecodeString(got["data"].(string)); !bytes.Equal(raw, fixture) {
		t.Fatal("H41 did not receive the fixture byte for byte")
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, sl := vdxpCall(t, gw, g22, registry.ExchangeDemoSecret(g22), "getReceivedEdocList", nil, signedheader.Header{Name: "messagetype", Value: "status"})
		answered := false
		for _, it := range sl["data"].([]any) {
			answered = answered || it.(map[string]any)["from"] == "000.00.00.G17"
		}
		if answered {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no status from G17 through the national axis: %v", sl)
		}
		time.Sleep(200 * time.Millisecond)
	}

	// A package larger than the admin listener's default body bound (4 MiB)
	// goes through both surfaces.
	big := make([]byte, 6<<20)
	_, _ = rand.Read(big)
	for i, surface := range []string{"vdxp", "rest"} {
		bd := d
		bd.DocumentID = fmt.Sprintf("%s,2026/11/30,%d/LON", h41, 100+i)
		bpkg, err := edxml.BuildDocument(bd, edxml.File{Name: "ban-do.bin", ContentType: "application/octet-stream", Content: bytes.NewReader(big)})
		if err != nil {
			t.Fatal(err)
		}
		var bigID string
		if surface == "vdxp" {
			_, out := vdxpCall(t, gw, h41, registry.ExchangeDemoSecret(h41), "sendEdoc", append(append([]byte{}, bpkg...), '\r', '\n'),
				signedheader.Header{Name: "from", Value: h41}, signedheader.Header{Name: "messagetype", Value: "edoc"},
				signedheader.Header{Name: "hash-file", Value: javaHashFile(bpkg)})
			if out["status"] != "OK" {
				t.Fatalf("%d-byte package on vdxp: %v", len(bpkg), out)
			}
			bigID = out["DocId"].(string)
		} else {
			body, _ := json.Marshal(map[string]any{"package": bpkg})
			req, _ := http.NewRequest(http.MethodPost, gw+"/docexchange/v1/documents", bytes.NewReader(body))
			req.Header.Set("apikey", registry.ExchangeDemoAPIKey(h41))
			var r struct {
				Document struct {
					DocID string `json:"docId"`
				} `json:"document"`
			}
			doJSON(t, req, http.StatusOK, &r)
			bigID = r.Document.DocID
		}
		_, got := vdxpCall(t, gw, h14, secret, "getEdoc", nil, signedheader.Header{Name: "docId", Value: bigID})
		if raw, _ := base64.StdEncoding.DecodeString(got["data"].(string)); !bytes.Equal(raw, bpkg) {
			t.Fatalf("the %d-byte package sent on %s came back different", len(bpkg), surface)
		}
	}

	// The public statistics need no credential and add up.
	req, _ = http.NewRequest(http.MethodGet, gw+"/docexchange-stats/1.0/statistics", nil)
	var stats struct {
		Total struct {
			Sent     string `json:"sent"`
			Received string `json:"received"`
		} `json:"total"`
	}
	doJSON(t, req, http.StatusOK, &stats)
	if stats.Total.Sent != "4" || stats.Total.Received != "5" {
		t.Fatalf("public statistics: %+v", stats)
	}

	// A bad signature is refused by the gateway in the national shape.
	if code, out := vdxpCall(t, gw, h14, "wrong-secret", "getReceivedEdocList", nil); code != http.StatusUnauthorized || out["status"] != "FAIL" || out["ErrorCode"] != "15" {
		t.Fatalf("bad signature: %d %v", code, out)
	}
	// Direct calls to the service's port without the gateway's assertion
	// are refused.
	req, _ = http.NewRequest(http.MethodPost, a.Info.AdminURL+"/docexchange/vdxp/getReceivedEdocList", nil)
	req.Header.Set("XroadVnpt-systemid", h14)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("direct call: %d", resp.StatusCode)
	}
}

// javaHashFile is hash-file as the national SDK computes it.
func javaHashFile(b []byte) string {
	sum := sha256.Sum256(b)
	return signedheader.JavaHex(sum[:])
}
