package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed templates/*.html
var templateFiles embed.FS

//go:embed static
var staticFiles embed.FS

func staticHandler() http.Handler {
	sub, err := fs.Sub(staticFiles, "static")
	if err != nil {
		panic(err)
	}
	return http.FileServerFS(sub)
}

// hcm is the zone every time is shown in.
var hcm = func() *time.Location {
	if l, err := time.LoadLocation("Asia/Ho_Chi_Minh"); err == nil {
		return l
	}
	return time.FixedZone("ICT", 7*3600)
}()

var (
	tmplMu    sync.Mutex
	tmplCache = map[string]*template.Template{}
)

// tmpl parses the layout with the page's template once.
func tmpl(name string) (*template.Template, error) {
	tmplMu.Lock()
	defer tmplMu.Unlock()
	if t, ok := tmplCache[name]; ok {
		return t, nil
	}
	t, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name+".html")
	if err != nil {
		return nil, err
	}
	tmplCache[name] = t
	return t, nil
}

// funcs are the templates' helpers; the ones that need the request's
// language or token are bound per render (see Render).
var funcs = template.FuncMap{
	"t":       func(string) string { return "" },
	"tf":      func(string, ...any) string { return "" },
	"csrf":    func() template.HTML { return "" },
	"date":    func(any) string { return "" },
	"num":     func(any) string { return "" },
	"lang":    func() string { return "vi" },
	"has":     func(string) bool { return false },
	"add":     func(a, b int) int { return a + b },
	"lower":   strings.ToLower,
	"join":    strings.Join,
	"query":   func(string) string { return "" },
	"pct":     func(float64) string { return "" },
	"invalid": func(any, string) bool { return false },
	"active":  func(string) bool { return false },
}

// View is what every template gets.
type View struct {
	Title string
	User  User
	Menu  []Page
	Lang  string
	Path  string
	// Done is a message key set after a successful form (?done=…).
	Done string
	Data any
}

// Render renders the page's template name inside the layout.
func (x *Ctx) Render(name string, data any) {
	t, err := tmpl(name)
	if err != nil {
		x.c.log.Error("template", "name", name, "err", err)
		http.Error(x.W, "template error", http.StatusInternalServerError)
		return
	}
	t, err = t.Clone()
	if err != nil {
		http.Error(x.W, "template error", http.StatusInternalServerError)
		return
	}
	t.Funcs(template.FuncMap{
		"t":  x.T,
		"tf": x.Tf,
		"csrf": func() template.HTML {
			return template.HTML(`<input type="hidden" name="csrf" value="` + template.HTMLEscapeString(x.csrf) + `">`)
		},
		"date":  x.Date,
		"num":   x.Num,
		"lang":  func() string { return x.Lang },
		"has":   func(role string) bool { return string(x.User.Role) == role },
		"query": x.Query,
		"pct":   x.Percent,
		// invalid reports whether a *Problem concerns field (for
		// aria-invalid and the message beside the input).
		"invalid": func(p any, field string) bool {
			pr, ok := p.(*Problem)
			return ok && pr != nil && pr.Field == field
		},
		"active": func(p string) bool {
			return x.R.URL.Path == p || (p != "/" && strings.HasPrefix(x.R.URL.Path, p+"/"))
		},
	})
	v := View{User: x.User, Lang: x.Lang, Path: x.R.URL.Path, Data: data, Done: x.Query("done")}
	if x.User.Role != "" {
		v.Menu = menu(x.User.Role)
	}
	if m, ok := data.(map[string]any); ok {
		if s, ok := m["Title"].(string); ok {
			v.Title = s
		}
	}
	if v.Title == "" && x.page != nil && x.page.Menu != "" {
		v.Title = x.T(x.page.Menu)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", v); err != nil {
		x.c.log.Error("render", "name", name, "err", err)
		http.Error(x.W, "render error", http.StatusInternalServerError)
		return
	}
	x.W.Header().Set("Content-Type", "text/html; charset=utf-8")
	x.W.WriteHeader(x.Status)
	_, _ = x.W.Write(buf.Bytes())
}

// T is a message in the request's language; an unknown key is shown as
// it is, so that a missing message is visible.
func (x *Ctx) T(key string) string { return message(x.Lang, key) }

// Tf is T with fmt.Sprintf arguments.
func (x *Ctx) Tf(key string, args ...any) string { return fmt.Sprintf(x.T(key), args...) }

// Date shows a time (time.Time, or an RFC 3339 string as the API writes
// it) in Asia/Ho_Chi_Minh: dd/MM/yyyy HH:mm in Vietnamese, yyyy-MM-dd
// HH:mm in English. The zero time is "—".
func (x *Ctx) Date(v any) string {
	var t time.Time
	switch d := v.(type) {
	case time.Time:
		t = d
	case string:
		if d == "" {
			return "—"
		}
		p, err := time.Parse(time.RFC3339Nano, d)
		if err != nil {
			return d
		}
		t = p
	default:
		return fmt.Sprint(v)
	}
	if t.IsZero() {
		return "—"
	}
	if x.Lang == "en" {
		return t.In(hcm).Format("2006-01-02 15:04")
	}
	return t.In(hcm).Format("02/01/2006 15:04")
}

// Num shows a whole number with the language's thousands separator
// (1.234.567 in Vietnamese, 1,234,567 in English); the API writes 64-bit
// numbers as strings.
func (x *Ctx) Num(v any) string {
	var n int64
	switch d := v.(type) {
	case int:
		n = int64(d)
	case int32:
		n = int64(d)
	case int64:
		n = d
	case float64:
		n = int64(d)
	case string:
		p, err := strconv.ParseInt(d, 10, 64)
		if err != nil {
			return d
		}
		n = p
	default:
		return fmt.Sprint(v)
	}
	sep := "."
	if x.Lang == "en" {
		sep = ","
	}
	return group(n, sep)
}

func group(n int64, sep string) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}
