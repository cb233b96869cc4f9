package console_test

import (
	"html"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

var (
	usageTotalRE = regexp.MustCompile(`<data class="total-requests" value="(\d+)">`)
	usageCSVRE   = regexp.MustCompile(`<a href="(/admin/v1/metering/usage\.csv\?[^"]+)"`)
)

// usageTotal is the page's total request count, or -1.
func usageTotal(body string) int {
	m := usageTotalRE.FindStringSubmatch(body)
	if m == nil {
		return -1
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// usageWait polls a usage page until its total reaches min (metering
// counts the gateway's events within moments).
func usageWait(t *testing.T, b *browser, path string, min int) string {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		st, body, _ := b.get(path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		if usageTotal(body) >= min {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: total %d after 15 s, want at least %d", path, usageTotal(body), min)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// TestUsage: calls made through the gateway with the adapters' demo key
// show in /usage (the total, a chart, its table, the year's totals per
// agency) and in the consumer agency's /portal/usage, not in another
// agency's; the CSV link answers CSV with the session cookie; a
// granularity too fine for the range is refused beside its field; the
// auditor reads /usage but not the portal's page.
func TestUsage(t *testing.T) {
	p := startPlatform(t)
	// The demo tier allows 20 requests a second with a burst of 40.
	const calls = 6
	for i := 0; i < calls; i++ {
		if st := appsGateway(t, p, registry.AdaptersDemoAPIKey); st != http.StatusOK {
			t.Fatalf("call %d through the gateway: %d", i, st)
		}
	}

	admin := p.browser()
	admin.login("admin", p.a.Info.AdminPassword)
	body := usageWait(t, admin, "/usage?range=today&gran=hour&group=api", calls)
	contains(t, body, "<h1>Thống kê sử dụng</h1>", `<svg class="chart" role="img" aria-labelledby="chart-requests-title chart-requests-desc"`,
		`<title id="chart-requests-title">`, `<desc id="chart-requests-desc">`, `<th scope="col">Thời điểm bắt đầu</th>`,
		"ngsp-business/v1", `for="usage-range"`, `for="usage-gran"`, `for="usage-group"`,
		"Tổng theo cơ quan trong năm", registry.AdaptersDemoAgency.Code)

	// Grouped by application, filtered to the API.
	body = usageWait(t, admin, "/usage?range=7d&gran=day&group=app", calls)
	contains(t, body, "Phần mềm tra cứu dữ liệu quốc gia (mẫu)", `<polyline points="`)

	m := usageCSVRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatal("no CSV link")
	}
	resp, err := admin.c.Get(p.admin + html.UnescapeString(m[1]))
	if err != nil {
		t.Fatal(err)
	}
	csv, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(string(csv), "application,request_count") {
		t.Fatalf("CSV: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), csv)
	}

	// Too many buckets to draw: refused beside the granularity.
	st, body, _ := admin.get("/usage?range=year&gran=hour")
	if st != http.StatusBadRequest {
		t.Fatalf("a year by hour: %d", st)
	}
	contains(t, body, `id="problem" role="alert"`, `id="usage-gran" name="gran" aria-invalid="true" aria-describedby="problem"`)

	// The consumer agency's developer sees the calls in the portal; a
	// developer of another agency sees none of them.
	dev := p.user(t, "devusage", registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, registry.AdaptersDemoAgency.Code)
	body = usageWait(t, dev, "/portal/usage?range=today", calls)
	contains(t, body, "<h1>Thống kê ứng dụng của tôi</h1>", `<svg class="chart"`)
	other := p.user(t, "devother", registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, "000.00.00.H41")
	for _, path := range []string{"/portal/usage?range=today", "/usage?range=today"} {
		st, body, _ = other.get(path)
		if st != http.StatusOK || usageTotal(body) != 0 {
			t.Fatalf("another agency's developer on %s: %d, total %d", path, st, usageTotal(body))
		}
		if strings.Contains(body, registry.AdaptersDemoAgency.Code) {
			t.Fatalf("another agency's developer sees the consumer agency on %s", path)
		}
	}
	// The admin's portal page offers the agency filter.
	body = usageWait(t, admin, "/portal/usage?range=today&agency="+registry.AdaptersDemoAgency.Code, calls)
	contains(t, body, `for="usage-agency"`)

	aud := p.browser()
	aud.login("auditor", p.a.Info.AuditorPassword)
	if st, _, _ := aud.get("/usage"); st != http.StatusOK {
		t.Fatalf("auditor on /usage: %d", st)
	}
	if st, _, _ := aud.get("/portal/usage"); st != http.StatusForbidden {
		t.Fatalf("auditor on /portal/usage: %d", st)
	}

	// English: the language's separators and words.
	admin.get("/usage")
	admin.post("/lang", map[string][]string{"to": {"en"}, "back": {"/usage"}})
	_, body, _ = admin.get("/usage?range=today")
	contains(t, body, "<h1>Usage</h1>", "Download CSV", "Yearly totals per agency")
}
