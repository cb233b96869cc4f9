package console

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/apierr"
)

// TestServiceNotHere: when the admin API of this process has no route for
// a service (a split deployment, the registry alone), the service's page
// says the service does not run here instead of a routing error.
func TestServiceNotHere(t *testing.T) {
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/admin/v1/auth/whoami" {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"subject":"admin","role":"platform_admin"}`))
			return
		}
		apierr.WriteJSON(w, r, apierr.ErrRouteNotFound)
	})
	c := New(Options{API: api})
	req := httptest.NewRequest(http.MethodGet, "/services/onestop", nil)
	req.AddCookie(&http.Cookie{Name: "lgsp_session", Value: "token"})
	rec := httptest.NewRecorder()
	c.ServeHTTP(rec, req)
	body := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(body, message("vi", "svc.unavailable")) || strings.Contains(body, "không có API nào") {
		t.Fatalf("%d %s", rec.Code, body)
	}
}
