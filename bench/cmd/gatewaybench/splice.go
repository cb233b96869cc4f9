package main

import "strings"

// The gateway section of docs/BENCHMARKS.md sits between these markers, so
// a run refreshes it without touching what other benchmarks recorded.
const (
	sectionBegin = "<!-- gatewaybench:begin -->"
	sectionEnd   = "<!-- gatewaybench:end -->"
)

// spliceSection returns doc with its gateway section replaced by section.
// A document without the markers gets the section appended; an empty one
// gets a title first.
func spliceSection(doc, section string) string {
	block := sectionBegin + "\n" + strings.TrimRight(section, "\n") + "\n" + sectionEnd + "\n"
	i := strings.Index(doc, sectionBegin)
	j := strings.Index(doc, sectionEnd)
	if i >= 0 && j > i {
		rest := strings.TrimLeft(doc[j+len(sectionEnd):], "\n")
		if rest != "" {
			rest = "\n" + rest
		}
		return doc[:i] + block + rest
	}
	if strings.TrimSpace(doc) == "" {
		return "# Benchmarks\n\n" + block
	}
	return strings.TrimRight(doc, "\n") + "\n\n" + block
}
