package benchdoc

import (
	"strings"
	"testing"
)

func TestSpliceKeepsOtherSections(t *testing.T) {
	gwBegin, gwEnd := Markers("gatewaybench")
	dxBegin, dxEnd := Markers("docexchangebench")
	doc := "# Benchmarks\n\nintro\n\n" + gwBegin + "\nold gateway\n" + gwEnd + "\n\nhand-written gateway notes\n\n" +
		dxBegin + "\nold exchange\n" + dxEnd + "\n\n## Metering\n\nmetering numbers\n"
	got := Splice(doc, "docexchangebench", "new exchange\n")
	if !strings.Contains(got, dxBegin+"\nnew exchange\n"+dxEnd) || strings.Contains(got, "old exchange") {
		t.Fatalf("section not replaced:\n%s", got)
	}
	for _, keep := range []string{"intro", "old gateway", "hand-written gateway notes", "## Metering", "metering numbers"} {
		if !strings.Contains(got, keep) {
			t.Fatalf("lost %q:\n%s", keep, got)
		}
	}
	if again := Splice(got, "docexchangebench", "new exchange\n"); again != got {
		t.Fatalf("splicing twice changed the document:\n%s\nvs\n%s", got, again)
	}
	got = Splice(got, "gatewaybench", "new gateway")
	if !strings.Contains(got, "new gateway") || strings.Contains(got, "old gateway") || !strings.Contains(got, "new exchange") {
		t.Fatalf("gateway section:\n%s", got)
	}
}

func TestSpliceNewDocument(t *testing.T) {
	begin, end := Markers("gatewaybench")
	got := Splice("", "gatewaybench", "gateway\n")
	if !strings.HasPrefix(got, "# Benchmarks\n") || !strings.Contains(got, begin+"\ngateway\n"+end) {
		t.Fatalf("got:\n%s", got)
	}
	got = Splice("# Benchmarks\n\nmetering\n", "gatewaybench", "gateway\n")
	if !strings.Contains(got, "metering") || !strings.Contains(got, "gateway") {
		t.Fatalf("append lost content:\n%s", got)
	}
}
