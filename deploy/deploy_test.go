package deploy

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/lgsp-vn/lgsp/internal/app"
	"github.com/lgsp-vn/lgsp/platform/config"
)

// repoRoot is the repository root, one level up from this package.
const repoRoot = ".."

// deployFiles returns the files under deploy/ whose names match one of the
// suffixes, as paths relative to this package.
func deployFiles(t *testing.T, suffixes ...string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		for _, s := range suffixes {
			if strings.HasSuffix(d.Name(), s) {
				out = append(out, p)
				break
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk deploy/: %v", err)
	}
	sort.Strings(out)
	return out
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("read %s: %v", p, err)
	}
	return string(b)
}

// yamlDocs decodes every document of a multi-document YAML file.
func yamlDocs(t *testing.T, p string) []map[string]any {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(readFile(t, p))))
	var docs []map[string]any
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s: document %d does not parse: %v", p, len(docs)+1, err)
		}
		if doc != nil {
			docs = append(docs, doc)
		}
	}
	return docs
}

func TestYAMLFilesParse(t *testing.T) {
	files := deployFiles(t, ".yaml", ".yml")
	if len(files) < 10 {
		t.Fatalf("found only %d YAML files under deploy/: %v", len(files), files)
	}
	for _, p := range files {
		docs := yamlDocs(t, p)
		if len(docs) == 0 {
			t.Errorf("%s: no YAML document", p)
		}
		if !strings.HasPrefix(p, "kubernetes"+string(filepath.Separator)) {
			continue
		}
		for i, d := range docs {
			if filepath.Base(p) == "kustomization.yaml" {
				if d["kind"] != "Kustomization" {
					t.Errorf("%s: kind %v, want Kustomization", p, d["kind"])
				}
				continue
			}
			if d["apiVersion"] == nil || d["kind"] == nil {
				t.Errorf("%s: document %d has no apiVersion or kind", p, i+1)
			}
		}
	}
}

// kustomizations must list resources that exist, so that `kubectl apply -k`
// finds every file.
func TestKustomizationResourcesExist(t *testing.T) {
	for _, p := range deployFiles(t, "kustomization.yaml") {
		d := yamlDocs(t, p)[0]
		res, _ := d["resources"].([]any)
		if len(res) == 0 {
			t.Errorf("%s: no resources", p)
		}
		for _, r := range res {
			path := filepath.Join(filepath.Dir(p), r.(string))
			if _, err := os.Stat(path); err != nil {
				t.Errorf("%s: resource %s: %v", p, r, err)
			}
		}
	}
}

var settingRe = regexp.MustCompile(`LGSP_[A-Z0-9_]*[A-Z0-9]_?`)

// codeSettings returns every LGSP_* name that appears in the Go sources of
// the repository, outside this package.
func codeSettings(t *testing.T) map[string]bool {
	t.Helper()
	out := map[string]bool{}
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			switch d.Name() {
			case ".git", ".tools", "node_modules", "deploy", "data", "bin":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") {
			return nil
		}
		for _, m := range settingRe.FindAllString(readFile(t, p), -1) {
			out[m] = true
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walk sources: %v", err)
	}
	return out
}

// The deployment files and the operator guide must only name settings that
// the code reads (or stream and bucket names it declares), so that no
// operator sets a variable that does nothing.
func TestSettingsExistInCode(t *testing.T) {
	code := codeSettings(t)
	if !code["LGSP_NATS_URL"] || !code["LGSP_DATABASE_URL"] {
		t.Fatalf("source scan found no core settings (%d names): wrong root?", len(code))
	}
	files := deployFiles(t, ".yaml", ".service", ".conf", ".example", "Dockerfile", ".md")
	files = append(files, filepath.Join(repoRoot, "docs", "deploy.md"))
	for _, p := range files {
		for _, name := range settingRe.FindAllString(readFile(t, p), -1) {
			if code[name] {
				continue
			}
			// A prefix such as LGSP_TEST_ or LGSP_SIM_NGSP_ stands for a
			// family of settings.
			if strings.HasSuffix(name, "_") && hasPrefixIn(code, name) {
				continue
			}
			t.Errorf("%s names %s, which no Go source reads: fix the name or remove it", p, name)
		}
	}
}

