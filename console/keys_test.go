package console_test

import (
	"net/http"
	"net/url"
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
