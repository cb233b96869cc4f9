package dvcqg

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"strings"
)

const maxFaultsBody = 64 << 10

// adminError is the body of control-surface errors, shaped like the
// platform's REST errors.
type adminError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
}

func adminFail(w http.ResponseWriter, status int, code, en, vi string) {
	writeJSON(w, status, adminError{code, en, vi})
}

// handleAdmin serves /_sim/...:
//
//	GET    /_sim/health               liveness, no token
//	GET    /_sim/dossiers             every dossier held, with counts
//	GET    /_sim/dossiers/{MaHoSo}    one dossier: its history in order and latest state
//	GET    /_sim/stats                calls, logins, item counts, outcomes per agency
//	GET    /_sim/faults               current knobs
//	POST   /_sim/faults               replace the knobs (JSON Faults)
//	POST   /_sim/sessions/expire      expire every session now
//	POST   /_sim/reset                forget everything, restore the configured knobs
//
// All but the first need "Authorization: Bearer <admin token>" (or
// X-Sim-Admin-Token) and are absent when no admin token is configured.
func (s *Simulator) handleAdmin(w http.ResponseWriter, r *http.Request) {
	res := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	if res == "health" {
		if s.cfgErr != nil {
			adminFail(w, http.StatusServiceUnavailable, "misconfigured", s.cfgErr.Error(), "cấu hình trình mô phỏng không hợp lệ")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	}
	if s.cfg.AdminToken == "" {
		adminFail(w, http.StatusNotFound, "not_found", "control endpoints are disabled", "các API điều khiển trình mô phỏng đang tắt")
		return
	}
	tok := r.Header.Get("X-Sim-Admin-Token")
	if t, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		tok = strings.TrimSpace(t)
	}
	if tok == "" || subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.AdminToken)) != 1 {
		w.Header().Set("WWW-Authenticate", `Bearer realm="dvcqg-sim-admin"`)
		adminFail(w, http.StatusUnauthorized, "unauthenticated", "a valid simulator admin token is required", "cần admin token hợp lệ của trình mô phỏng")
		return
	}
	if m, ok := strings.CutPrefix(res, "dossiers/"); ok {
		if r.Method != http.MethodGet {
			adminFail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "phương thức không được hỗ trợ")
			return
		}
		d, found := s.store.one(m)
		if !found {
			adminFail(w, http.StatusNotFound, "not_found", "no such dossier", "không có hồ sơ này")
			return
		}
		writeJSON(w, http.StatusOK, d)
		return
	}
	switch res + " " + r.Method {
	case "dossiers GET":
		writeJSON(w, http.StatusOK, s.Dossiers())
	case "stats GET":
		writeJSON(w, http.StatusOK, s.Stats())
	case "faults GET":
		writeJSON(w, http.StatusOK, s.Faults())
	case "faults POST":
		s.postFaults(w, r)
	case "sessions/expire POST":
		s.ExpireSessions()
		w.WriteHeader(http.StatusNoContent)
	case "reset POST":
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		if slices.Contains([]string{"dossiers", "stats", "faults", "sessions/expire", "reset"}, res) {
			adminFail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "phương thức không được hỗ trợ")
			return
		}
		adminFail(w, http.StatusNotFound, "not_found", "no such simulator endpoint", "không có API điều khiển này")
	}
}

func (s *Simulator) postFaults(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFaultsBody)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var f Faults
	if err := dec.Decode(&f); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			adminFail(w, http.StatusRequestEntityTooLarge, "too_large", "body larger than 64 KiB", "nội dung lớn hơn 64 KiB")
			return
		}
		adminFail(w, http.StatusBadRequest, "invalid_json", "invalid JSON: "+err.Error(), "JSON không hợp lệ: "+err.Error())
		return
	}
	if err := s.SetFaults(f); err != nil {
		adminFail(w, http.StatusBadRequest, "invalid_faults", err.Error(), "giá trị tham số lỗi không hợp lệ: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}
