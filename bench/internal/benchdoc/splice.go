package benchdoc

import "strings"

// Markers returns the comments that open and close the section of the
// benchmark called name, e.g. "<!-- gatewaybench:begin -->".
func Markers(name string) (begin, end string) {
	return "<!-- " + name + ":begin -->", "<!-- " + name + ":end -->"
}

// Splice returns doc with the section of name replaced by section. A
// document without the markers gets the section appended; an empty one
// gets a title first.
func Splice(doc, name, section string) string {
	begin, end := Markers(name)
	block := begin + "\n" + strings.TrimRight(section, "\n") + "\n" + end + "\n"
	i := strings.Index(doc, begin)
	j := strings.Index(doc, end)
	if i >= 0 && j > i {
		rest := strings.TrimLeft(doc[j+len(end):], "\n")
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
