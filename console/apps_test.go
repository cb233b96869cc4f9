package console_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"html"
	"math/big"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// appsGateway calls the demo business lookup through the gateway with an
// API key and returns the status.
func appsGateway(t *testing.T, p *platform, key string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.a.Info.GatewayURL+"/ngsp-business/v1/enterprises/0109549006", nil)
	req.Header.Set("apikey", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// appsWaitGateway polls the gateway until it answers want (the routing
// table follows the registry within moments).
func appsWaitGateway(t *testing.T, p *platform, key string, want int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		got := appsGateway(t, p, key)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway with the key: %d, want %d", got, want)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var (
	appsSecretRE = regexp.MustCompile(`<code class="secret-value">([^<]+)</code>`)
	appsCredRE   = regexp.MustCompile(`name="credential" value="(cred_[^"]+)"`)
)

// TestAppsCredentials: a developer creates an application and an API key
// through the pages; the key is shown once, works through the gateway
// once a subscription is approved, and fails after it is revoked. Another
// agency's developer gets 403 on the application's page; refusals are
// shown beside their fields.
func TestAppsCredentials(t *testing.T) {
	p := startPlatform(t)
	agencyA, agencyB := registry.AdaptersDemoAgency.Code, "000.00.00.H41"
	devA := p.user(t, "deva", registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, agencyA)
	devB := p.user(t, "devb", registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, agencyB)

	st, body, _ := devA.get("/apps")
	if st != http.StatusOK {
		t.Fatalf("/apps: %d", st)
	}
	contains(t, body, "<h1>Ứng dụng</h1>", `id="apps-new"`, `for="app-name"`, agencyA, "Phần mềm tra cứu dữ liệu quốc gia (mẫu)")
	if strings.Contains(body, `id="app-agency"`) {
		t.Fatal("an agency developer is offered a choice of agency")
	}

	// A refused creation: the problem beside the name, the input kept.
	st, body, _ = devA.post("/apps", url.Values{"name": {""}, "description": {"kept description"}})
	if st != http.StatusBadRequest {
		t.Fatalf("empty name: %d", st)
	}
	contains(t, body, `id="problem" role="alert"`, `id="app-name" name="name" required maxlength="255" value="" aria-invalid="true" aria-describedby="problem"`, "kept description")

	st, _, h := devA.post("/apps", url.Values{"name": {"Hệ thống tra cứu thử nghiệm"}, "description": {"console test"}})
	loc := h.Get("Location")
	if st != http.StatusSeeOther || !strings.HasPrefix(loc, "/apps/app_") || !strings.HasSuffix(loc, "?done=created") {
		t.Fatalf("create: %d %s", st, loc)
	}
	page := strings.TrimSuffix(loc, "?done=created")
	appID := strings.TrimPrefix(page, "/apps/")
	st, body, _ = devA.get(loc)
	if st != http.StatusOK {
		t.Fatalf("%s: %d", loc, st)
	}
	contains(t, body, "<h1>Hệ thống tra cứu thử nghiệm</h1>", `class="done" role="status"`, "Tạo khóa API", "Tạo OAuth2 client", `id="cert-pem"`)

	// An API key: the form's answer redirects (a reload does not send it
	// again) to the one view that shows the secret.
	st, _, h = devA.post(page, url.Values{"action": {"credential"}, "type": {"api_key"}, "description": {"test key"}})
	once := h.Get("Location")
	if st != http.StatusSeeOther || !strings.HasPrefix(once, page+"?once=") {
		t.Fatalf("create key: %d %s", st, once)
	}
	st, body, _ = devA.get(once)
	if st != http.StatusOK {
		t.Fatalf("the secret's view: %d", st)
	}
	contains(t, body, `class="secret" role="status"`, "chỉ hiển thị một lần")
	m := appsSecretRE.FindStringSubmatch(body)
	if m == nil || !strings.HasPrefix(m[1], registry.APIKeyPrefix) {
		t.Fatalf("no API key shown: %v", m)
	}
	key := html.UnescapeString(m[1])
	for _, again := range []string{once, page} {
		_, body, _ = devA.get(again)
		if strings.Contains(body, key) || strings.Contains(body, `class="secret"`) {
			t.Fatalf("the secret is shown again on %s", again)
		}
	}
	if n := strings.Count(body, "test key"); n != 1 {
		t.Fatalf("%d keys named test key after reloads, want 1", n)
	}
	// Another browser (another session) cannot take a secret's view.
	_, _, h = devA.post(page, url.Values{"action": {"credential"}, "type": {"api_key"}, "description": {"second key"}})
	other := p.browser()
	other.login("admin", p.a.Info.AdminPassword)
	if _, body, _ := other.get(h.Get("Location")); strings.Contains(body, `class="secret"`) {
		t.Fatal("another session was shown the secret")
	}
	contains(t, body, "test key", "Khóa API", "Đang hiệu lực")

	// An OAuth2 client shows its client id and secret once too.
	devA.get(page)
	_, _, h = devA.post(page, url.Values{"action": {"credential"}, "type": {"oauth2"}})
	_, body, _ = devA.get(h.Get("Location"))
	contains(t, body, `class="secret" role="status"`, "Client id", "/token")

	// A refused credential: the problem beside the system id.
	st, body, _ = devA.post(page, url.Values{"action": {"credential"}, "type": {"signed_header"}, "system_id": {"bad id!"}})
	if st != http.StatusBadRequest {
		t.Fatalf("bad system id: %d", st)
	}
	contains(t, body, `id="problem" role="alert"`, `value="bad id!" aria-describedby="cred-systemid-hint problem" aria-invalid="true"`)
	if strings.Contains(body, `class="secret"`) {
		t.Fatal("a refused credential shows a secret box")
	}

	// Before a subscription the key is refused; after an approved one it
	// works.
	if got := appsGateway(t, p, key); got == http.StatusOK {
		t.Fatalf("key without a subscription: %d", got)
	}
	reg := p.registry()
	ctx := adminCtx()
	apis, err := reg.ListApis(ctx, &registryv1.ListApisRequest{Context: "ngsp-business"})
	if err != nil || len(apis.GetApis()) != 1 {
		t.Fatalf("ngsp-business API: %v %v", apis, err)
	}
	sub, err := reg.CreateSubscription(ctx, &registryv1.CreateSubscriptionRequest{ApplicationId: appID, ApiId: apis.GetApis()[0].GetId(), Tier: registry.DemoTierName})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := reg.ApproveSubscription(ctx, &registryv1.ApproveSubscriptionRequest{Id: sub.GetSubscription().GetId()}); err != nil {
		t.Fatal(err)
	}
	appsWaitGateway(t, p, key, http.StatusOK)
	_, body, _ = devA.get(page)
	contains(t, body, "ngsp-business/v1", "Demo", "Đã duyệt")

	// Revoking it through the page makes the gateway refuse it.
	creds := appsCredRE.FindAllStringSubmatch(body, -1)
	if len(creds) == 0 {
		t.Fatal("no revoke button")
	}
	contains(t, body, `data-confirm="Thu hồi thông tin xác thực`)
	// The API key was issued first; the credentials are listed by id, so
	// find its row's button by its key id.
	keyID := strings.SplitN(strings.TrimPrefix(key, registry.APIKeyPrefix), "_", 2)[0]
	revokeRE := regexp.MustCompile(`data-confirm="[^"]*` + regexp.QuoteMeta(keyID) + `[^"]*">\s*<input type="hidden" name="csrf" value="[^"]+">\s*<input type="hidden" name="action" value="revoke"><input type="hidden" name="credential" value="(cred_[^"]+)">`)
	rm := revokeRE.FindStringSubmatch(body)
	if rm == nil {
		t.Fatalf("no revoke form for key %s", keyID)
	}
	st, _, h = devA.post(page, url.Values{"action": {"revoke"}, "credential": {rm[1]}})
	if st != http.StatusSeeOther || h.Get("Location") != page+"?done=revoked" {
		t.Fatalf("revoke: %d %s", st, h.Get("Location"))
	}
	appsWaitGateway(t, p, key, http.StatusUnauthorized)
	_, body, _ = devA.get(page + "?done=revoked")
	contains(t, body, "Đã thu hồi.", "Đã thu hồi")

	// Another agency's developer: not in the list, 403 on the page and
	// on its forms, even by typing the address.
	_, body, _ = devB.get("/apps")
	if strings.Contains(body, appID) {
		t.Fatal("another agency's developer sees the application in the list")
	}
	st, body, _ = devB.get(page)
	if st != http.StatusForbidden || strings.Contains(body, "Hệ thống tra cứu thử nghiệm") || strings.Contains(body, "test key") {
		t.Fatalf("another agency's developer on the page: %d", st)
	}
	contains(t, body, "Không có quyền truy cập")
	st, body, _ = devB.post(page, url.Values{"action": {"credential"}, "type": {"api_key"}})
	if st != http.StatusForbidden || strings.Contains(body, `class="secret"`) {
		t.Fatalf("another agency's developer creating a key: %d", st)
	}
	// A developer may not pick another agency for a new application.
	devB.get("/apps")
	st, _, h = devB.post("/apps", url.Values{"name": {"Lạc cơ quan"}, "agency": {agencyA}})
	if st != http.StatusSeeOther {
		t.Fatalf("devB create: %d", st)
	}
	got, err := reg.GetApplication(ctx, &registryv1.GetApplicationRequest{Id: strings.TrimSuffix(strings.TrimPrefix(h.Get("Location"), "/apps/"), "?done=created")})
	if err != nil || got.GetApplication().GetAgencyCode() != agencyB {
		t.Fatalf("devB's application: %v %v", got, err)
	}
}

// TestAppsAdmin: an admin chooses the agency, suspends and resumes an
// application and binds a client certificate; auditors and publishers
// read without forms; the list is searched and paged.
func TestAppsAdmin(t *testing.T) {
	p := startPlatform(t)
	admin := p.browser()
	admin.login("admin", p.a.Info.AdminPassword)
	st, body, _ := admin.get("/apps")
	if st != http.StatusOK {
		t.Fatalf("/apps: %d", st)
	}
	contains(t, body, `id="app-agency"`, `id="apps-agency"`, registry.DemoAgencyCode)

	st, body, _ = admin.post("/apps", url.Values{"name": {"Không cơ quan"}, "agency": {""}})
	if st < 400 {
		t.Fatalf("no agency: %d", st)
	}
	contains(t, body, `id="problem" role="alert"`, "Không cơ quan")

	st, _, h := admin.post("/apps", url.Values{"name": {"Cổng dữ liệu mở"}, "agency": {registry.DemoAgencyCode}})
	if st != http.StatusSeeOther {
		t.Fatalf("create: %d %s", st, admin.last)
	}
	page := strings.TrimSuffix(h.Get("Location"), "?done=created")

	_, body, _ = admin.get(page)
	contains(t, body, "Tạm dừng ứng dụng", `data-confirm="Tạm dừng ứng dụng?`)
	st, _, h = admin.post(page, url.Values{"action": {"suspend"}, "reason": {"kiểm thử"}})
	if st != http.StatusSeeOther || h.Get("Location") != page+"?done=app_suspended" {
		t.Fatalf("suspend: %d %s", st, h.Get("Location"))
	}
	_, body, _ = admin.get(page)
	contains(t, body, `id="app-state">Tạm dừng`, "Khôi phục ứng dụng")
	st, _, _ = admin.post(page, url.Values{"action": {"resume"}})
	if st != http.StatusSeeOther {
		t.Fatalf("resume: %d", st)
	}
	_, body, _ = admin.get(page)
	contains(t, body, `id="app-state">Đang hoạt động`)

	// A client certificate: a bad one refused beside the field, a good
	// one bound by its fingerprint.
	st, body, _ = admin.post(page, url.Values{"action": {"cert"}, "cert_pem": {"not a certificate"}})
	if st != http.StatusBadRequest {
		t.Fatalf("bad certificate: %d", st)
	}
	contains(t, body, `id="problem" role="alert"`, `aria-describedby="cert-pem-hint problem" aria-invalid="true"`, "not a certificate")
	pemText, fp := appsTestCert(t)
	st, _, _ = admin.post(page, url.Values{"action": {"cert"}, "cert_pem": {pemText}})
	if st != http.StatusSeeOther {
		t.Fatalf("bind certificate: %d %s", st, admin.last)
	}
	_, body, _ = admin.get(page)
	contains(t, body, `<code id="cert-fingerprint">`+fp+`</code>`, "Gỡ chứng thư")
	admin.post(page, url.Values{"action": {"cert"}, "unbind": {"1"}})
	_, body, _ = admin.get(page)
	contains(t, body, "Chưa gắn chứng thư số.")

	// Search and paging.
	reg := p.registry()
	for i := 0; i < 22; i++ {
		if _, err := reg.CreateApplication(adminCtx(), &registryv1.CreateApplicationRequest{Application: &registryv1.Application{
			Name: fmt.Sprintf("Ứng dụng phân trang %02d", i), AgencyCode: registry.DemoAgencyCode}}); err != nil {
			t.Fatal(err)
		}
	}
	_, body, _ = admin.get("/apps")
	nextRE := regexp.MustCompile(`<a href="([^"]+)" rel="next">`)
	nm := nextRE.FindStringSubmatch(body)
	if nm == nil {
		t.Fatal("no next page link")
	}
	st, body2, _ := admin.get(html.UnescapeString(nm[1]))
	if st != http.StatusOK || !strings.Contains(body2, "Trang đầu") {
		t.Fatalf("next page: %d", st)
	}
	_, body, _ = admin.get("/apps?q=" + url.QueryEscape("cổng dữ liệu"))
	contains(t, body, "Cổng dữ liệu mở")
	if strings.Contains(body, "phân trang") {
		t.Fatal("search shows applications that do not match")
	}
	_, body, _ = admin.get("/apps?q=zzz-khong-co")
	contains(t, body, "Không có ứng dụng nào khớp.")

	// Readers: no forms.
	aud := p.browser()
	aud.login("auditor", p.a.Info.AuditorPassword)
	for _, path := range []string{"/apps", page} {
		st, body, _ := aud.get(path)
		if st != http.StatusOK || strings.Contains(body, `method="post" action="/apps`) {
			t.Fatalf("auditor on %s: %d", path, st)
		}
	}
	st, _, _ = aud.post("/apps", url.Values{"name": {"x"}})
	if st != http.StatusForbidden {
		t.Fatalf("auditor creating: %d", st)
	}
	pub := p.user(t, "pub", registryv1.UserRole_USER_ROLE_AGENCY_PUBLISHER, registry.DemoAgencyCode)
	st, body, _ = pub.get(page)
	if st != http.StatusOK || strings.Contains(body, "Tạo khóa API") {
		t.Fatalf("publisher on the page: %d", st)
	}
}

// appsTestCert is a self-signed certificate in PEM and its fingerprint.
func appsTestCert(t *testing.T) (string, string) {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "client.example"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tpl, tpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(der)
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), hex.EncodeToString(sum[:])
}
