package main

import (
	"bufio"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/lgsp-vn/lgsp/platform/sqlstore/sqltest"
)

// allOps are every op of the CLI.
func allOps() []op {
	ops := append([]op{auditListOp}, adminTopOps...)
	for _, g := range adminGroups {
		ops = append(ops, g.ops...)
	}
	return ops
}

// httpRules reads proto/http.yaml: "RPC" → "METHOD /path" and its body.
func httpRules(t *testing.T) (routes, bodies map[string]string) {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "proto", "http.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	routes, bodies = map[string]string{}, map[string]string{}
	var rpc string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "- "), ": ")
		if !ok {
			continue
		}
		val = strings.Trim(val, `"`)
		switch key {
		case "selector":
			rpc = strings.TrimPrefix(val, "lgsp.registry.v1.RegistryService.")
		case "get", "post", "patch", "put", "delete":
			routes[rpc] = strings.ToUpper(key) + " " + val
		case "body":
			bodies[rpc] = val
		}
	}
	return routes, bodies
}

// Every command calls its RPC on the route proto/http.yaml gives it, and
// sends the body it names.
func TestAdminOpsFollowHTTPRules(t *testing.T) {
	routes, bodies := httpRules(t)
	for _, o := range allOps() {
		if routes[o.rpc] != o.route {
			t.Errorf("%s (%s): route %q, proto/http.yaml has %q", o.use, o.rpc, o.route, routes[o.rpc])
		}
		body := o.body
		if body == "" && !strings.HasPrefix(o.route, "GET ") && !strings.HasPrefix(o.route, "DELETE ") {
			body = "*"
		}
		if bodies[o.rpc] != body {
			t.Errorf("%s (%s): body %q, proto/http.yaml has %q", o.use, o.rpc, body, bodies[o.rpc])
		}
	}
}

// Views name JSON fields of a message the response holds, so table
// columns, detail lines and -o json agree.
func TestAdminViewsUseJSONNames(t *testing.T) {
	NewAdminCommand() // panics on an unknown RPC or field
	NewAuditCommand()
	for _, o := range allOps() {
		if o.then != nil {
			continue
		}
		resp := newMessage(registryMethods.ByName(protoreflect.Name(o.rpc)).Output()).ProtoReflect()
		found := resp.Descriptor().FullName() == o.show.of
		for i := 0; i < resp.Descriptor().Fields().Len(); i++ {
			if fd := resp.Descriptor().Fields().Get(i); fd.Message() != nil && fd.Message().FullName() == o.show.of {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: the response %s holds no %s", o.use, resp.Descriptor().FullName(), o.show.of)
			continue
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(o.show.of)
		if err != nil {
			t.Fatal(err)
		}
		row := d.(protoreflect.MessageDescriptor)
		for _, col := range o.show.cols {
			md := row
			for _, name := range strings.Split(col, ".") {
				fd := md.Fields().ByJSONName(name)
				if fd == nil {
					t.Errorf("%s: column %q is not a JSON field of %s", o.use, col, o.show.of)
					break
				}
				md = fd.Message()
			}
		}
	}
}

// jsonKeys lists the key paths of a JSON document whose values are not
// empty; list elements share their list's path.
func jsonKeys(v any, prefix string, out map[string]bool) {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			if isEmptyJSON(e) {
				continue
			}
			out[prefix+k] = true
			jsonKeys(e, prefix+k+".", out)
		}
	case []any:
		for _, e := range v {
			jsonKeys(e, prefix, out)
		}
	}
}

// isEmptyJSON is true of the values protojson leaves out by default, which
// the REST API writes (it emits unpopulated fields).
func isEmptyJSON(v any) bool {
	switch v := v.(type) {
	case nil:
		return true
	case string:
		return v == "" || v == "0"
	case bool:
		return !v
	case float64:
		return v == 0
	case []any:
		return len(v) == 0
	case map[string]any:
		for _, e := range v {
			if !isEmptyJSON(e) {
				return false
			}
		}
		return true
	}
	return false
}

func keysOf(t *testing.T, doc []byte) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		t.Fatalf("not JSON: %s", doc)
	}
	m := map[string]bool{}
	jsonKeys(v, "", m)
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// restGET reads an admin REST resource with the saved session.
func restGET(t *testing.T, path string) []byte {
	t.Helper()
	c, err := (&adminOptions{output: "table"}).client(true)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	return b
}

// checkSameJSON fails unless the CLI's -o json of args has the same field
// names as the REST API's answer at path.
func checkSameJSON(t *testing.T, path string, args ...string) {
	t.Helper()
	cli := keysOf(t, []byte(mustCLI(t, append(args, "-o", "json")...)))
	rest := keysOf(t, restGET(t, path))
	if !reflect.DeepEqual(cli, rest) {
		t.Errorf("lgsp %s -o json has the fields\n  %v\nthe REST API's GET %s has\n  %v", strings.Join(args, " "), cli, path, rest)
	}
}

