// Package config is the one configuration loader of every LGSP service and
// simulator. Each service owns a struct of settings (its section) with its
// defaults; this package fills it the same way for all of them:
//
//  1. the defaults the caller passes in,
//  2. the optional YAML file, one top-level key per section ("gateway:",
//     "registry:" …) and process-wide settings at the top level,
//  3. LGSP_* environment variables, which win.
//
// A setting is a struct field with these tags:
//
//	yaml:"key"     its key inside the section
//	env:"LGSP_X"   its environment variable
//	help:"…"       one line for `lgsp config print` and docs/configuration.md
//	check:"…"      its validation: comma-separated rules, see Check
//	secret:"true"  masked whenever the configuration is printed
//
// Durations are Go durations ("250ms", "5s", "1h"). A bare number is
// refused, because "5" meant milliseconds in one service and seconds in
// another before this package existed. Unknown YAML keys are errors; unknown
// LGSP_* variables are reported so that the caller can warn about them at
// start. Docs and the printed configuration are generated from the same
// structs, so they cannot drift from the code.
package config
