// Package config loads a service's configuration struct from an optional
// YAML file and then from LGSP_* environment variables, which win. Each
// service owns its struct, its defaults and its validation; this package
// only does the loading, so that every service reads settings the same way.
package config

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"

	"github.com/caarlos0/env/v11"
	"gopkg.in/yaml.v3"
)

// Load fills dst (a pointer to a struct with `yaml` and `env` tags) from the
// YAML file at path, when path is not empty, and then from the environment.
// Fields keep the values they already have unless a source sets them, so
// callers pass a struct holding the defaults.
func Load(path string, dst any) error {
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("config file (LGSP_CONFIG): %w", err)
		}
		if err := yaml.Unmarshal(b, dst); err != nil {
			return fmt.Errorf("config file %s: %w", path, err)
		}
	}
	if err := env.Parse(dst); err != nil {
		var agg env.AggregateError
		if errors.As(err, &agg) && len(agg.Errors) > 0 {
			err = agg.Errors[0]
		}
		var pe env.ParseError
		if errors.As(err, &pe) {
			if key := envKey(reflect.TypeOf(dst), pe.Name); key != "" {
				return fmt.Errorf("invalid setting %s=%q: %w", key, os.Getenv(key), pe.Err)
			}
		}
		return fmt.Errorf("environment: %w", err)
	}
	return nil
}

// envKey finds the env tag of the field called name, in t or its nested
// structs, so that a parse error can name the variable rather than the field.
func envKey(t reflect.Type, name string) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct {
		return ""
	}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Name == name {
			if k, _, _ := strings.Cut(f.Tag.Get("env"), ","); k != "" {
				return k
			}
		}
		if k := envKey(f.Type, name); k != "" {
			return k
		}
	}
	return ""
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
