// Package logging builds the process's structured logger (log/slog, JSON by
// default) and keeps secrets out of it.
package logging

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Options selects the level and format.
type Options struct {
	Level  string // debug, info, warn, error
	Format string // json or text
}

// New returns a logger writing to w.
func New(w io.Writer, o Options) (*slog.Logger, error) {
	var lvl slog.Level
	switch strings.ToLower(o.Level) {
	case "", "info":
		lvl = slog.LevelInfo
	case "debug":
		lvl = slog.LevelDebug
	case "warn", "warning":
		lvl = slog.LevelWarn
	case "error":
		lvl = slog.LevelError
	default:
		return nil, fmt.Errorf("invalid setting LGSP_LOG_LEVEL=%q: want debug, info, warn or error", o.Level)
	}
	ho := &slog.HandlerOptions{Level: lvl, ReplaceAttr: redact}
	switch strings.ToLower(o.Format) {
	case "", "json":
		return slog.New(slog.NewJSONHandler(w, ho)), nil
	case "text":
		return slog.New(slog.NewTextHandler(w, ho)), nil
	}
	return nil, fmt.Errorf("invalid setting LGSP_LOG_FORMAT=%q: want json or text", o.Format)
}

// sensitive names attributes whose values are never written. Code should not
// log secrets in the first place; this is the safety net.
var sensitive = map[string]bool{
	"password": true, "secret": true, "client_secret": true, "token": true,
	"access_token": true, "authorization": true, "apikey": true, "api_key": true,
	"master_key": true, "cookie": true,
}

func redact(_ []string, a slog.Attr) slog.Attr {
	if sensitive[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[REDACTED]")
	}
	return a
}
