package config

import (
	"fmt"
	"net"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// Check validates every setting of the struct v points to against the rules
// in its check tag, and returns the first failure as an *Invalid naming the
// setting. The rules, comma-separated:
//
//	min=N, max=N  bounds: of the value for numbers and durations ("min=1s"),
//	              of the length for strings and lists
//	nonempty      a string or list must not be empty
//	oneof=a|b|c   one of the listed values
//	hostport      host:port, as a listener or dial address
//	omitempty     the other rules apply only when a value is set
//	any           every value is valid (a switch, a free-form name)
//	custom        the owner's Validate checks it (a key, a time zone…)
//
// Services call Check from their Validate, then check what rules cannot
// say (one setting against another).
func Check(v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer {
		rv = rv.Elem()
	}
	var fs []field
	walk("", nil, rv, &fs)
	for _, f := range fs {
		if f.group {
			continue
		}
		if err := checkField(f); err != nil {
			return err
		}
	}
	return nil
}

func checkField(f field) error {
	rules := strings.Split(f.check, ",")
	if contains(rules, "omitempty") && f.value.IsZero() {
		return nil
	}
	bad := func(reason string) error {
		val := display(f.value)
		if f.secret {
			val = ""
		}
		return &Invalid{Setting: f.name(), Value: val, Reason: reason}
	}
	for _, r := range rules {
		name, arg, _ := strings.Cut(strings.TrimSpace(r), "=")
		switch name {
		case "", "any", "custom", "omitempty":
		case "nonempty":
			if f.value.Len() == 0 {
				return bad("must not be empty")
			}
		case "min", "max":
			n, limit, err := measure(f.value, arg)
			if err != nil {
				return fmt.Errorf("config: %s: rule %s: %w", f.name(), r, err)
			}
			if name == "min" && n < limit {
				return bad("must be at least " + arg + unitOf(f.value))
			}
			if name == "max" && n > limit {
				return bad("must be at most " + arg + unitOf(f.value))
			}
		case "oneof":
			s := display(f.value)
			if !contains(strings.Split(arg, "|"), s) {
				return bad("must be one of " + strings.ReplaceAll(arg, "|", ", "))
			}
		case "hostport":
			if _, _, err := net.SplitHostPort(f.value.String()); err != nil {
				return bad("want host:port, e.g. 127.0.0.1:8080 or :8080")
			}
		default:
			return fmt.Errorf("config: %s: unknown rule %q", f.name(), r)
		}
	}
	return nil
}

// measure returns the value (or length) to compare and the rule's limit.
func measure(v reflect.Value, arg string) (float64, float64, error) {
	if v.Type() == durationType {
		d, err := time.ParseDuration(arg)
		return float64(v.Int()), float64(d), err
	}
	limit, err := strconv.ParseFloat(arg, 64)
	switch v.Kind() {
	case reflect.String, reflect.Slice:
		return float64(v.Len()), limit, err
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return float64(v.Int()), limit, err
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return float64(v.Uint()), limit, err
	case reflect.Float32, reflect.Float64:
		return v.Float(), limit, err
	}
	return 0, 0, fmt.Errorf("min/max do not apply to %s", v.Type())
}

func unitOf(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return " characters"
	case reflect.Slice:
		return " items"
	}
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.TrimSpace(x) == s {
			return true
		}
	}
	return false
}

// display renders a setting's value the way a person would write it.
func display(v reflect.Value) string {
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	if s, ok := v.Interface().(fmt.Stringer); ok {
		return s.String()
	}
	if v.Kind() == reflect.Slice {
		parts := make([]string, v.Len())
		for i := range parts {
			parts[i] = fmt.Sprint(v.Index(i).Interface())
		}
		return strings.Join(parts, ",")
	}
	return fmt.Sprint(v.Interface())
}
