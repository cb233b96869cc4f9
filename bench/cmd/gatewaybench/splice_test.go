package main

import (
	"strings"
	"testing"
)

func TestSpliceSectionKeepsOtherSections(t *testing.T) {
	doc := "# Benchmarks\n\nintro\n\n" + sectionBegin + "\nold gateway\n" + sectionEnd + "\n\n## Metering\n\nmetering numbers\n"
	got := spliceSection(doc, "new gateway\n")
	if !strings.Contains(got, "new gateway") || strings.Contains(got, "old gateway") {
		t.Fatalf("section not replaced:\n%s", got)
	}
	for _, keep := range []string{"intro", "## Metering", "metering numbers"} {
		if !strings.Contains(got, keep) {
			t.Fatalf("lost %q:\n%s", keep, got)
		}
	}
	if again := spliceSection(got, "new gateway\n"); again != got {
		t.Fatalf("splicing twice changed the document:\n%s\nvs\n%s", got, again)
	}
}

func TestSpliceSectionNewDocument(t *testing.T) {
	got := spliceSection("", "gateway\n")
	if !strings.HasPrefix(got, "# Benchmarks\n") || !strings.Contains(got, sectionBegin+"\ngateway\n"+sectionEnd) {
		t.Fatalf("got:\n%s", got)
	}
	got = spliceSection("# Benchmarks\n\nmetering\n", "gateway\n")
	if !strings.Contains(got, "metering") || !strings.Contains(got, "gateway") {
		t.Fatalf("append lost content:\n%s", got)
	}
}
