package ngsp

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// adminError is the body of admin errors, shaped like the platform's REST
// errors.
type adminError struct {
	Code      string `json:"code"`
	Message   string `json:"message"`
	MessageVI string `json:"message_vi"`
	RequestID string `json:"request_id,omitempty"`
}

func adminFail(w http.ResponseWriter, r *http.Request, status int, code, en, vi string) {
	writeJSON(w, status, adminError{code, en, vi, requestID(r)})
}

// handleAdmin serves /_sim/...:
//
//	GET    /_sim/health   liveness, no token
//	GET    /_sim/demo     identifiers of seeded records, no token
//	GET    /_sim/faults   current knobs
//	POST   /_sim/faults   replace the knobs (JSON Faults)
//	GET    /_sim/stats    call counts per path and status
//	DELETE /_sim/stats    reset the counts
//	DELETE /_sim/tokens   revoke every issued access token
//
// All but the first two need "Authorization: Bearer <admin token>" (or
// X-Sim-Admin-Token) and are absent when no admin token is configured.
func (s *Simulator) handleAdmin(w http.ResponseWriter, r *http.Request) {
	res := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	switch res {
	case "health":
		if s.cfgErr != nil {
			adminFail(w, r, http.StatusServiceUnavailable, "misconfigured", s.cfgErr.Error(), "cấu hình trình mô phỏng không hợp lệ")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	case "demo":
		writeJSON(w, http.StatusOK, s.data.demo)
		return
	}
	if s.cfg.AdminToken == "" {
		adminFail(w, r, http.StatusNotFound, "not_found", "admin endpoints are disabled", "các API quản trị trình mô phỏng đang tắt")
		return
	}
	tok := r.Header.Get("X-Sim-Admin-Token")
	if t, ok := bearer(r); ok {
		tok = t
	}
	if tok == "" || !equalSecret(tok, s.cfg.AdminToken) {
		w.Header().Set("WWW-Authenticate", `Bearer realm="ngsp-sim-admin"`)
		adminFail(w, r, http.StatusUnauthorized, "unauthenticated", "a valid simulator admin token is required", "cần admin token hợp lệ của trình mô phỏng")
		return
	}
	switch res + " " + r.Method {
	case "faults GET":
		writeJSON(w, http.StatusOK, s.Faults())
	case "faults POST":
		s.postFaults(w, r)
	case "stats GET":
		writeJSON(w, http.StatusOK, s.Stats())
	case "stats DELETE":
		s.ResetStats()
		w.WriteHeader(http.StatusNoContent)
	case "tokens DELETE":
		writeJSON(w, http.StatusOK, map[string]int{"revoked": s.RevokeTokens()})
	default:
		if res == "faults" || res == "stats" || res == "tokens" {
			adminFail(w, r, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "phương thức không được hỗ trợ")
			return
		}
		adminFail(w, r, http.StatusNotFound, "not_found", "no such simulator endpoint", "không có API quản trị này")
	}
}

func (s *Simulator) postFaults(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	var f Faults
	if err := dec.Decode(&f); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			adminFail(w, r, http.StatusRequestEntityTooLarge, "too_large", "body larger than 64 KiB", "nội dung lớn hơn 64 KiB")
			return
		}
		adminFail(w, r, http.StatusBadRequest, "invalid_json", "invalid JSON: "+err.Error(), "JSON không hợp lệ: "+err.Error())
		return
	}
	if err := s.SetFaults(f); err != nil {
		adminFail(w, r, http.StatusBadRequest, "invalid_faults", err.Error(), "giá trị tham số lỗi không hợp lệ: "+err.Error())
		return
	}
	writeJSON(w, http.StatusOK, s.Faults())
}
