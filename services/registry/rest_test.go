package registry

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/authn"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

type restClient struct {
	t     *testing.T
	base  string
	token string
}

func (c restClient) do(method, path, body string) (int, map[string]any) {
	c.t.Helper()
	req := must(http.NewRequest(method, c.base+path, strings.NewReader(body)))(c.t)
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp := must(http.DefaultClient.Do(req))(c.t)
	defer resp.Body.Close()
	raw := must(io.ReadAll(resp.Body))(c.t)
	var out map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			c.t.Fatalf("%s %s: not JSON: %s", method, path, raw)
		}
	}
	return resp.StatusCode, out
}

// TestREST drives the admin API over HTTP through grpc-gateway and the
// platform's authentication middleware, as the admin listener serves it.
func TestREST(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		e := newEnv(t, db, nil)
		must(e.s.EnsureAdmin(t.Context(), "rest-admin-password"))(t)
		mux := runtime.NewServeMux(runtime.WithErrorHandler(apierr.GatewayErrorHandler))
		must(0, e.s.RegisterREST(t.Context(), mux))(t)
		// authn.Middleware reports authn.ErrUnauthenticated, which the
		// listener maps to the platform's 401 body.
		onError := func(w http.ResponseWriter, r *http.Request, err error) {
			if errors.Is(err, authn.ErrUnauthenticated) {
				err = apierr.ErrUnauthenticated
			}
			apierr.WriteJSON(w, r, err)
		}
		srv := httptest.NewServer(authn.Middleware(e.s, IsPublicREST, onError)(mux))
		t.Cleanup(srv.Close)
		anon := restClient{t: t, base: srv.URL}

		// No credential: 401.
		code, body := anon.do("GET", "/admin/v1/agencies", "")
		if code != http.StatusUnauthorized {
			t.Fatalf("anonymous list: %d %v", code, body)
		}
		// Login is public.
		code, body = anon.do("POST", "/admin/v1/auth/login", `{"username":"admin","password":"rest-admin-password"}`)
		if code != http.StatusOK || body["sessionToken"] == nil {
			t.Fatalf("login: %d %v", code, body)
		}
		admin := restClient{t: t, base: srv.URL, token: body["sessionToken"].(string)}
		code, body = anon.do("POST", "/admin/v1/auth/login", `{"username":"admin","password":"wrong-password"}`)
		if code != http.StatusUnauthorized || body["code"] != "invalid_credentials" {
			t.Fatalf("bad login: %d %v", code, body)
		}

		// An empty identifier is a 400 missing_id, whether a handler gets ""
		// or no route matches; unknown routes and methods are 404 and 405;
		// every answer is bilingual.
		for _, tc := range []struct {
			method, path string
			status       int
			code, field  string
		}{
			{"GET", "/admin/v1/apis/", http.StatusBadRequest, "missing_id", "id"},
			{"PATCH", "/admin/v1/apis/", http.StatusBadRequest, "missing_id", "api.id"},
			{"GET", "/admin/v1/agencies//history", http.StatusBadRequest, "missing_id", "code"},
			{"POST", "/admin/v1/applications//credentials", http.StatusBadRequest, "missing_id", "application_id"},
			{"GET", "/admin/v1/users/", http.StatusBadRequest, "missing_id", "username"},
			{"POST", "/admin/v1/apis/:transition", http.StatusBadRequest, "missing_id", ""},
			{"POST", "/admin/v1/subscriptions/:approve", http.StatusBadRequest, "missing_id", ""},
			{"GET", "/admin/v1/apis//", http.StatusBadRequest, "missing_id", ""},
			{"GET", "/admin/v1/nothing-here", http.StatusNotFound, "not_found", ""},
			{"DELETE", "/admin/v1/apis", http.StatusMethodNotAllowed, "method_not_allowed", ""},
			{"PUT", "/admin/v1/apis/api_x", http.StatusMethodNotAllowed, "method_not_allowed", ""},
		} {
			code, body := admin.do(tc.method, tc.path, "{}")
			if code != tc.status || body["code"] != tc.code || body["message"] == "" || body["message_vi"] == "" ||
				body["message"] == body["message_vi"] || (tc.field != "" && body["field"] != tc.field) {
				t.Errorf("%s %s: %d %v, want %d %s", tc.method, tc.path, code, body, tc.status, tc.code)
			}
		}

		// A bad agency code: 400 with the platform's bilingual JSON body.
		code, body = admin.do("POST", "/admin/v1/agencies", `{"code":"28.22.H17","name":"Sở TT&TT"}`)
		if code != http.StatusBadRequest || body["code"] != "invalid_agency_code" || body["message"] == "" ||
			!strings.Contains(body["message_vi"].(string), "mã định danh") || body["field"] != "agency.code" {
			t.Fatalf("bad agency: %d %v", code, body)
		}
		code, body = admin.do("POST", "/admin/v1/agencies", `{"code":"000.00.01.H30","name":"Sở Thông tin và Truyền thông"}`)
		if code != http.StatusOK || field(body, "agency", "status") != "AGENCY_STATUS_ACTIVE" {
			t.Fatalf("create agency: %d %v", code, body)
		}
		// Codes with dots work as path parameters.
		code, body = admin.do("GET", "/admin/v1/agencies/000.00.01.H30", "")
		if code != http.StatusOK || field(body, "agency", "name") != "Sở Thông tin và Truyền thông" {
			t.Fatalf("get agency: %d %v", code, body)
		}
		code, body = admin.do("POST", "/admin/v1/agencies", `{"code":"000.00.01.H30","name":"again"}`)
		if code != http.StatusConflict || body["code"] != "agency_exists" {
			t.Fatalf("duplicate agency: %d %v", code, body)
		}

		code, body = admin.do("POST", "/admin/v1/apis", `{"api":{"name":"DKDN","context":"apiCSDLDKDN","version":"1.0","ownerAgency":"000.00.01.H30",
			"endpoints":[{"url":"http://169.254.169.254/latest"}]}}`)
		if code != http.StatusBadRequest || body["code"] != "upstream_address_not_allowed" {
			t.Fatalf("metadata upstream: %d %v", code, body)
		}
		code, body = admin.do("POST", "/admin/v1/apis", `{"api":{"name":"DKDN","context":"apiCSDLDKDN","version":"1.0","ownerAgency":"000.00.01.H30",
			"endpoints":[{"url":"http://127.0.0.1:8090/apiCSDLDKDN/1.0"}]}}`)
		if code != http.StatusOK || field(body, "api", "lifecycle") != "API_LIFECYCLE_DRAFT" {
			t.Fatalf("create api: %d %v", code, body)
		}
		id := field(body, "api", "id")
		code, body = admin.do("POST", "/admin/v1/apis/"+id+":transition", `{"lifecycle":"API_LIFECYCLE_RETIRED"}`)
		if code != http.StatusBadRequest || body["code"] != "illegal_transition" {
			t.Fatalf("illegal transition: %d %v", code, body)
		}
		code, body = admin.do("POST", "/admin/v1/apis/"+id+":transition", `{"lifecycle":"API_LIFECYCLE_PUBLISHED"}`)
		if code != http.StatusOK || field(body, "api", "lifecycle") != "API_LIFECYCLE_PUBLISHED" {
			t.Fatalf("publish: %d %v", code, body)
		}
		code, body = admin.do("PATCH", "/admin/v1/apis/"+id+"?updateMask=description", `{"description":"Tra cứu doanh nghiệp"}`)
		if code != http.StatusOK || field(body, "api", "description") != "Tra cứu doanh nghiệp" || field(body, "api", "name") != "DKDN" {
			t.Fatalf("patch api: %d %v", code, body)
		}

		// A developer may not create agencies: 403.
		code, _ = admin.do("POST", "/admin/v1/users", `{"user":{"username":"dev","role":"USER_ROLE_AGENCY_DEVELOPER","agencyCode":"000.00.01.H30"},"password":"developer-pass"}`)
		if code != http.StatusOK {
			t.Fatalf("create user: %d", code)
		}
		_, body = anon.do("POST", "/admin/v1/auth/login", `{"username":"dev","password":"developer-pass"}`)
		dev := restClient{t: t, base: srv.URL, token: body["sessionToken"].(string)}
		code, body = dev.do("POST", "/admin/v1/agencies", `{"code":"000.00.02.H30","name":"x"}`)
		if code != http.StatusForbidden || body["code"] != "forbidden" || body["message_vi"] == "" {
			t.Fatalf("developer creates agency: %d %v", code, body)
		}
		code, body = dev.do("GET", "/admin/v1/auth/whoami", "")
		if code != http.StatusOK || body["role"] != "agency_developer" || body["agencyCode"] != "000.00.01.H30" {
			t.Fatalf("whoami: %d %v", code, body)
		}
		// The developer's flow over REST.
		code, body = dev.do("POST", "/admin/v1/applications", `{"name":"Một cửa điện tử"}`)
		if code != http.StatusOK {
			t.Fatalf("create app: %d %v", code, body)
		}
		app := field(body, "application", "id")
		code, body = dev.do("POST", "/admin/v1/applications/"+app+"/credentials", `{"type":"CREDENTIAL_TYPE_OAUTH2_CLIENT"}`)
		if code != http.StatusOK || body["secret"] == nil {
			t.Fatalf("create credential: %d %v", code, body)
		}
		code, body = dev.do("GET", "/admin/v1/applications/"+app+"/credentials", "")
		if code != http.StatusOK || strings.Contains(string(must(json.Marshal(body))(t)), `"secret"`) {
			t.Fatalf("list credentials: %d %v", code, body)
		}
		must(e.s.CreateTier(adminCtx(), &registryv1.CreateTierRequest{Tier: &registryv1.Tier{Name: "Gold", RatePerSecond: 1, Burst: 1}}))(t)
		code, body = dev.do("POST", "/admin/v1/subscriptions", `{"applicationId":"`+app+`","apiId":"`+id+`","tier":"Gold"}`)
		if code != http.StatusOK || field(body, "subscription", "state") != "SUBSCRIPTION_STATE_PENDING" {
			t.Fatalf("subscribe: %d %v", code, body)
		}
		sub := field(body, "subscription", "id")
		code, body = admin.do("POST", "/admin/v1/subscriptions/"+sub+":approve", `{}`)
		if code != http.StatusOK || field(body, "subscription", "state") != "SUBSCRIPTION_STATE_APPROVED" {
			t.Fatalf("approve: %d %v", code, body)
		}
		code, body = admin.do("GET", "/admin/v1/audit-entries?resourceKind=subscription", "")
		if code != http.StatusOK || len(body["entries"].([]any)) != 2 {
			t.Fatalf("audit entries: %d %v", code, body)
		}
		code, body = admin.do("GET", "/admin/v1/audit-entries:verify", "")
		if code != http.StatusOK || body["ok"] != true {
			t.Fatalf("verify: %d %v", code, body)
		}
		// Logout ends the session.
		if code, _ = dev.do("POST", "/admin/v1/auth/logout", `{}`); code != http.StatusOK {
			t.Fatalf("logout: %d", code)
		}
		if code, _ = dev.do("GET", "/admin/v1/auth/whoami", ""); code != http.StatusUnauthorized {
			t.Fatalf("after logout: %d", code)
		}
	})
}

// field reads body[outer][inner] as a string.
func field(body map[string]any, outer, inner string) string {
	m, _ := body[outer].(map[string]any)
	v, _ := m[inner].(string)
	return v
}
