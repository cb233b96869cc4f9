package openapi

import (
	"fmt"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits on what Parse accepts.
const (
	MaxDocumentBytes = 2 << 20
	MaxResources     = 2000
	maxPathLen       = 512
)

// Error codes, stable for API error mapping.
const (
	CodeTooLarge    = "openapi_too_large"
	CodeInvalid     = "openapi_invalid"
	CodeUnsupported = "openapi_unsupported_version"
	CodeNoPaths     = "openapi_no_paths"
)

// Error is a refused document.
type Error struct {
	Code   string
	Detail string
}

func (e *Error) Error() string { return "openapi: " + e.Detail }

// Resource is one operation: an upper-case method and a path template.
type Resource struct {
	Method string
	Path   string
}

// Document is what Parse extracts.
type Document struct {
	// "3.0.3", "3.1.0" or "2.0".
	Version     string
	Title       string
	Description string
	// info.version of the document, e.g. "1.0".
	APIVersion string
	Resources  []Resource
}

var methods = map[string]bool{"get": true, "put": true, "post": true, "delete": true, "options": true, "head": true, "patch": true, "trace": true}

// Parse reads a JSON or YAML OpenAPI document.
func Parse(data []byte) (*Document, error) {
	if len(data) > MaxDocumentBytes {
		return nil, &Error{Code: CodeTooLarge, Detail: fmt.Sprintf("document is %d bytes, the limit is %d", len(data), MaxDocumentBytes)}
	}
	if strings.TrimSpace(string(data)) == "" {
		return nil, &Error{Code: CodeInvalid, Detail: "document is empty"}
	}
	var root map[string]any
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, &Error{Code: CodeInvalid, Detail: "document is neither valid JSON nor YAML: " + firstLine(err.Error())}
	}
	if root == nil {
		return nil, &Error{Code: CodeInvalid, Detail: "document is not an object"}
	}
	doc := &Document{}
	switch {
	case strings.HasPrefix(str(root["openapi"]), "3."):
		doc.Version = str(root["openapi"])
	case str(root["swagger"]) == "2.0":
		doc.Version = "2.0"
	default:
		return nil, &Error{Code: CodeUnsupported, Detail: `not an OpenAPI 3.x ("openapi": "3.x") or Swagger 2.0 ("swagger": "2.0") document`}
	}
	if info, ok := root["info"].(map[string]any); ok {
		doc.Title = str(info["title"])
		doc.Description = str(info["description"])
		doc.APIVersion = str(info["version"])
	}
	paths, ok := root["paths"].(map[string]any)
	if !ok || len(paths) == 0 {
		return nil, &Error{Code: CodeNoPaths, Detail: "the document defines no paths"}
	}
	for p, item := range paths {
		if !strings.HasPrefix(p, "/") || len(p) > maxPathLen || strings.ContainsAny(p, " \t\r\n?#") {
			return nil, &Error{Code: CodeInvalid, Detail: fmt.Sprintf("path %q is not a path template", truncate(p))}
		}
		ops, ok := item.(map[string]any)
		if !ok {
			return nil, &Error{Code: CodeInvalid, Detail: fmt.Sprintf("path %q is not an object", truncate(p))}
		}
		for m := range ops {
			if methods[strings.ToLower(m)] {
				doc.Resources = append(doc.Resources, Resource{Method: strings.ToUpper(m), Path: p})
			}
		}
		if len(doc.Resources) > MaxResources {
			return nil, &Error{Code: CodeTooLarge, Detail: fmt.Sprintf("more than %d operations", MaxResources)}
		}
	}
	if len(doc.Resources) == 0 {
		return nil, &Error{Code: CodeNoPaths, Detail: "the document's paths define no operations"}
	}
	sort.Slice(doc.Resources, func(i, j int) bool {
		a, b := doc.Resources[i], doc.Resources[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return doc, nil
}

func str(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64, int, int64:
		// Unquoted YAML versions such as `swagger: 2.0` arrive as numbers.
		return fmt.Sprint(x)
	}
	return ""
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return truncate(s)
}

func truncate(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
