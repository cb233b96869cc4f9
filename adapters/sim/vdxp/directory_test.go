package vdxp

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// organID matches every OrganId element of a package, whatever its prefix,
// commented-out blocks included: a code the samples spell anywhere must be
// known to the axis.
var organID = regexp.MustCompile(`<(?:[A-Za-z_][\w.-]*:)?OrganId>\s*([^<]*?)\s*</`)

func TestDirectoryHoldsEveryFixtureCode(t *testing.T) {
	dir := fixtureDir(t)
	paths, err := filepath.Glob(filepath.Join(dir, "*.edxml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no fixtures in %s: %v", dir, err)
	}
	d := newDirectory()
	seen := map[string]bool{}
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range organID.FindAllSubmatch(b, -1) {
			code := string(m[1])
			if code == "" || seen[code] {
				continue
			}
			seen[code] = true
			if !d.has(code) {
				t.Errorf("%s: agency %s is not in the simulator's directory", filepath.Base(p), code)
			}
		}
	}
	if len(seen) < 5 {
		t.Fatalf("found only %d codes in the fixtures: the pattern is wrong", len(seen))
	}
}

func TestDirectoryIsDeterministicAndWellFormed(t *testing.T) {
	a, b := Directory(), Directory()
	if !slices.Equal(a, b) {
		t.Fatal("two directories differ")
	}
	if len(a) < 30 {
		t.Fatalf("%d agencies; want a few dozen", len(a))
	}
	ids, codes := map[string]bool{}, map[string]bool{}
	for _, ag := range a {
		if !validCode(ag.Code) || codes[ag.Code] {
			t.Errorf("code %q invalid or repeated", ag.Code)
		}
		codes[ag.Code] = true
		if len(ag.ID) != 24 || ids[ag.ID] {
			t.Errorf("%s: id %q not 24 digits or repeated", ag.Code, ag.ID)
		}
		ids[ag.ID] = true
		if ag.Name == "" || !utf8.ValidString(ag.Name) {
			t.Errorf("%s: bad name %q", ag.Code, ag.Name)
		}
		if strings.HasSuffix(ag.Code, ".H30") {
			t.Errorf("%s: the demo province's codes must stay outside the directory (they route to the province's system)", ag.Code)
		}
	}
	for _, ag := range a {
		if ag.PCode != "" && !codes[ag.PCode] {
			t.Errorf("%s: parent %s not in the directory", ag.Code, ag.PCode)
		}
	}
	for _, code := range []string{"000.00.00.G22", "000.00.00.H31"} {
		if !codes[code] {
			t.Errorf("%s missing", code)
		}
	}
	if g, _ := newDirectory().get("000.00.00.G22"); g.Name != "Văn phòng Chính phủ" {
		t.Errorf("G22 is %q", g.Name)
	}
}
