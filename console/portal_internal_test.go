package console

import (
	"strings"
	"testing"
)

// TestPortalTryURL: a try goes to the gateway's base URL for the API and
// nowhere else, whatever the path typed.
func TestPortalTryURL(t *testing.T) {
	const gw = "http://127.0.0.1:8080"
	for _, tc := range []struct {
		gateway, path, query, want string
	}{
		{gw, "/enterprises/0109549006", "", gw + "/ngsp-business/v1/enterprises/0109549006"},
		{gw + "/", "/a", "x=1&y=%C3%A1", gw + "/ngsp-business/v1/a?x=1&y=%C3%A1"},
		{"https://gw.example.gov.vn/lgsp", "/a/b%20c", "", "https://gw.example.gov.vn/lgsp/ngsp-business/v1/a/b%20c"},
		{gw, "/", "", gw + "/ngsp-business/v1/"},
	} {
		got, ok := portalTryURL(tc.gateway, "ngsp-business", "v1", tc.path, tc.query)
		if !ok || got != tc.want {
			t.Errorf("%q: %q %v, want %q", tc.path, got, ok, tc.want)
		}
	}
	for _, bad := range []string{"", "a", "//evil.example/x", "/../x", "/a/../../x", "/a/..", "/%2e%2e/x", "/%2E%2E/x", "/a%2f%2fb",
		`/a\b`, "/a?b", "/a#b", "/a b", "/{id}", "/a%zz", "/a\r\nHost: x", "/a/%2F..%2Fb"} {
		if got, ok := portalTryURL(gw, "ngsp-business", "v1", bad, ""); ok {
			t.Errorf("path %q accepted: %q", bad, got)
		}
	}
	for _, bad := range []string{"", "ftp://gw", "http://user:pw@gw", "not a url"} {
		if got, ok := portalTryURL(bad, "c", "1", "/a", ""); ok {
			t.Errorf("gateway %q accepted: %q", bad, got)
		}
	}
	// What looks like a host in the path stays a path on the gateway.
	for _, p := range []string{"/@evil.example", "/evil.example:443/x"} {
		if got, ok := portalTryURL(gw, "c", "1", p, ""); !ok || !strings.HasPrefix(got, gw+"/c/1/") {
			t.Errorf("%q: %q %v", p, got, ok)
		}
	}
}

// TestPortalParseDocument: OpenAPI 3 in YAML and Swagger 2.0 in JSON,
// with references (one of them recursive) written out, path-level
// parameters, and response codes written as numbers.
func TestPortalParseDocument(t *testing.T) {
	yamlDoc := `openapi: 3.0.3
info: {title: Danh mục, version: "2.1", description: Danh mục dùng chung}
paths:
  /Category/{ma}:
    parameters:
      - {name: ma, in: path, required: true, schema: {type: string}}
    get:
      summary: Một danh mục
      parameters:
        - $ref: '#/components/parameters/Trang'
      responses:
        200:
          description: OK
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Node'}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema: {type: object, properties: {ten: {type: string}}}
      responses:
        "201": {description: Đã tạo}
components:
  parameters:
    Trang: {name: trang, in: query, schema: {type: integer, format: int32}}
  schemas:
    Node:
      type: object
      properties:
        ma: {type: string}
        con: {type: array, items: {$ref: '#/components/schemas/Node'}}
`
	d, err := portalParseDocument(yamlDoc)
	if err != nil {
		t.Fatal(err)
	}
	if d.Info.Title != "Danh mục" || d.Info.Version != "2.1" || len(d.Ops) != 2 {
		t.Fatalf("document: %+v", d)
	}
	get, post := d.Ops[0], d.Ops[1]
	if get.Method != "GET" || post.Method != "POST" || get.Path != "/Category/{ma}" {
		t.Fatalf("operations: %s %s, %s", get.Method, get.Path, post.Method)
	}
	if len(get.Params) != 2 || get.Params[0].Name != "ma" || !get.Params[0].Required || get.Params[1].Type != "integer (int32)" {
		t.Fatalf("parameters: %+v", get.Params)
	}
	if len(get.Responses) != 1 || get.Responses[0].Code != "200" || !strings.Contains(get.Responses[0].Content[0].Schema, `"con"`) ||
		!strings.Contains(get.Responses[0].Content[0].Schema, `"$ref": "#/components/schemas/Node"`) {
		t.Fatalf("responses: %+v", get.Responses)
	}
	if post.Body == nil || !post.Body.Required || !strings.Contains(post.Body.Content[0].Schema, `"ten"`) {
		t.Fatalf("request body: %+v", post.Body)
	}
	if get.Anchor() != "op-get-Category--ma-" {
		t.Fatalf("anchor %q", get.Anchor())
	}

	swagger := `{"swagger": "2.0", "info": {"title": "Cũ", "version": "1"}, "produces": ["application/xml"],
	  "paths": {"/x": {"post": {"parameters": [{"in": "body", "name": "b", "required": true, "schema": {"$ref": "#/definitions/B"}},
	    {"in": "header", "name": "X-Ma", "type": "string"}],
	    "responses": {"200": {"description": "OK", "schema": {"$ref": "#/definitions/B"}}}}}},
	  "definitions": {"B": {"type": "object", "properties": {"so": {"type": "integer"}}}}}`
	d, err = portalParseDocument(swagger)
	if err != nil {
		t.Fatal(err)
	}
	op := d.Ops[0]
	if op.Body == nil || op.Body.Content[0].MediaType != "application/json" || !strings.Contains(op.Body.Content[0].Schema, `"so"`) {
		t.Fatalf("swagger body: %+v", op.Body)
	}
	if len(op.Params) != 1 || op.Params[0].In != "header" || op.Responses[0].Content[0].MediaType != "application/xml" {
		t.Fatalf("swagger operation: %+v", op)
	}
	if _, err := portalParseDocument("[1, 2"); err == nil {
		t.Fatal("a broken document parsed")
	}
}
