package console_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// rawKey finds a message key shown instead of its text: an element's whole
// text, or an attribute people read, that looks like "section.word".
var rawKey = regexp.MustCompile(`(>\s*|(?:aria-label|title|placeholder|data-confirm)=")[a-z]+(?:\.[a-z_]+)+\s*(<|")`)

// TestNoRawKeys: every page an admin reaches from the menu, in Vietnamese
// and in English, shows words, not message keys.
func TestNoRawKeys(t *testing.T) {
	p := startPlatform(t)
	b := p.browser()
	b.login("admin", p.a.Info.AdminPassword)
	_, home, _ := b.get("/")
	links := regexp.MustCompile(`<li><a href="(/[^"]*)"`).FindAllStringSubmatch(home, -1)
	if len(links) < 10 {
		t.Fatalf("the menu has %d links", len(links))
	}
	for _, lang := range []string{"vi", "en"} {
		b.post("/lang", url.Values{"to": {lang}, "back": {"/"}})
		for _, l := range links {
			st, body, _ := b.get(l[1])
			if st != http.StatusOK {
				t.Fatalf("%s (%s): %d", l[1], lang, st)
			}
			if m := rawKey.FindString(body); m != "" {
				t.Errorf("%s (%s) shows a message key: %q", l[1], lang, m)
			}
		}
	}
}

// TestMessageKeysUnique: no two files give the same message key, which
// would make one of them show the other's words.
func TestMessageKeysUnique(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`(?m)^\s*"([a-z][a-z0-9_]*(?:\.[A-Za-z0-9_]+)+)":\s*\{"`)
	seen := map[string]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range key.FindAllStringSubmatch(string(b), -1) {
			if prev, ok := seen[m[1]]; ok {
				t.Errorf("message key %s is given in %s and in %s", m[1], prev, f)
			}
			seen[m[1]] = f
		}
	}
	if len(seen) < 100 {
		t.Fatalf("only %d message keys found: the pattern no longer matches", len(seen))
	}
}