// checkHeader fails unless a table's header is exactly the view's columns.
func checkHeader(t *testing.T, v view, args ...string) {
	t.Helper()
	out := mustCLI(t, args...)
	header, _, _ := strings.Cut(out, "\n")
	if got := strings.Fields(header); !reflect.DeepEqual(got, v.cols) {
		t.Errorf("lgsp %s: header %v, want %v", strings.Join(args, " "), got, v.cols)
	}
}

func TestAdminURLPrecedence(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	t.Setenv(envAdminURL, "")
	t.Setenv(envDataDir, "")
	check := func(flag, wantURL, wantSource string) {
		t.Helper()
		got, source, err := resolveAdminURL(flag)
		if err != nil || got != wantURL || source != wantSource {
			t.Fatalf("resolveAdminURL(%q) = %q, %q, %v; want %q from %q", flag, got, source, err, wantURL, wantSource)
		}
	}
	check("", defaultAdminURL, "default")

	if err := os.MkdirAll("data", 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("data", "admin-url"), []byte("http://127.0.0.1:18081\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	check("", "http://127.0.0.1:18081", filepath.Join("data", "admin-url"))

	other := filepath.Join(dir, "elsewhere")
	if err := os.MkdirAll(other, 0o700); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envDataDir, other)
	check("", defaultAdminURL, "default") // LGSP_DATA_DIR replaces ./data
	if err := os.WriteFile(filepath.Join(other, "admin-url"), []byte("http://127.0.0.1:28081"), 0o600); err != nil {
		t.Fatal(err)
	}
	check("", "http://127.0.0.1:28081", filepath.Join(other, "admin-url"))

	t.Setenv(envAdminURL, "https://lgsp.example.gov.vn/")
	check("", "https://lgsp.example.gov.vn", envAdminURL)
	check("http://10.0.0.5:8081", "http://10.0.0.5:8081", "--admin-url")

	t.Setenv(envAdminURL, "")
	if err := os.WriteFile(filepath.Join(other, "admin-url"), []byte("127.0.0.1:28081"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := resolveAdminURL(""); err == nil || !strings.Contains(err.Error(), filepath.Join(other, "admin-url")) {
		t.Fatalf("a malformed admin-url file: %v", err)
	}

	// The flag (and its earlier name --server) reaches the client, and
	// errors say where the URL came from.
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(envAdminToken, "")
	for _, name := range []string{"--admin-url", "--server"} {
		_, err := runCLI(t, "", "admin", "whoami", name, "http://127.0.0.1:1")
		if err == nil || !strings.Contains(err.Error(), "not logged in to http://127.0.0.1:1 (--admin-url)") {
			t.Fatalf("whoami %s: %v", name, err)
		}
	}
}

// Sessions are kept per admin URL: logging in to a second platform keeps
// the first session, and a token is sent only where it was issued.
func TestAdminSessionPerServer(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", t.TempDir())
	t.Setenv(envAdminToken, "")
	t.Setenv(envAdminPass, "")
	t.Setenv(envAdminURL, "")
	t.Chdir(t.TempDir())
	_, a := serveAdminAPI(t, sqltest.URL(t, sqltest.SQLite))
	_, b := serveAdminAPI(t, sqltest.URL(t, sqltest.SQLite))

	if _, err := runCLI(t, cliAdminPassword+"\n", "admin", "login", "--admin-url", a, "-u", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	t.Setenv(envAdminURL, b)
	if _, err := runCLI(t, "", "admin", "whoami"); err == nil || !strings.Contains(err.Error(), "not logged in to "+b) {
		t.Fatalf("whoami at b with a's session: %v", err)
	}
	if _, err := runCLI(t, cliAdminPassword+"\n", "admin", "login", "-u", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, "admin", "whoami", "--admin-url", a)
	mustCLI(t, "admin", "whoami")
	pa, _ := sessionPath(a)
	pb, _ := sessionPath(b)
	for _, p := range []string{pa, pb} {
		if st, err := os.Stat(p); err != nil || st.Mode().Perm() != 0o600 {
			t.Fatalf("session file %s: %v %v", p, st, err)
		}
	}
	if st, err := os.Stat(filepath.Dir(pa)); err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("session directory: %v %v", st, err)
	}
	mustCLI(t, "admin", "logout")
	if _, err := os.Stat(pb); !os.IsNotExist(err) {
		t.Fatalf("b's session after logout: %v", err)
	}
	mustCLI(t, "admin", "whoami", "--admin-url", a)

	// LGSP_SESSION_FILE names the one file to keep the session in.
	file := filepath.Join(t.TempDir(), "session")
	t.Setenv(envSessionFile, file)
	if _, err := runCLI(t, cliAdminPassword+"\n", "admin", "login", "-u", "admin", "--password-stdin"); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(file); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("session file %s: %v %v", file, st, err)
	}
	mustCLI(t, "admin", "whoami")
	if _, err := runCLI(t, "", "admin", "whoami", "--admin-url", a); err == nil || !strings.Contains(err.Error(), "not logged in to "+a) {
		t.Fatalf("whoami at a with b's session file: %v", err)
	}
}
