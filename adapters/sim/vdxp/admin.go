package vdxp

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/config"
	"github.com/lgsp-vn/lgsp/platform/edxml"
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

// InjectResult answers POST /_sim/inject.
type InjectResult struct {
	DocID      string          `json:"docId"`
	Recipients []RecipientInfo `json:"recipients"`
}

// SystemInfo describes a system of the simulator, never its secret.
type SystemInfo struct {
	SystemID string `json:"systemId"`
	Province bool   `json:"province,omitempty"`
	// Codes are the codes it hosts; the province's system hosts every
	// code outside the directory and the other systems.
	Codes []string `json:"codes,omitempty"`
}

// Systems lists the simulator's systems, the province's first.
func (s *Simulator) Systems() []SystemInfo {
	out := []SystemInfo{{SystemID: s.province.id, Province: true}}
	var others []SystemInfo
	for _, sys := range s.systems {
		if sys.province {
			continue
		}
		in := SystemInfo{SystemID: sys.id}
		for c := range sys.codes {
			in.Codes = append(in.Codes, c)
		}
		slices.Sort(in.Codes)
		others = append(others, in)
	}
	slices.SortFunc(others, func(a, b SystemInfo) int { return strings.Compare(a.SystemID, b.SystemID) })
	return append(out, others...)
}

// Inject puts a package into the axis as if another province had sent it:
// it lands in the inboxes of the systems hosting its recipients (the
// province's, for every code outside the directory). to overrides the
// package's own To list (for a status, its ResponseFor/OrganId); codes of
// the directory are skipped. The bytes are stored as given.
func (s *Simulator) Inject(pkg []byte, to ...string) (InjectResult, error) {
	for _, c := range to {
		if !validCode(c) {
			return InjectResult{}, refuse(http.StatusBadRequest, wire.CodeUnknownReceiver,
				fmt.Sprintf("to: %q không phải mã định danh đơn vị", truncate(c, 64)),
				fmt.Sprintf("to: %q is not an agency identifier code", truncate(c, 64)))
		}
	}
	res, aerr := s.accept(incoming{origin: OriginInjected, data: pkg, to: dedupe(slices.Clone(to))})
	if aerr != nil {
		return InjectResult{}, aerr
	}
	return InjectResult{DocID: res.docID, Recipients: res.delivered}, nil
}

// handleAdmin serves /_sim/...:
//
//	GET    /_sim/health                   liveness, no token
//	GET    /_sim/directory                the agency directory, no token
//	GET    /_sim/systems                  systems and the codes they host
//	GET    /_sim/documents                every document held (?origin=, ?system=, ?messagetype=)
//	GET    /_sim/documents/{id}           one document's description
//	GET    /_sim/documents/{id}/package   its bytes, exactly as stored
//	POST   /_sim/inject                   inject a package (body), ?to=code,code overrides its To
//	GET    /_sim/faults                   current knobs
//	POST   /_sim/faults                   replace the knobs (JSON Faults)
//	GET    /_sim/stats                    call counts per call and status
//	POST   /_sim/reset                    forget every document, restore the configured knobs
//
// All but the first two need "Authorization: Bearer <admin token>" (or
// X-Sim-Admin-Token) and are absent when no admin token is configured.
func (s *Simulator) handleAdmin(w http.ResponseWriter, r *http.Request) {
	res := strings.TrimPrefix(r.URL.Path, AdminPrefix)
	switch res {
	case "health":
		if s.cfgErr != nil {
			adminFail(w, http.StatusServiceUnavailable, "misconfigured", s.cfgErr.Error(), "cấu hình trình mô phỏng không hợp lệ")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
		return
	case "directory":
		writeJSON(w, http.StatusOK, s.dir.all())
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
		w.Header().Set("WWW-Authenticate", `Bearer realm="vdxp-sim-admin"`)
		adminFail(w, http.StatusUnauthorized, "unauthenticated", "a valid simulator admin token is required", "cần admin token hợp lệ của trình mô phỏng")
		return
	}
	if id, ok := strings.CutPrefix(res, "documents/"); ok {
		s.adminDocument(w, r, id)
		return
	}
	switch res + " " + r.Method {
	case "systems GET":
		writeJSON(w, http.StatusOK, s.Systems())
	case "documents GET":
		s.adminDocuments(w, r)
	case "inject POST":
		s.adminInject(w, r)
	case "faults GET":
		writeJSON(w, http.StatusOK, s.Faults())
	case "faults POST":
		s.postFaults(w, r)
	case "stats GET":
		writeJSON(w, http.StatusOK, s.Stats())
	case "reset POST":
		s.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		if slices.Contains([]string{"systems", "documents", "inject", "faults", "stats", "reset"}, res) {
			adminFail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "phương thức không được hỗ trợ")
			return
		}
		adminFail(w, http.StatusNotFound, "not_found", "no such simulator endpoint", "không có API điều khiển này")
	}
}

func (s *Simulator) adminDocuments(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	origin, system, mt := q.Get("origin"), q.Get("system"), q.Get("messagetype")
	writeJSON(w, http.StatusOK, s.store.info(func(d *document) bool {
		if origin != "" && d.origin != origin || mt != "" && d.messageType != mt {
			return false
		}
		if system == "" || d.sender == system {
			return true
		}
		for _, rc := range d.recipients {
			if rc.system == system {
				return true
			}
		}
		return false
	}))
}

func (s *Simulator) adminDocument(w http.ResponseWriter, r *http.Request, rest string) {
	id, sub, _ := strings.Cut(rest, "/")
	if r.Method != http.MethodGet {
		adminFail(w, http.StatusMethodNotAllowed, "method_not_allowed", "method not allowed", "phương thức không được hỗ trợ")
		return
	}
	info, data, ok := s.store.one(id)
	switch {
	case !ok:
		adminFail(w, http.StatusNotFound, "not_found", "no such document", "không có văn bản này")
	case sub == "":
		writeJSON(w, http.StatusOK, info)
	case sub == "package":
		w.Header().Set("Content-Type", "application/xml")
		w.Header().Set("X-Sim-Sha256", info.SHA256)
		_, _ = w.Write(data)
	default:
		adminFail(w, http.StatusNotFound, "not_found", "no such simulator endpoint", "không có API điều khiển này")
	}
}

func (s *Simulator) adminInject(w http.ResponseWriter, r *http.Request) {
	body, err := edxml.ReadAll(r.Body, s.cfg.MaxPackageBytes, r.ContentLength)
	if err != nil {
		if errors.Is(err, edxml.ErrTooLarge) {
			adminFail(w, http.StatusRequestEntityTooLarge, "too_large", "package larger than the limit", "gói tin vượt quá dung lượng cho phép")
			return
		}
		adminFail(w, http.StatusBadRequest, "bad_body", "the body could not be read", "không đọc được nội dung")
		return
	}
	var to []string
	if v := r.URL.Query().Get("to"); v != "" {
		to = config.SplitList(v)
	}
	res, err := s.Inject(body, to...)
	if err != nil {
		// Inject's errors are refusals, with the code sendEdoc would give.
		aerr := err.(*axisErr)
		adminFail(w, aerr.status, "refused_"+aerr.code, aerr.en, aerr.vi)
		return
	}
	writeJSON(w, http.StatusOK, res)
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
