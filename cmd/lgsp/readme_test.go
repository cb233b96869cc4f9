package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/internal/app"
)

// startDevPlatform runs `lgsp dev` in process on random loopback ports with
// its data in dataDir, until the test ends.
func startDevPlatform(t *testing.T, dataDir string) app.Info {
	t.Helper()
	cfg, _, err := app.LoadConfig(app.LoadOptions{Dev: true, Environ: []string{
		"LGSP_DATA_DIR=" + dataDir,
		"LGSP_GATEWAY_ADDR=127.0.0.1:0",
		"LGSP_ADMIN_ADDR=127.0.0.1:0",
		"LGSP_SIMULATOR_ADDR=127.0.0.1:0",
		"LGSP_SIM_VDXP_ADDR=127.0.0.1:0",
		"LGSP_SIM_DVCQG_ADDR=127.0.0.1:0",
	}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	a, err := app.New(ctx, cfg, true, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		cancel()
		t.Fatalf("start: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("the platform did not stop within 15s")
		}
	})
	return a.Info
}

// readmeCommands returns the `bin/lgsp admin …` command lines of the first
// shell block in the README's section, continuation lines joined and
// comments dropped.
func readmeCommands(t *testing.T, section string) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, text, ok := strings.Cut(string(b), "\n"+section+"\n")
	if !ok {
		t.Fatalf("README.md has no section %q", section)
	}
	text, _, _ = strings.Cut(text, "\n## ")
	_, block, ok := strings.Cut(text, "```sh\n")
	if !ok {
		t.Fatalf("README.md: no shell block in %q", section)
	}
	block, _, _ = strings.Cut(block, "```")
	var cmds []string
	for _, line := range strings.Split(strings.ReplaceAll(block, "\\\n", " "), "\n") {
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		if line = strings.TrimSpace(line); strings.Contains(line, "bin/lgsp admin ") && !strings.HasPrefix(line, "#") {
			cmds = append(cmds, line)
		}
	}
	return cmds
}

// shellCommand is one simple command: VAR=value assignments, the words and
// a file for standard input.
type shellCommand struct {
	env   []string
	args  []string
	stdin string
}

// parseShell splits a command line the way sh does for the simple commands
// the README uses: quotes, VAR=value prefixes and "< file". Anything else
// (expansions, pipes) is refused, so the test never runs something other
// than what the README shows.
func parseShell(line string) (shellCommand, error) {
	if strings.ContainsAny(line, "$`|;&>") {
		return shellCommand{}, fmt.Errorf("unsupported shell syntax in %q", line)
	}
	var words []string
	var cur strings.Builder
	var quote rune
	inWord := false
	for _, r := range line {
		switch {
		case quote != 0 && r == quote:
			quote = 0
		case quote != 0:
			cur.WriteRune(r)
		case r == '"' || r == '\'':
			quote, inWord = r, true
		case r == ' ' || r == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(r)
			inWord = true
		}
	}
	if quote != 0 {
		return shellCommand{}, fmt.Errorf("unterminated quote in %q", line)
	}
	if inWord {
		words = append(words, cur.String())
	}
	var c shellCommand
	for i := 0; i < len(words); i++ {
		switch w := words[i]; {
		case w == "<" && i+1 < len(words):
			c.stdin = words[i+1]
			i++
		case len(c.args) == 0 && regexp.MustCompile(`^[A-Z_][A-Z0-9_]*=`).MatchString(w):
			c.env = append(c.env, w)
		default:
			c.args = append(c.args, w)
		}
	}
	return c, nil
}

// tableValue reads column col of the first row of a table the CLI printed.
// Columns are found by their place in the header, counted in runes as
// text/tabwriter aligns them.
func tableValue(out, col string) string {
	lines := strings.Split(out, "\n")
	if len(lines) < 2 {
		return ""
	}
	header, row := []rune(lines[0]), []rune(lines[1])
	for start := 0; start < len(header); {
		end := start
		for end < len(header) && header[end] != ' ' {
			end++
		}
		next := end
		for next < len(header) && header[next] == ' ' {
			next++
		}
		if string(header[start:end]) == col && start < len(row) {
			stop := min(len(row), next)
			if next == len(header) {
				stop = len(row)
			}
			return strings.TrimSpace(string(row[start:stop]))
		}
		start = next
	}
	return ""
}

