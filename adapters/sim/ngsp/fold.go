package ngsp

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// fold reduces Vietnamese text to lower-case ASCII words separated by single
// spaces, so that "Hồng Hà", "HONG HA" and a decomposed "Hồng Hà" compare
// equal. Đ/đ is a letter of its own, not a base letter with a mark, so it is
// mapped by hand. Invalid UTF-8 counts as a separator.
func fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := true // drop leading spaces and collapse runs
	for _, r := range norm.NFD.String(strings.ToValidUTF8(s, " ")) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'đ' || r == 'Đ':
			r = 'd'
		case unicode.IsSpace(r) || unicode.IsPunct(r):
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(unicode.ToLower(r))
		space = false
	}
	return strings.TrimRight(b.String(), " ")
}

// asciiUpper is fold without the lower-casing of letters or the punctuation
// handling: it only strips the marks and upper-cases, which is how English
// trade names are written from Vietnamese ones.
func asciiUpper(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if r == 'đ' || r == 'Đ' {
			r = 'D'
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}
