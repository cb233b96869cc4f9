package config

import (
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Setting describes one setting, for docs, printing and tests.
type Setting struct {
	Section string // "" for process-wide settings
	YAML    string // dotted key path inside the file, section included
	Env     string
	Help    string
	Check   string
	Secret  bool
	Type    string
	// Value is the current value as a person would write it; secrets are
	// masked ("(set)" or "").
	Value string
	// Group is true for a struct of settings (its env variable takes JSON).
	Group bool
}

// Describe lists every setting of the sections with its current value.
func Describe(sections ...Section) []Setting {
	fs := fields(sections)
	out := make([]Setting, 0, len(fs))
	for _, f := range fs {
		s := Setting{
			Section: f.section, YAML: f.yamlPath(), Env: f.env, Help: f.help, Check: f.check,
			Secret: f.secret, Type: typeName(f.value.Type()), Group: f.group,
		}
		if !f.group {
			s.Value = display(f.value)
			if f.secret && s.Value != "" {
				s.Value = "(set)"
			}
		}
		out = append(out, s)
	}
	return out
}

func typeName(t reflect.Type) string {
	switch {
	case t == durationType:
		return "duration"
	case isGroup(t):
		return "group"
	case t.Kind() == reflect.Slice:
		return "list"
	case t.Kind() == reflect.Bool:
		return "bool"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return "integer"
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "number"
	}
	return "string"
}

// Print writes the sections as a YAML file that Load reads back, each
// setting with its environment variable and help, secrets masked.
func Print(w io.Writer, sections ...Section) error {
	var b strings.Builder
	cur := "\x00"
	for _, s := range Describe(sections...) {
		if s.Section != cur {
			cur = s.Section
			if cur != "" {
				fmt.Fprintf(&b, "\n%s:\n", cur)
			}
		}
		keys := strings.Split(s.YAML, ".")
		if s.Section != "" {
			keys = keys[1:]
		}
		indent := strings.Repeat("  ", len(keys)-1)
		if s.Section != "" {
			indent += "  "
		}
		key := keys[len(keys)-1]
		if key == "" {
			continue // environment only
		}
		if s.Group {
			fmt.Fprintf(&b, "%s%s:\n", indent, key)
			continue
		}
		val := s.Value
		if s.Secret {
			if val != "" {
				val = "'***'"
			} else {
				val = "''"
			}
		} else {
			val = yamlScalar(val, s.Type)
		}
		comment := s.Env
		if s.Help != "" {
			comment += ": " + s.Help
		}
		fmt.Fprintf(&b, "%s%s: %s  # %s\n", indent, key, val, comment)
	}
	_, err := io.WriteString(w, strings.TrimPrefix(b.String(), "\n"))
	return err
}

func yamlScalar(v, typ string) string {
	switch typ {
	case "bool", "integer", "number":
		return v
	case "list":
		if v == "" {
			return "[]"
		}
		parts := strings.Split(v, ",")
		for i, p := range parts {
			parts[i] = strconv.Quote(p)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	return strconv.Quote(v)
}

// Markdown writes a reference of the sections: one table per section with
// every setting's key, variable, default and meaning. The values printed are
// those the sections hold, so pass them holding their defaults.
func Markdown(w io.Writer, titles map[string]string, sections ...Section) error {
	var b strings.Builder
	cur := "\x00"
	for _, s := range Describe(sections...) {
		if s.Section != cur {
			cur = s.Section
			title := titles[cur]
			if title == "" {
				title = "`" + cur + ":`"
			}
			fmt.Fprintf(&b, "\n## %s\n\n| YAML key | Environment variable | Default | Accepted values | Meaning |\n|---|---|---|---|---|\n", title)
		}
		def := s.Value
		switch {
		case s.Group:
			def = "(group)"
		case s.Secret:
			def = "(none)"
		case def == "":
			def = "(empty)"
		}
		env := s.Env
		if s.Group && env != "" {
			env += " (JSON)"
		}
		yamlKey := s.YAML
		if strings.HasSuffix(yamlKey, ".") || yamlKey == "" {
			yamlKey = "(environment only)"
		}
		fmt.Fprintf(&b, "| `%s` | `%s` | `%s` | %s | %s |\n", yamlKey, env, def, describeCheck(s), escapeCell(s.Help))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func describeCheck(s Setting) string {
	var parts []string
	for _, r := range strings.Split(s.Check, ",") {
		name, arg, _ := strings.Cut(strings.TrimSpace(r), "=")
		switch name {
		case "min":
			parts = append(parts, "≥ "+arg+lengthUnit(s.Type))
		case "max":
			parts = append(parts, "≤ "+arg+lengthUnit(s.Type))
		case "nonempty":
			parts = append(parts, "not empty")
		case "oneof":
			parts = append(parts, "one of "+strings.ReplaceAll(arg, "|", ", "))
		case "hostport":
			parts = append(parts, "host:port")
		case "omitempty":
			parts = append(parts, "or empty")
		case "custom":
			parts = append(parts, "see meaning")
		}
	}
	if s.Type != "string" && s.Type != "group" {
		parts = append([]string{s.Type}, parts...)
	}
	if len(parts) == 0 {
		return "any"
	}
	return escapeCell(strings.Join(parts, ", "))
}

func lengthUnit(typ string) string {
	switch typ {
	case "string":
		return " characters"
	case "list":
		return " items"
	}
	return ""
}

func escapeCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// BadValue returns a value that the setting's rules refuse, for tests that
// prove every setting is validated. ok is false when the rules accept every
// value (any) or leave the check to the owner (custom).
func (s Setting) BadValue() (string, bool) {
	for _, r := range strings.Split(s.Check, ",") {
		name, arg, _ := strings.Cut(strings.TrimSpace(r), "=")
		switch name {
		case "oneof":
			return "not-one-of-them", true
		case "nonempty":
			return "", true
		case "hostport":
			return "no-port", true
		case "min", "max":
			if s.Type == "string" || s.Type == "list" {
				n, _ := strconv.Atoi(arg)
				if name == "min" {
					if n <= 1 {
						continue // only empty is too short: nonempty says so
					}
					return strings.Repeat("x", n-1), true
				}
				return strings.Repeat("x", n+1), true
			}
			if s.Type == "duration" {
				d, _ := time.ParseDuration(arg)
				if name == "min" {
					if d <= 0 && arg != "0" {
						continue
					}
					return (d - time.Millisecond).String(), true
				}
				return (d + time.Second).String(), true
			}
			x, _ := strconv.ParseFloat(arg, 64)
			if s.Type == "integer" {
				if name == "min" {
					return strconv.FormatInt(int64(x)-1, 10), true
				}
				return strconv.FormatInt(int64(x)+1, 10), true
			}
			if name == "min" {
				return strconv.FormatFloat(x-0.5, 'f', -1, 64), true
			}
			return strconv.FormatFloat(x+0.5, 'f', -1, 64), true
		}
	}
	return "", false
}