var assignRe = regexp.MustCompile(`(?m)^\s*#?\s*(LGSP_[A-Z0-9_]+)(?:=|: )`)

// Every variable the deployment files set (or show commented out) is a
// setting of the configuration, so that none does nothing.
func TestAssignedSettingsAreSettings(t *testing.T) {
	known := map[string]bool{}
	for _, s := range config.Describe(app.DefaultConfig(false).Sections()...) {
		known[s.Env] = true
	}
	n := 0
	for _, p := range deployFiles(t, ".example", "configmap.yaml", "compose.yaml") {
		for _, m := range assignRe.FindAllStringSubmatch(readFile(t, p), -1) {
			n++
			if !known[m[1]] {
				t.Errorf("%s sets %s, which is not a setting (see docs/configuration.md)", p, m[1])
			}
		}
	}
	if n < 20 {
		t.Fatalf("found only %d assignments: the pattern no longer matches the files", n)
	}
}

func hasPrefixIn(set map[string]bool, prefix string) bool {
	for k := range set {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}

var serveRe = regexp.MustCompile(`(?:lgsp serve|"serve",)\s*"?([a-z<>]+)`)

// Every `lgsp serve <service>` in the deployment files names a service the
// binary knows.
func TestServedServicesExist(t *testing.T) {
	known := map[string]bool{"<service>": true}
	for _, s := range app.ServeNames() {
		known[s] = true
	}
	seen := map[string]bool{}
	for _, p := range deployFiles(t, ".yaml", ".service", "Dockerfile", ".md") {
		for _, m := range serveRe.FindAllStringSubmatch(readFile(t, p), -1) {
			seen[m[1]] = true
			if !known[m[1]] {
				t.Errorf("%s runs `lgsp serve %s`; the binary serves %v", p, m[1], app.ServeNames())
			}
		}
	}
	for _, s := range app.ServeNames() {
		if !seen[s] {
			t.Errorf("no deployment file runs `lgsp serve %s`", s)
		}
	}
}

// Every key the manifests read from the lgsp-secrets Secret is in the
// template (the trial overlay's postgres-password is documented there).
func TestSecretKeysInTemplate(t *testing.T) {
	tmpl := yamlDocs(t, filepath.Join("kubernetes", "secret.example.yaml"))[0]
	data, _ := tmpl["stringData"].(map[string]any)
	if len(data) == 0 {
		t.Fatal("secret.example.yaml has no stringData")
	}
	keyRe := regexp.MustCompile(`secretKeyRef: \{name: lgsp-secrets, key: ([a-z-]+)[,}]`)
	used := 0
	for _, p := range deployFiles(t, ".yaml") {
		for _, m := range keyRe.FindAllStringSubmatch(readFile(t, p), -1) {
			used++
			if _, ok := data[m[1]]; !ok && !(m[1] == "postgres-password" && strings.Contains(p, "trial")) {
				t.Errorf("%s reads Secret key %q, missing from kubernetes/secret.example.yaml", p, m[1])
			}
		}
	}
	if used == 0 {
		t.Fatal("no secretKeyRef found: the pattern no longer matches the manifests")
	}
	for k, v := range data {
		if s, _ := v.(string); !strings.Contains(s, "REPLACE_ME") {
			t.Errorf("secret.example.yaml key %s holds a value, not a placeholder", k)
		}
	}
}

// The binary stops within LGSP_SHUTDOWN_TIMEOUT (10 s); every unit must wait
// longer than that before killing it.
func TestSystemdStopTimeouts(t *testing.T) {
	for _, p := range deployFiles(t, ".service") {
		s := readFile(t, p)
		if !strings.Contains(s, "\nTimeoutStopSec=") {
			t.Errorf("%s: no TimeoutStopSec", p)
		}
		if strings.Contains(p, "lgsp-") {
			for _, want := range []string{"TimeoutStopSec=15", "NoNewPrivileges=yes", "ProtectSystem=strict", "DynamicUser=yes"} {
				if !strings.Contains(s, "\n"+want+"\n") {
					t.Errorf("%s: missing %s", p, want)
				}
			}
		}
	}
}
