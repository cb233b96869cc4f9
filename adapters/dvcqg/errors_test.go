package dvcqg

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestIsTemporary(t *testing.T) {
	for _, c := range []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"transport", &transportError{call: CallDongBoHoSoMC, err: errors.New("connection refused")}, true},
		{"timeout", &transportError{call: CallDongBoHoSoMC, err: context.DeadlineExceeded}, true},
		{"cancelled", &transportError{call: CallDongBoHoSoMC, err: context.Canceled}, false},
		{"503", &Error{Call: CallDongBoHoSoMC, HTTPStatus: 503}, true},
		{"500 with 03", &Error{Call: CallDongBoHoSoMC, Code: CodeInvalidData, HTTPStatus: 500}, true},
		{"429", &Error{Call: CallDongBoHoSoMC, HTTPStatus: http.StatusTooManyRequests}, true},
		{"99", &Error{Call: CallDongBoHoSoMC, Code: CodeSystemError, HTTPStatus: 200}, true},
		{"01 after a fresh login", &Error{Call: CallDongBoHoSoMC, Code: CodeSessionInvalid, HTTPStatus: 200}, true},
		{"malformed", &Error{Call: CallDongBoHoSoMC, HTTPStatus: 200, malformed: true}, true},
		{"404 page", &Error{Call: CallDongBoHoSoMC, HTTPStatus: 404}, false},
		{"02", &Error{Call: CallLayPhien, Code: CodeBadCredentials, HTTPStatus: 200}, false},
		{"03", &Error{Call: CallDongBoHoSoMC, Code: CodeInvalidData, HTTPStatus: 200}, false},
		{"04", &Error{Call: CallTraCuuHoSo, Code: CodeNotFound, HTTPStatus: 200}, false},
		{"wrapped 99", fmt.Errorf("outbox: %w", &Error{Code: CodeSystemError}), true},
		{"other", errors.New("something else"), false},
	} {
		if got := IsTemporary(c.err); got != c.want {
			t.Errorf("%s: IsTemporary %v, want %v", c.name, got, c.want)
		}
	}
}

func TestPermanentKinds(t *testing.T) {
	wrap := func(code string) error { return fmt.Errorf("sync: %w", &Error{Code: code, HTTPStatus: 200}) }
	if !IsBadCredentials(wrap(CodeBadCredentials)) || IsBadCredentials(wrap(CodeInvalidData)) {
		t.Error("IsBadCredentials")
	}
	if !IsInvalidData(wrap(CodeInvalidData)) || IsInvalidData(wrap(CodeNotFound)) {
		t.Error("IsInvalidData")
	}
	if !IsNotFound(wrap(CodeNotFound)) || IsNotFound(errors.New("04")) {
		t.Error("IsNotFound")
	}
}

func TestErrorText(t *testing.T) {
	e := &Error{Call: CallDongBoHoSoMC, Code: CodeInvalidData, Message: "dữ liệu không hợp lệ", HTTPStatus: 200}
	if got := e.Error(); got != "dvcqg DongBoHoSoMC: 03 invalid data (HTTP 200): dữ liệu không hợp lệ" {
		t.Fatalf("%q", got)
	}
	e = &Error{Call: CallLayPhien, HTTPStatus: 503}
	if got := e.Error(); got != "dvcqg LayPhien: no error_code (HTTP 503)" {
		t.Fatalf("%q", got)
	}
}

// Every code has a description in both languages.
func TestDescriptions(t *testing.T) {
	for _, code := range []string{CodeOK, CodeSessionInvalid, CodeBadCredentials, CodeInvalidData, CodeNotFound, CodeSystemError} {
		d := Describe(code)
		if d.VI == "" || d.EN == "" || d.VI == d.EN || strings.Contains(d.EN, "unknown") {
			t.Errorf("%s: %+v", code, d)
		}
	}
	if d := Describe("77"); !strings.Contains(d.EN, "77") || !strings.Contains(d.VI, "77") {
		t.Errorf("unknown code: %+v", d)
	}
	if s := Describe(CodeNotFound).String(); s != "không tìm thấy hồ sơ (dossier not found)" {
		t.Errorf("%q", s)
	}
}

// Text from the portal is cleaned of the password and the session before
// it reaches an error.
func TestRedact(t *testing.T) {
	c, err := New(Config{BaseURL: "http://portal", Username: "u", Password: "mat-khau-1", AgencyCode: "x"})
	if err != nil {
		t.Fatal(err)
	}
	got := c.redact("echo mat-khau-1 and phien-abcdef", "phien-abcdef")
	if got != "echo *** and ***" {
		t.Fatalf("%q", got)
	}
	if q := c.quote(CallLayPhien, []byte(`{"error_code":"00","session":"abc`), ""); strings.Contains(q, "abc") {
		t.Fatalf("a login answer quoted: %q", q)
	}
}
