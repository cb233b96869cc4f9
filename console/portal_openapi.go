package console

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// An API's documentation, rendered on the server from its OpenAPI 3.x or
// Swagger 2.0 document (JSON or YAML): each operation with its parameters,
// request body and answers, schemas as indented JSON with the document's
// local references ("#/components/schemas/…") written out. No script:
// the page is read, not run.

// Bounds on what one document may make the page do.
const (
	portalMaxRefDepth   = 8
	portalMaxNodes      = 20000
	portalMaxSchemaText = 32 << 10
)

// portalDoc is a document as the documentation page shows it.
type portalDoc struct {
	Info struct {
		Title, Description, Version string
	}
	Ops []portalOp
}

type portalOp struct {
	Method, Path, Summary, Description, OperationID string
	Deprecated                                      bool
	Params                                          []portalParam
	Body                                            *portalBody
	Responses                                       []portalResponse
}

// Anchor is the operation's fragment id on the page.
func (o portalOp) Anchor() string {
	var b strings.Builder
	b.WriteString("op-")
	b.WriteString(strings.ToLower(o.Method))
	for _, r := range o.Path {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

type portalParam struct {
	Name, In, Type, Description string
	Required                    bool
}

type portalBody struct {
	Description string
	Required    bool
	Content     []portalContent
}

type portalContent struct {
	MediaType string
	// Schema is indented JSON, "" when the document gives none.
	Schema string
}

type portalResponse struct {
	Code, Description string
	Content           []portalContent
}

var portalMethods = []string{"get", "post", "put", "patch", "delete", "head", "options", "trace"}

// portalParseDocument reads an OpenAPI document for display.
func portalParseDocument(text string) (*portalDoc, error) {
	var raw any
	if err := yaml.Unmarshal([]byte(text), &raw); err != nil {
		return nil, err
	}
	nodes := 0
	root, ok := portalNormalize(raw, &nodes, 0).(map[string]any)
	if !ok {
		return nil, errors.New("the document is not an object")
	}
	r := &portalResolver{root: root}
	d := &portalDoc{}
	info, _ := root["info"].(map[string]any)
	d.Info.Title, d.Info.Description, d.Info.Version = portalStr(info["title"]), portalStr(info["description"]), portalStr(info["version"])
	swagger := portalStr(root["swagger"]) == "2.0"
	produces := portalStrings(root["produces"])
	consumes := portalStrings(root["consumes"])
	paths, _ := root["paths"].(map[string]any)
	names := make([]string, 0, len(paths))
	for p := range paths {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, p := range names {
		item, _ := r.deref(paths[p]).(map[string]any)
		if item == nil {
			continue
		}
		shared := portalList(item["parameters"])
		for _, m := range portalMethods {
			op, ok := item[m].(map[string]any)
			if !ok {
				continue
			}
			o := portalOp{Method: strings.ToUpper(m), Path: p, Summary: portalStr(op["summary"]),
				Description: portalStr(op["description"]), OperationID: portalStr(op["operationId"])}
			o.Deprecated, _ = op["deprecated"].(bool)
			opConsumes, opProduces := consumes, produces
			if c := portalStrings(op["consumes"]); len(c) > 0 {
				opConsumes = c
			}
			if c := portalStrings(op["produces"]); len(c) > 0 {
				opProduces = c
			}
			for _, pv := range append(append([]any{}, shared...), portalList(op["parameters"])...) {
				prm, _ := r.deref(pv).(map[string]any)
				if prm == nil {
					continue
				}
				in := portalStr(prm["in"])
				if swagger && in == "body" {
					req, _ := prm["required"].(bool)
					o.Body = &portalBody{Description: portalStr(prm["description"]), Required: req,
						Content: r.contentOf(portalMediaTypes(opConsumes), prm["schema"])}
					continue
				}
				o.Params = portalAddParam(o.Params, r.param(prm))
			}
			if rb, ok := r.deref(op["requestBody"]).(map[string]any); ok {
				req, _ := rb["required"].(bool)
				o.Body = &portalBody{Description: portalStr(rb["description"]), Required: req, Content: r.content(rb["content"])}
			}
			resps, _ := op["responses"].(map[string]any)
			codes := make([]string, 0, len(resps))
			for c := range resps {
				codes = append(codes, c)
			}
			sort.Strings(codes)
			for _, c := range codes {
				rv, _ := r.deref(resps[c]).(map[string]any)
				if rv == nil {
					continue
				}
				resp := portalResponse{Code: c, Description: portalStr(rv["description"])}
				if swagger {
					if s, ok := rv["schema"]; ok {
						resp.Content = r.contentOf(portalMediaTypes(opProduces), s)
					}
				} else {
					resp.Content = r.content(rv["content"])
				}
				o.Responses = append(o.Responses, resp)
			}
			d.Ops = append(d.Ops, o)
		}
	}
	return d, nil
}

// portalAddParam adds p, replacing a path-level parameter of the same name
// and place (an operation's own parameter wins).
func portalAddParam(ps []portalParam, p portalParam) []portalParam {
	for i := range ps {
		if ps[i].Name == p.Name && ps[i].In == p.In {
			ps[i] = p
			return ps
		}
	}
	return append(ps, p)
}

func portalMediaTypes(types []string) []string {
	if len(types) == 0 {
		return []string{"application/json"}
	}
	return types[:1]
}

// portalNormalize turns YAML's maps with non-string keys (a response code
// written 200) into maps with string keys, so the document reads as JSON.
func portalNormalize(v any, nodes *int, depth int) any {
	*nodes++
	if depth > 64 {
		return nil
	}
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = portalNormalize(e, nodes, depth+1)
		}
		return out
	case map[any]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[fmt.Sprint(k)] = portalNormalize(e, nodes, depth+1)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = portalNormalize(e, nodes, depth+1)
		}
		return out
	}
	return v
}

