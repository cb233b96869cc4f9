package console_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/authn"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry"
)

// TestServicePages: the services' pages read their services' admin APIs:
// document-exchange and one-stop statistics for overseers; the auditor
// finds a citizen's lookup, made through the gateway, in the personal-data
// access report and verifies the log's chain; an agency developer may
// open none of them.
func TestServicePages(t *testing.T) {
	p := startPlatform(t)
	citizen := p.a.Info.DemoCitizenID
	req, _ := http.NewRequest(http.MethodGet, p.a.Info.GatewayURL+"/ngsp-population/v1/citizens/"+citizen+"?legalBasis=Lu%E1%BA%ADt+C%C6%B0+tr%C3%BA&caseRef=HS-CONSOLE-1", nil)
	req.Header.Set("apikey", registry.AdaptersDemoAPIKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("citizen lookup through the gateway: %v %v", resp, err)
	}
	resp.Body.Close()

	aud := p.browser()
	aud.login("auditor", p.a.Info.AuditorPassword)
	for _, path := range []string{"/services/docexchange", "/services/onestop"} {
		st, body, _ := aud.get(path)
		if st != http.StatusOK {
			t.Fatalf("%s: %d", path, st)
		}
		contains(t, body, "<table>", "<tfoot>")
	}
	st, body, _ := aud.get("/services/access-report")
	if st != http.StatusOK {
		t.Fatalf("access report: %d", st)
	}
	contains(t, body, `method="post"`, `name="subject"`)
	st, body, _ = aud.post("/services/access-report", url.Values{"action": {"search"}, "kind": {"SUBJECT_KIND_CITIZEN_ID"}, "subject": {citizen}})
	if st != http.StatusOK {
		t.Fatalf("access report search: %d", st)
	}
	contains(t, body, "HS-CONSOLE-1", "population.GetCitizen", "Luật Cư trú", `value="csv"`)
	if strings.Contains(body, "subject="+citizen) {
		t.Fatal("the citizen ID is in a URL of the page")
	}
	st, csv, h := aud.post("/services/access-report", url.Values{"action": {"csv"}, "kind": {"SUBJECT_KIND_CITIZEN_ID"}, "subject": {citizen}})
	if st != http.StatusOK || !strings.HasPrefix(h.Get("Content-Type"), "text/csv") || !strings.Contains(csv, "HS-CONSOLE-1") {
		t.Fatalf("CSV: %d %s", st, h.Get("Content-Type"))
	}
	aud.get("/services/access-report")
	st, body, _ = aud.post("/services/access-report", url.Values{"action": {"search"}, "kind": {"SUBJECT_KIND_CITIZEN_ID"}, "subject": {"123"}})
	if st != http.StatusUnprocessableEntity {
		t.Fatalf("bad subject: %d", st)
	}
	contains(t, body, `role="alert"`, `aria-invalid="true"`)
	_, body, _ = aud.post("/services/access-report", url.Values{"action": {"verify"}})
	contains(t, body, `id="verify-result"`, "Chuỗi toàn vẹn")

	reg := p.a.Instance(app.RegistryName).(*registry.Service)
	ctx := authn.WithPrincipal(context.Background(), authn.Principal{Subject: "test", Role: authn.RolePlatformAdmin})
	if _, err := reg.CreateUser(ctx, &registryv1.CreateUserRequest{Password: "developer-password-1",
		User: &registryv1.User{Username: "dev1", Role: registryv1.UserRole_USER_ROLE_AGENCY_DEVELOPER, AgencyCode: registry.AdaptersDemoAgency.Code}}); err != nil {
		t.Fatal(err)
	}
	dev := p.browser()
	dev.login("dev1", "developer-password-1")
	for _, path := range []string{"/services/docexchange", "/services/onestop", "/services/access-report", "/"} {
		st, body, h := dev.get(path)
		if path == "/" {
			if st != http.StatusSeeOther || h.Get("Location") != "/portal" {
				t.Fatalf("developer's start page: %d %s", st, h.Get("Location"))
			}
			continue
		}
		if st != http.StatusForbidden {
			t.Fatalf("developer on %s: %d", path, st)
		}
		contains(t, body, "Không có quyền truy cập")
	}
	st, _, _ = dev.post("/services/access-report", url.Values{})
	if st != http.StatusForbidden {
		t.Fatalf("developer verifying the chain: %d", st)
	}
}
