package edxml

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/golden from the fixtures")

// fixtureDir is where CI puts the shared fixtures: the repository root's
// sibling shared/. Without it the golden tests skip locally and fail in CI.
func fixtureDir(tb testing.TB) string {
	tb.Helper()
	dir := fixturePath
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		if os.Getenv("CI") != "" {
			tb.Fatalf("edXML fixtures missing at %s (CI is set): %v", dir, err)
		}
		tb.Skipf("edXML fixtures not found at %s", dir)
	}
	return dir
}

type fixture struct {
	name string
	data []byte
}

var fixturePath = filepath.Join("..", "..", "..", "shared", "fixtures", "edxml")

func fixtures(tb testing.TB) []fixture {
	tb.Helper()
	dir := fixtureDir(tb)
	fs := readFixtures(dir)
	if len(fs) == 0 {
		tb.Fatalf("no readable *.edxml fixtures in %s", dir)
	}
	return fs
}

// fixtureDirOptional is the fixture folder, or "" when it is missing and CI
// is not set (the fuzz seeds then go without it).
func fixtureDirOptional(tb testing.TB) string {
	tb.Helper()
	if st, err := os.Stat(fixturePath); err == nil && st.IsDir() {
		return fixturePath
	}
	if os.Getenv("CI") != "" {
		tb.Fatalf("edXML fixtures missing at %s (CI is set)", fixturePath)
	}
	return ""
}

func readFixtures(dir string) []fixture {
	if dir == "" {
		return nil
	}
	paths, _ := filepath.Glob(filepath.Join(dir, "*.edxml"))
	var fs []fixture
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		fs = append(fs, fixture{strings.TrimSuffix(filepath.Base(p), ".edxml"), b})
	}
	return fs
}

func isStatusFixture(name string) bool { return strings.HasPrefix(name, "status_") }

// golden is what a fixture's golden file holds.
type golden struct {
	Kind        string    `json:"kind"` // document or status
	Size        int       `json:"size"`
	SHA256      string    `json:"sha256"` // of the bytes as received
	Signed      bool      `json:"signed"`
	Warnings    []string  `json:"warnings,omitempty"`
	StrictError string    `json:"strict_error,omitempty"` // code a strict (default) parse refuses it with
	Document    *Document `json:"document,omitempty"`
	Status      *Status   `json:"status,omitempty"`
}

func warningCodes(ws []*Error) []string {
	var c []string
	for _, w := range ws {
		c = append(c, w.Code+": "+w.Detail)
	}
	return c
}

func extract(t *testing.T, f fixture) golden {
	t.Helper()
	g := golden{Size: len(f.data), SHA256: HashFile(f.data)}
	if isStatusFixture(f.name) {
		p, err := ParseStatus(f.data)
		if err != nil {
			t.Fatalf("ParseStatus: %v", err)
		}
		if !sameBytes(p.Bytes(), f.data) {
			t.Fatal("Bytes() is not the input")
		}
		st := p.Status()
		g.Kind, g.Status, g.Signed, g.Warnings = "status", &st, p.Signed(), warningCodes(p.Warnings())
		return g
	}
	p, err := Options{LenientAttachments: true}.Parse(f.data)
	if err != nil {
		t.Fatalf("Parse (lenient): %v", err)
	}
	if !sameBytes(p.Bytes(), f.data) {
		t.Fatal("Bytes() is not the input")
	}
	if _, err := Parse(f.data); err != nil {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("strict Parse: not an *Error: %v", err)
		}
		g.StrictError = e.Code
	}
	d := p.Document()
	g.Kind, g.Document, g.Signed, g.Warnings = "document", &d, p.Signed(), warningCodes(p.Warnings())
	return g
}

// sameBytes reports whether a is b itself, not a copy.
func sameBytes(a, b []byte) bool {
	return len(a) == len(b) && (len(a) == 0 || &a[0] == &b[0])
}

func TestGolden(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			got, err := json.MarshalIndent(extract(t, f), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join("testdata", "golden", f.name+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("extracted fields differ from %s (go test -update rewrites it):\n%s", path, got)
			}
		})
	}
}

// The attachments must decode to what a plain reading of the XML gives:
// take the element text with a regular expression, drop whitespace, decode.
func TestFixtureAttachmentsMatchPlainDecoding(t *testing.T) {
	re := regexp.MustCompile(`(?s)<(?:edXML:)?ContentTransferEncoded[^>]*>(.*?)</`)
	for _, f := range fixtures(t) {
		if isStatusFixture(f.name) {
			continue
		}
		p, err := Options{LenientAttachments: true}.Parse(f.data)
		if err != nil {
			t.Fatalf("%s: %v", f.name, err)
		}
		m := re.FindAllSubmatch(f.data, -1)
		if len(m) != len(p.Attachments()) {
			t.Fatalf("%s: %d attachments, regexp finds %d", f.name, len(p.Attachments()), len(m))
		}
		for i, a := range p.Attachments() {
			want, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(m[i][1])), ""))
			r, _ := p.OpenAttachment(i)
			got, rerr := io.ReadAll(r)
			if err != nil {
				if rerr == nil {
					t.Errorf("%s #%d: plain decoding fails (%v) but OpenAttachment does not", f.name, i, err)
				}
				continue
			}
			if rerr != nil || !bytes.Equal(got, want) || a.Size != int64(len(want)) {
				t.Errorf("%s #%d: got %d bytes (err %v, Size %d), want %d", f.name, i, len(got), rerr, a.Size, len(want))
			}
			if !bytes.HasPrefix(got, []byte("PK")) {
				t.Errorf("%s #%d: a zip was expected", f.name, i)
			}
		}
	}
}

// Every fixture rebuilt from its extracted fields parses back to the same fields.
func TestFixturesRebuild(t *testing.T) {
	for _, f := range fixtures(t) {
		t.Run(f.name, func(t *testing.T) {
			if isStatusFixture(f.name) {
				p, err := ParseStatus(f.data)
				if err != nil {
					t.Fatal(err)
				}
				checkStatusRoundTrip(t, p)
				return
			}
			p, err := Options{LenientAttachments: true}.Parse(f.data)
			if err != nil {
				t.Fatal(err)
			}
			checkDocumentRoundTrip(t, p)
		})
	}
}
