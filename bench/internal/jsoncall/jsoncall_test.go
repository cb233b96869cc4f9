package jsoncall

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// fakeAdmin answers the login and one admin call the way the admin API
// does.
func fakeAdmin(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/v1/auth/login", func(w http.ResponseWriter, r *http.Request) {
		var in struct{ Username, Password string }
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Username != "admin" || in.Password != "s3cret" {
			http.Error(w, `{"code":"UNAUTHENTICATED"}`, http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"sessionToken":"tok"}`))
	})
	mux.HandleFunc("PATCH /admin/v1/tiers/{name}", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte(`{"tier":{"name":"` + r.PathValue("name") + `"}}`))
	})
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		_, _ = w.Write([]byte("go_memstats_sys_bytes 1e+06\n"))
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAdmin(t *testing.T) {
	srv := fakeAdmin(t)
	ctx := context.Background()
	if _, err := LoginAdmin(ctx, srv.URL, "wrong"); err == nil || !strings.Contains(err.Error(), "401 Unauthorized") {
		t.Fatalf("login with a wrong password: %v", err)
	}
	a, err := LoginAdmin(ctx, srv.URL, "s3cret")
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Tier struct{ Name string } `json:"tier"`
	}
	if err := a.Do(ctx, http.MethodPatch, "/admin/v1/tiers/Demo", map[string]any{"burst": 1}, &out); err != nil || out.Tier.Name != "Demo" {
		t.Fatalf("Do: %+v, %v", out, err)
	}
	page, err := a.Text(ctx, "/metrics", 1<<10)
	if err != nil || page != "go_memstats_sys_bytes 1e+06\n" {
		t.Fatalf("Text: %q, %v", page, err)
	}
}

func TestDoSaysWhatFailed(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "  "+strings.Repeat("x", 500), http.StatusConflict)
	}))
	defer srv.Close()
	err := Do(context.Background(), srv.Client(), http.MethodPost, srv.URL+"/dossiers?x=1", nil, map[string]string{}, nil)
	if err == nil || !strings.HasPrefix(err.Error(), "POST /dossiers: 409 Conflict: xxx") || len(err.Error()) > 340 {
		t.Fatalf("error %v", err)
	}
}