// fieldValue reads a "name: value" line the CLI printed.
func fieldValue(out, name string) string {
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, name+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

var placeholder = regexp.MustCompile(`<([a-z]+)-id>`)

// The README's onboarding, run as written against a real platform: every
// `bin/lgsp admin` line of "Register your own API" in order, then a token
// for the new credential and a call through the gateway.
func TestReadmeOnboarding(t *testing.T) {
	cmds := readmeCommands(t, "## Register your own API")
	if len(cmds) < 8 {
		t.Fatalf("README: only %d admin commands found: %q", len(cmds), cmds)
	}
	dir := t.TempDir()
	t.Chdir(dir) // the README runs from the repository, next to ./data
	for _, v := range []string{envAdminURL, envAdminToken, envAdminPass, envDataDir, envSessionFile, "LGSP_UPSTREAM_SECRET"} {
		t.Setenv(v, "")
	}
	t.Setenv("XDG_CONFIG_HOME", filepath.Join(dir, "config"))
	info := startDevPlatform(t, filepath.Join(dir, "data"))
	// The README shows the default ports; this platform listens on random ones.
	ports := strings.NewReplacer(
		"http://127.0.0.1:8080", info.GatewayURL,
		"http://127.0.0.1:8081", info.AdminURL,
		"http://127.0.0.1:8090", info.SimulatorURL,
	)

	ids := map[string]string{} // "api" → the id apis create printed
	nouns := map[string]string{"apis": "api", "apps": "app", "subscriptions": "subscription"}
	var clientID, clientSecret, apiPath string
	for _, line := range cmds {
		var missing string
		line = placeholder.ReplaceAllStringFunc(ports.Replace(line), func(p string) string {
			id := ids[placeholder.FindStringSubmatch(p)[1]]
			if id == "" {
				missing = p
			}
			return id
		})
		if missing != "" {
			t.Fatalf("README: %s is used before a command printed it: %s", missing, line)
		}
		c, err := parseShell(line)
		if err != nil {
			t.Fatalf("README: %v", err)
		}
		if c.args[0] != "bin/lgsp" {
			t.Fatalf("README: not an lgsp command: %s", line)
		}
		var stdin []byte
		if c.stdin != "" {
			if stdin, err = os.ReadFile(c.stdin); err != nil {
				t.Fatalf("README: %s: %v", line, err)
			}
		}
		out, errOut, err := runRoot(t, c.env, stdin, c.args[1:]...)
		if err != nil {
			t.Fatalf("README command failed:\n  %s\n%v\n%s%s", line, err, out, errOut)
		}
		t.Log(line)

		noun, verb := c.args[2], c.args[3]
		if verb == "create" && nouns[noun] != "" {
			if ids[nouns[noun]] = tableValue(out, "id"); ids[nouns[noun]] == "" {
				t.Fatalf("README: %s printed no id:\n%s", line, out)
			}
		}
		if noun == "apis" && verb == "create" {
			apiPath = "/" + tableValue(out, "context") + "/" + tableValue(out, "version") + "/"
		}
		if noun == "credentials" && verb == "create" {
			clientID, clientSecret = fieldValue(out, "credential.keyId"), fieldValue(out, "secret")
		}
	}
	if clientID == "" || clientSecret == "" || apiPath == "" {
		t.Fatalf("README: no API or OAuth2 credential created (client %q, path %q)", clientID, apiPath)
	}

	// The application gets a token and calls the API through the gateway;
	// the gateway picks up the registry's changes within a second.
	var status int
	var body string
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		status, body = callThroughGateway(t, info.GatewayURL, clientID, clientSecret, apiPath+"chiTietDoanhNghiep?msdn=0109549006")
		if status == http.StatusOK || time.Now().After(deadline) {
			break
		}
	}
	if status != http.StatusOK || !strings.Contains(body, `"errorCode":"0"`) {
		t.Fatalf("GET %s through the gateway: %d %s", apiPath, status, body)
	}
}

// runRoot runs the lgsp root command with env set for the command only.
func runRoot(t *testing.T, env []string, stdin []byte, args ...string) (string, string, error) {
	t.Helper()
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		old, had := os.LookupEnv(k)
		os.Setenv(k, v)
		if had {
			defer os.Setenv(k, old)
		} else {
			defer os.Unsetenv(k)
		}
	}
	root := newRootCommand()
	var out, errOut bytes.Buffer
	root.SetArgs(args)
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(bytes.NewReader(stdin))
	err := root.ExecuteContext(context.Background())
	return out.String(), errOut.String(), err
}

// callThroughGateway gets a token with the client credentials and calls
// path with it.
func callThroughGateway(t *testing.T, gateway, clientID, secret, path string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, gateway+"/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	req.SetBasicAuth(clientID, secret)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	status, body := do(t, req)
	if status != http.StatusOK {
		return status, "token: " + body
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal([]byte(body), &tok); err != nil || tok.AccessToken == "" {
		t.Fatalf("token answer: %s", body)
	}
	req, _ = http.NewRequest(http.MethodGet, gateway+path, nil)
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return do(t, req)
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp.StatusCode, string(b)
}
