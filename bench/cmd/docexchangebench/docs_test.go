package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/edxml"
)

func TestDocFactoryStampsValidPackages(t *testing.T) {
	f, err := newDocFactory("000.00.00.H41", []string{"000.00.00.H14", "000.00.00.G22"}, "T")
	if err != nil {
		t.Fatal(err)
	}
	if d := f.size() - packageSize; d < -64 || d > 64 {
		t.Fatalf("package of %d bytes, want about %d", f.size(), packageSize)
	}
	a, b := f.make(), f.make()
	if bytes.Equal(a, b) {
		t.Fatal("two packages are the same")
	}
	seen := map[string]bool{}
	for _, pkg := range [][]byte{a, b, f.stamp(123456789012)} {
		p, err := edxml.Options{}.Parse(pkg)
		if err != nil {
			t.Fatal(err)
		}
		id := p.DocumentID()
		if seen[id] {
			t.Fatalf("DocumentId %s twice", id)
		}
		seen[id] = true
		if len(p.Attachments()) != 1 || len(p.ToIDs()) != 2 {
			t.Fatalf("attachments %d, recipients %v", len(p.Attachments()), p.ToIDs())
		}
	}
	for _, want := range []string{",000000000001/T", ",000000000002/T", ",123456789012/T"} {
		found := false
		for id := range seen {
			found = found || strings.HasPrefix(id, "000.00.00.H41,") && strings.HasSuffix(id, want)
		}
		if !found {
			t.Fatalf("no DocumentId ending in %s: %v", want, seen)
		}
	}
}