// portalResolver follows a document's local references.
type portalResolver struct {
	root  map[string]any
	nodes int
}

// lookup reads a local reference "#/a/b".
func (r *portalResolver) lookup(ref string) (any, bool) {
	if !strings.HasPrefix(ref, "#/") {
		return nil, false
	}
	var cur any = r.root
	for _, part := range strings.Split(ref[2:], "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		switch t := cur.(type) {
		case map[string]any:
			v, ok := t[part]
			if !ok {
				return nil, false
			}
			cur = v
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(t) {
				return nil, false
			}
			cur = t[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// deref follows a reference of v itself (a parameter, response or path
// item written elsewhere), a few levels at most.
func (r *portalResolver) deref(v any) any {
	for range portalMaxRefDepth {
		m, ok := v.(map[string]any)
		if !ok {
			return v
		}
		ref, ok := m["$ref"].(string)
		if !ok {
			return v
		}
		t, ok := r.lookup(ref)
		if !ok {
			return v
		}
		v = t
	}
	return v
}

// expand writes out the references within a schema, except a reference
// to a schema being expanded (a recursive schema) and beyond the bounds,
// which stay as they are.
func (r *portalResolver) expand(v any, chain []string) any {
	r.nodes++
	if r.nodes > portalMaxNodes {
		return v
	}
	switch t := v.(type) {
	case map[string]any:
		if ref, ok := t["$ref"].(string); ok {
			for _, c := range chain {
				if c == ref {
					return t
				}
			}
			if len(chain) >= portalMaxRefDepth {
				return t
			}
			target, ok := r.lookup(ref)
			if !ok {
				return t
			}
			return r.expand(target, append(chain, ref))
		}
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = r.expand(e, chain)
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = r.expand(e, chain)
		}
		return out
	}
	return v
}

// schemaText is a schema as indented JSON, cut at portalMaxSchemaText.
func (r *portalResolver) schemaText(s any) string {
	if s == nil {
		return ""
	}
	b, err := json.MarshalIndent(r.expand(s, nil), "", "  ")
	if err != nil {
		return ""
	}
	if len(b) > portalMaxSchemaText {
		return string(b[:portalMaxSchemaText]) + "\n…"
	}
	return string(b)
}

// content reads an OpenAPI 3 content map: media type → schema.
func (r *portalResolver) content(v any) []portalContent {
	m, _ := v.(map[string]any)
	types := make([]string, 0, len(m))
	for k := range m {
		types = append(types, k)
	}
	sort.Strings(types)
	var out []portalContent
	for _, k := range types {
		mt, _ := m[k].(map[string]any)
		out = append(out, portalContent{MediaType: k, Schema: r.schemaText(mt["schema"])})
	}
	return out
}

// contentOf is a Swagger 2.0 schema under its media types.
func (r *portalResolver) contentOf(types []string, schema any) []portalContent {
	var out []portalContent
	for _, t := range types {
		out = append(out, portalContent{MediaType: t, Schema: r.schemaText(schema)})
	}
	return out
}

func (r *portalResolver) param(m map[string]any) portalParam {
	p := portalParam{Name: portalStr(m["name"]), In: portalStr(m["in"]), Description: portalStr(m["description"])}
	p.Required, _ = m["required"].(bool)
	typ, format := portalStr(m["type"]), portalStr(m["format"])
	if s, ok := r.deref(m["schema"]).(map[string]any); ok {
		typ, format = portalStr(s["type"]), portalStr(s["format"])
		if typ == "array" {
			if it, ok := r.deref(s["items"]).(map[string]any); ok {
				typ = "array<" + portalStr(it["type"]) + ">"
			}
		}
		if e := portalList(s["enum"]); len(e) > 0 {
			vals := make([]string, 0, len(e))
			for _, v := range e {
				vals = append(vals, fmt.Sprint(v))
			}
			format = strings.TrimSpace(format + " " + strings.Join(vals, " | "))
		}
	}
	if format != "" {
		typ += " (" + format + ")"
	}
	p.Type = typ
	return p
}

func portalStr(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case nil:
		return ""
	case bool, int, int64, float64:
		return fmt.Sprint(t)
	}
	return ""
}

func portalList(v any) []any {
	l, _ := v.([]any)
	return l
}

func portalStrings(v any) []string {
	var out []string
	for _, e := range portalList(v) {
		if s := portalStr(e); s != "" {
			out = append(out, s)
		}
	}
	return out
}
