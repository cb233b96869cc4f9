package config

import (
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// EnvPrefix starts every environment variable the platform reads.
const EnvPrefix = "LGSP_"

// Section is one block of settings: a pointer to a struct holding its
// defaults. Name is its top-level YAML key; "" puts its settings at the top
// level of the file (the process-wide settings).
type Section struct {
	Name  string
	Value any
}

// Options tunes Load.
type Options struct {
	// File is the optional YAML file.
	File string
	// Environ is the environment as os.Environ returns it; nil reads the
	// process environment.
	Environ []string
	// Ignore lists LGSP_* variables (or prefixes ending in "*") that are
	// read elsewhere (the admin CLI, tests) and so are not unknown.
	Ignore []string
}

// Result tells what Load found besides the settings.
type Result struct {
	// Unknown are LGSP_* variables no section declares, each with the
	// closest known name when there is one: probably typos.
	Unknown []UnknownVar
}

// UnknownVar is an LGSP_* variable that no setting reads.
type UnknownVar struct {
	Name       string
	Suggestion string
}

func (u UnknownVar) String() string {
	if u.Suggestion != "" {
		return fmt.Sprintf("%s (did you mean %s?)", u.Name, u.Suggestion)
	}
	return u.Name
}

// Load fills the sections from the file and the environment, over the
// defaults they hold, and checks every setting's rules. The first bad
// setting is returned as an *Invalid naming it.
func Load(o Options, sections ...Section) (Result, error) {
	var res Result
	for _, s := range sections {
		if v := reflect.ValueOf(s.Value); v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
			return res, fmt.Errorf("config: section %q is not a pointer to a struct", s.Name)
		}
	}
	if o.File != "" {
		if err := loadFile(o.File, sections); err != nil {
			return res, err
		}
	}
	environ := o.Environ
	if environ == nil {
		environ = os.Environ()
	}
	unknown, err := loadEnv(environ, o.Ignore, sections)
	if err != nil {
		return res, err
	}
	res.Unknown = unknown
	for _, s := range sections {
		if err := Check(s.Value); err != nil {
			return res, err
		}
	}
	return res, nil
}

// field is one setting found by walking a section.
type field struct {
	section string
	path    []string // YAML keys from the section down
	env     string
	help    string
	check   string
	secret  bool
	value   reflect.Value
	// group is true for a struct setting (its own env variable holds JSON,
	// its members are settings too).
	group bool
}

func (f field) yamlPath() string {
	p := strings.Join(f.path, ".")
	if f.section != "" {
		p = f.section + "." + p
	}
	return p
}

// name is how errors refer to the setting: its variable, else its key.
func (f field) name() string {
	if f.env != "" {
		return f.env
	}
	return f.yamlPath()
}

var (
	durationType  = reflect.TypeOf(time.Duration(0))
	unmarshalType = reflect.TypeOf((*encoding.TextUnmarshaler)(nil)).Elem()
)

// walk lists the settings of the struct v points to, depth first, in field
// order. A struct field is a setting group: listed, then its members.
// Anonymous struct fields are inlined. Fields with neither a yaml nor an env
// tag are not settings (clocks, hooks, maps set in code).
func walk(section string, prefix []string, v reflect.Value, out *[]field) {
	t := v.Type()
	for i := 0; i < t.NumField(); i++ {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		fv := v.Field(i)
		if sf.Anonymous && sf.Type.Kind() == reflect.Struct && sf.Tag.Get("yaml") == "" {
			walk(section, prefix, fv, out)
			continue
		}
		key, _, _ := strings.Cut(sf.Tag.Get("yaml"), ",")
		env := sf.Tag.Get("env")
		if env == "-" {
			env = ""
		}
		if (key == "" || key == "-") && env == "" {
			continue
		}
		if key == "-" {
			key = ""
		}
		path := append(append([]string{}, prefix...), key)
		f := field{
			section: section, path: path, env: env,
			help: sf.Tag.Get("help"), check: sf.Tag.Get("check"), secret: sf.Tag.Get("secret") == "true",
			value: fv,
		}
		if isGroup(sf.Type) {
			f.group = true
			*out = append(*out, f)
			walk(section, path, fv, out)
			continue
		}
		*out = append(*out, f)
	}
}

func isGroup(t reflect.Type) bool {
	return t.Kind() == reflect.Struct && t != durationType && !reflect.PointerTo(t).Implements(unmarshalType)
}

