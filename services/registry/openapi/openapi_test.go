package openapi

import (
	"errors"
	"strings"
	"testing"
)

const swaggerJSON = `{
  "swagger": "2.0",
  "info": {"title": "CSDL DKDN", "version": "1.0"},
  "basePath": "/apiCSDLDKDN/1.0",
  "paths": {
    "/chiTietDoanhNghiep": {"get": {"parameters": [{"name": "msdn", "in": "query"}]}},
    "/doanhNghiep/{msdn}": {"get": {}, "delete": {}, "parameters": []}
  }
}`

const openAPIYAML = `
openapi: 3.0.3
info:
  title: Danh mục dùng chung
  version: "1.0"
servers:
  - url: https://example.gov.vn/dmdc/1.0
paths:
  /AllCategory:
    get:
      summary: all
    post: {}
`

func TestParse(t *testing.T) {
	d, err := Parse([]byte(swaggerJSON))
	if err != nil {
		t.Fatal(err)
	}
	want := []Resource{{"GET", "/chiTietDoanhNghiep"}, {"DELETE", "/doanhNghiep/{msdn}"}, {"GET", "/doanhNghiep/{msdn}"}}
	if d.Version != "2.0" || d.Title != "CSDL DKDN" || len(d.Resources) != len(want) {
		t.Fatalf("got %+v", d)
	}
	for i := range want {
		if d.Resources[i] != want[i] {
			t.Fatalf("resource %d = %+v, want %+v", i, d.Resources[i], want[i])
		}
	}
	d, err = Parse([]byte(openAPIYAML))
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != "3.0.3" || d.APIVersion != "1.0" || len(d.Resources) != 2 || d.Resources[0] != (Resource{"GET", "/AllCategory"}) {
		t.Fatalf("got %+v", d)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]struct {
		doc  string
		code string
	}{
		"empty":        {"", CodeInvalid},
		"garbage":      {"{not: [valid", CodeInvalid},
		"scalar":       {"42", CodeInvalid},
		"not openapi":  {`{"hello": "world"}`, CodeUnsupported},
		"openapi 1":    {`{"openapi": "1.0", "paths": {"/a": {"get": {}}}}`, CodeUnsupported},
		"no paths":     {`{"openapi": "3.1.0", "paths": {}}`, CodeNoPaths},
		"no ops":       {`{"swagger": "2.0", "paths": {"/a": {"parameters": []}}}`, CodeNoPaths},
		"bad path":     {`{"swagger": "2.0", "paths": {"a b": {"get": {}}}}`, CodeInvalid},
		"path not obj": {`{"swagger": "2.0", "paths": {"/a": 3}}`, CodeInvalid},
		"too large":    {`{"swagger": "2.0", "x": "` + strings.Repeat("a", MaxDocumentBytes) + `"}`, CodeTooLarge},
	}
	for name, c := range cases {
		_, err := Parse([]byte(c.doc))
		var e *Error
		if !errors.As(err, &e) || e.Code != c.code {
			t.Errorf("%s: err = %v, want code %s", name, err, c.code)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(swaggerJSON))
	f.Add([]byte(openAPIYAML))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err == nil && len(d.Resources) == 0 {
			t.Fatal("accepted a document without resources")
		}
	})
}
