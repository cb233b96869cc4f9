package ngsp

import (
	"encoding/json"
	"net/http"
)

// National error codes carried in Envelope.ErrorCode.
const (
	CodeSuccess             = "0"
	CodeAuthenError         = "100"
	CodeIPDisallowed        = "101"
	CodeAgencyIDIncorrect   = "106"
	CodeProvinceIDIncorrect = "108"
	CodeRecordUncomplete    = "200"
	CodeRecordNotFound      = "201"
	CodeDataTypeInvalid     = "302"
	CodeDataIncorrect       = "500"
)

// Envelope wraps every data-API answer. It stays here rather than in natdb:
// it is the writing side, with the record as any, and the connector
// (adapters/ngsp) reads it its own, more tolerant way (an errorCode sent as
// a number as well as a string).
type Envelope struct {
	// ErrorCode is "0" on success, otherwise a national code such as "201".
	ErrorCode string `json:"errorCode"`
	// ErrorName is the symbolic name, e.g. "RECORD_NOT_FOUND".
	ErrorName      string `json:"errorName"`
	ErrorMessage   string `json:"errorMessage"`
	ErrorMessageVi string `json:"errorMessageVi"`
	RequestID      string `json:"requestId,omitempty"`
	// Data is the record, or null on error. With errorCode 200
	// (RECORD_UNCOMPLETE) it is the partial record.
	Data any `json:"data"`
}

// codeInfo is the name and HTTP status that go with a national code.
type codeInfo struct {
	name   string
	status int
	// business errors can be answered with HTTP 200 when the knob asks
	business bool
}

var codeTable = map[string]codeInfo{
	CodeSuccess:             {"SUCCESS", http.StatusOK, false},
	CodeAuthenError:         {"AUTHEN_ERROR", http.StatusUnauthorized, false},
	CodeIPDisallowed:        {"IP_DISALLOWED", http.StatusForbidden, false},
	CodeAgencyIDIncorrect:   {"AGENCY_ID_INCORRECT", http.StatusForbidden, false},
	CodeProvinceIDIncorrect: {"PROVINCE_ID_INCORRECT", http.StatusBadRequest, true},
	CodeRecordUncomplete:    {"RECORD_UNCOMPLETE", http.StatusOK, true},
	CodeRecordNotFound:      {"RECORD_NOT_FOUND", http.StatusNotFound, true},
	CodeDataTypeInvalid:     {"DATA_TYPE_INVALID", http.StatusBadRequest, true},
	// The request was well-formed but its data contradicts the record.
	CodeDataIncorrect: {"DATA_INCORRECT", http.StatusUnprocessableEntity, true},
}

// natErr is a business answer other than success.
type natErr struct {
	code   string
	en, vi string
}

func errAuthen(en, vi string) *natErr   { return &natErr{CodeAuthenError, en, vi} }
func errInvalid(en, vi string) *natErr  { return &natErr{CodeDataTypeInvalid, en, vi} }
func errAgency(en, vi string) *natErr   { return &natErr{CodeAgencyIDIncorrect, en, vi} }
func errProvince(en, vi string) *natErr { return &natErr{CodeProvinceIDIncorrect, en, vi} }
func errIncorrect(en, vi string) *natErr {
	return &natErr{CodeDataIncorrect, en, vi}
}

var errNotFound = &natErr{CodeRecordNotFound, "record not found", "không tìm thấy bản ghi"}

// writeJSON writes v with the given status. Encoding our own types cannot
// fail, and a failed write means the client is gone, so errors are dropped.
func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// answer writes a data-API envelope.
func (s *Simulator) answer(w http.ResponseWriter, r *http.Request, code string, en, vi string, data any) {
	info := codeTable[code]
	status := info.status
	if info.business && s.cfg.BusinessErrorsAsHTTP200 {
		status = http.StatusOK
	}
	if code == CodeAuthenError {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	writeJSON(w, status, Envelope{
		ErrorCode:      code,
		ErrorName:      info.name,
		ErrorMessage:   en,
		ErrorMessageVi: vi,
		RequestID:      requestID(r),
		Data:           data,
	})
}

func (s *Simulator) ok(w http.ResponseWriter, r *http.Request, data any) {
	s.answer(w, r, CodeSuccess, "success", "thành công", data)
}

func (s *Simulator) incomplete(w http.ResponseWriter, r *http.Request, data any) {
	s.answer(w, r, CodeRecordUncomplete, "record is incomplete; the data returned is partial",
		"bản ghi chưa đầy đủ thông tin; dữ liệu trả về chỉ là một phần", data)
}

func (s *Simulator) fail(w http.ResponseWriter, r *http.Request, e *natErr) {
	s.answer(w, r, e.code, e.en, e.vi, nil)
}

// gatewayFault is the body the national API gateway (WSO2) answers when
// the gateway itself, not the database behind it, fails.
type gatewayFault struct {
	Fault struct {
		Code        int    `json:"code"`
		Message     string `json:"message"`
		Description string `json:"description"`
	} `json:"fault"`
}

func writeFault(w http.ResponseWriter, status, code int, message, description string) {
	var f gatewayFault
	f.Fault.Code, f.Fault.Message, f.Fault.Description = code, message, description
	writeJSON(w, status, f)
}