// Fields lists every setting of the sections, for docs and printing.
func fields(sections []Section) []field {
	var out []field
	for _, s := range sections {
		walk(s.Name, nil, reflect.ValueOf(s.Value).Elem(), &out)
	}
	return out
}

// setScalar parses raw into v. setting names it in errors.
func setScalar(v reflect.Value, raw, setting string) error {
	raw = strings.TrimSpace(raw)
	bad := func(reason string) error { return &Invalid{Setting: setting, Value: raw, Reason: reason} }
	if v.CanAddr() && v.Addr().Type().Implements(unmarshalType) {
		if err := v.Addr().Interface().(encoding.TextUnmarshaler).UnmarshalText([]byte(raw)); err != nil {
			return bad(err.Error())
		}
		return nil
	}
	if v.Type() == durationType {
		d, err := ParseDuration(raw)
		if err != nil {
			return bad(err.Error())
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(raw)
	case reflect.Bool:
		b, err := strconv.ParseBool(raw)
		if err != nil {
			return bad("want true or false")
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(raw, 10, v.Type().Bits())
		if err != nil {
			return bad("want a whole number")
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(raw, 10, v.Type().Bits())
		if err != nil {
			return bad("want a whole number, 0 or more")
		}
		v.SetUint(n)
	case reflect.Float32, reflect.Float64:
		x, err := strconv.ParseFloat(raw, v.Type().Bits())
		if err != nil {
			return bad("want a number")
		}
		v.SetFloat(x)
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.String {
			return fmt.Errorf("config: %s: unsupported list type %s", setting, v.Type())
		}
		v.Set(reflect.ValueOf(SplitList(raw)))
	default:
		return fmt.Errorf("config: %s: unsupported type %s", setting, v.Type())
	}
	return nil
}

// ParseDuration reads a Go duration. A bare number is refused with the fix,
// since its unit would be a guess.
func ParseDuration(raw string) (time.Duration, error) {
	raw = strings.TrimSpace(raw)
	if _, err := strconv.ParseFloat(raw, 64); err == nil && raw != "0" {
		return 0, fmt.Errorf("a duration needs a unit: write %ss for seconds or %sms for milliseconds", raw, raw)
	}
	d, err := time.ParseDuration(raw)
	if err != nil {
		return 0, errors.New(`want a duration such as "250ms", "5s", "2m" or "1h"`)
	}
	return d, nil
}

// SplitList splits a comma-separated list, dropping blanks.
func SplitList(raw string) []string {
	out := []string{}
	for _, p := range strings.Split(raw, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func loadFile(path string, sections []Section) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file (--config / LGSP_CONFIG): %w", err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	if len(doc.Content) == 0 {
		return nil // empty file
	}
	root := doc.Content[0]
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config file %s: line %d: want a mapping of settings", path, root.Line)
	}
	named := map[string]Section{}
	var top []field
	for _, s := range sections {
		if s.Name == "" {
			walk("", nil, reflect.ValueOf(s.Value).Elem(), &top)
		} else {
			named[s.Name] = s
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		if s, ok := named[k.Value]; ok {
			var fs []field
			walk(s.Name, nil, reflect.ValueOf(s.Value).Elem(), &fs)
			if err := decodeMapping(path, v, fs, []string{s.Name}); err != nil {
				return err
			}
			continue
		}
		if err := decodeKey(path, k, v, top, []string{""}); err != nil {
			if u, ok := err.(*unknownKey); ok {
				names := make([]string, 0, len(named))
				for n := range named {
					names = append(names, n+":")
				}
				u.known = append(u.known, names...)
				return u.withSuggestion()
			}
			return err
		}
	}
	return nil
}

type unknownKey struct {
	file, key string
	line      int
	known     []string
}

func (u *unknownKey) Error() string {
	return fmt.Sprintf("config file %s: line %d: unknown setting %q", u.file, u.line, u.key)
}

func (u *unknownKey) withSuggestion() error {
	if s := closest(strings.TrimSuffix(lastKey(u.key), ":"), u.known); s != "" {
		return fmt.Errorf("%w (did you mean %q?)", u, s)
	}
	return u
}

func lastKey(k string) string {
	if i := strings.LastIndexByte(k, '.'); i >= 0 {
		return k[i+1:]
	}
	return k
}

func decodeMapping(file string, n *yaml.Node, fs []field, prefix []string) error {
	if n.Kind != yaml.MappingNode {
		if n.Tag == "!!null" {
			return nil
		}
		return fmt.Errorf("config file %s: line %d: %s: want a mapping", file, n.Line, strings.Join(prefix, "."))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if err := decodeKey(file, n.Content[i], n.Content[i+1], fs, prefix); err != nil {
			if u, ok := err.(*unknownKey); ok {
				return u.withSuggestion()
			}
			return err
		}
	}
	return nil
}

// decodeKey sets the setting at prefix+k among fs from node v.
// prefix starts with the section name ("" for the top level), which field
// paths do not carry.
func decodeKey(file string, k, v *yaml.Node, fs []field, prefix []string) error {
	full := append(append([]string{}, prefix...), k.Value)
	path, prefix := full[1:], prefix[1:]
	var known []string
	for _, f := range fs {
		if len(f.path) != len(path) || !equalPrefix(f.path, prefix) || f.path[len(f.path)-1] == "" {
			continue
		}
		known = append(known, f.path[len(f.path)-1])
		if f.path[len(f.path)-1] != k.Value {
			continue
		}
		setting := f.yamlPath()
		if f.group {
			return decodeMapping(file, v, fs, full)
		}
		if f.value.Kind() == reflect.Slice && v.Kind == yaml.SequenceNode {
			items := make([]string, 0, len(v.Content))
			for _, it := range v.Content {
				items = append(items, it.Value)
			}
			f.value.Set(reflect.ValueOf(items))
			return nil
		}
		if v.Kind != yaml.ScalarNode {
			return fmt.Errorf("config file %s: line %d: %s: want a single value", file, v.Line, setting)
		}
		if err := setScalar(f.value, v.Value, setting); err != nil {
			return fmt.Errorf("config file %s: line %d: %w", file, v.Line, err)
		}
		return nil
	}
	return &unknownKey{file: file, key: strings.TrimPrefix(strings.Join(full, "."), "."), line: k.Line, known: known}
}

func equalPrefix(path, prefix []string) bool {
	for i := range prefix {
		if path[i] != prefix[i] {
			return false
		}
	}
	return true
}

func loadEnv(environ, ignore []string, sections []Section) ([]UnknownVar, error) {
	vars := map[string]string{}
	for _, kv := range environ {
		k, v, ok := strings.Cut(kv, "=")
		if ok && strings.HasPrefix(k, EnvPrefix) {
			vars[k] = v
		}
	}
	fs := fields(sections)
	known := make([]string, 0, len(fs))
	for _, f := range fs {
		if f.env == "" {
			continue
		}
		known = append(known, f.env)
		raw, ok := vars[f.env]
		if !ok {
			continue
		}
		delete(vars, f.env)
		if f.group {
			dec := json.NewDecoder(strings.NewReader(raw))
			dec.DisallowUnknownFields()
			if err := dec.Decode(f.value.Addr().Interface()); err != nil {
				return nil, &Invalid{Setting: f.env, Reason: "want JSON: " + err.Error()}
			}
			continue
		}
		if err := setScalar(f.value, raw, f.env); err != nil {
			return nil, err
		}
	}
	var unknown []UnknownVar
	for k := range vars {
		if ignored(k, ignore) {
			continue
		}
		unknown = append(unknown, UnknownVar{Name: k, Suggestion: closest(k, known)})
	}
	sort.Slice(unknown, func(i, j int) bool { return unknown[i].Name < unknown[j].Name })
	return unknown, nil
}

func ignored(k string, ignore []string) bool {
	for _, p := range ignore {
		if p == k || (strings.HasSuffix(p, "*") && strings.HasPrefix(k, strings.TrimSuffix(p, "*"))) {
			return true
		}
	}
	return false
}

// closest returns the known name nearest to s by edit distance, when it is
// near enough to be a likely typo.
func closest(s string, known []string) string {
	best, bestD := "", len(s)/3+2
	for _, k := range known {
		if d := distance(s, k); d < bestD {
			best, bestD = k, d
		}
	}
	return best
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Invalid is the error for a setting that fails validation. It names the
// setting so an operator knows what to fix.
type Invalid struct {
	Setting string
	Value   string
	Reason  string
}

func (e *Invalid) Error() string {
	if e.Value == "" {
		return fmt.Sprintf("invalid setting %s: %s", e.Setting, e.Reason)
	}
	return fmt.Sprintf("invalid setting %s=%q: %s", e.Setting, e.Value, e.Reason)
}
