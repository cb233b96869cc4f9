package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

const (
	defaultAdminURL = "http://127.0.0.1:8081"
	envAdminURL     = "LGSP_ADMIN_URL"
	envDataDir      = "LGSP_DATA_DIR"
	envSessionFile  = "LGSP_SESSION_FILE"
	// adminURLFile is the file in the data directory where `lgsp dev`
	// writes the URL of its admin listener.
	adminURLFile = "admin-url"
)

const adminURLHelp = `The admin API is found, first match wins:
  1. --admin-url
  2. ` + envAdminURL + `
  3. the file admin-url that a local "lgsp dev" writes in its data directory:
     $` + envDataDir + `/admin-url when ` + envDataDir + ` is set, else ./data/admin-url
  4. ` + defaultAdminURL

const sessionHelp = `"lgsp admin login" keeps one session per admin URL, readable by you only,
in the "lgsp/sessions" folder of your configuration directory
($XDG_CONFIG_HOME or ~/.config on Linux); a session is sent only to the
admin URL that issued it. ` + envSessionFile + ` names one file to use instead
(one session at a time); --token or ` + envAdminToken + ` overrides the session.`

// resolveAdminURL finds the admin API base URL (see adminURLHelp) and says
// where it came from.
func resolveAdminURL(flag string) (server, source string, err error) {
	server, source = flag, "--admin-url"
	if server == "" {
		server, source = os.Getenv(envAdminURL), envAdminURL
	}
	if server == "" {
		file := filepath.Join(firstNonEmpty(os.Getenv(envDataDir), "data"), adminURLFile)
		b, err := os.ReadFile(file)
		switch {
		case err == nil:
			server, source = strings.TrimSpace(string(b)), file
		case !errors.Is(err, os.ErrNotExist):
			return "", "", fmt.Errorf("admin URL file: %w", err)
		}
	}
	if server == "" {
		server, source = defaultAdminURL, "default"
	}
	u, err := url.Parse(server)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(server, " \n") {
		return "", "", fmt.Errorf("admin URL %q from %s is not an http(s) URL / địa chỉ API quản trị không hợp lệ", server, source)
	}
	return strings.TrimRight(server, "/"), source, nil
}

// session is what `lgsp admin login` stores for one admin URL.
type session struct {
	Server     string    `json:"server"`
	Token      string    `json:"token"`
	Username   string    `json:"username"`
	ExpireTime time.Time `json:"expireTime"`
}

// sessionPath is the session file of one admin URL: one file per server,
// so logging in to a second platform (another dev instance, production)
// does not end the session of the first.
func sessionPath(server string) (string, error) {
	if p := os.Getenv(envSessionFile); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no configuration directory for the session file (set %s instead): %w", envAdminToken, err)
	}
	name := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			return r
		}
		return '_'
	}, strings.Replace(server, "://", "_", 1))
	return filepath.Join(dir, "lgsp", "sessions", name), nil
}

// loadSession returns the saved session of server, or nil.
func loadSession(server string) (*session, error) {
	p, err := sessionPath(server)
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s session
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("session file %s: %w", p, err)
	}
	if s.Server != server {
		return nil, nil
	}
	return &s, nil
}

func saveSession(s session) (string, error) {
	p, err := sessionPath(s.Server)
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return "", err
	}
	b, _ := json.MarshalIndent(s, "", "  ")
	tmp, err := os.CreateTemp(filepath.Dir(p), ".session-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return p, os.Rename(tmp.Name(), p)
}

// removeSession forgets the session of server, if it is the one saved.
func removeSession(server string) error {
	s, err := loadSession(server)
	if s == nil {
		return err
	}
	p, _ := sessionPath(server)
	if err := os.Remove(p); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
