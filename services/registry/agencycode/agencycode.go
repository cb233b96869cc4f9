package agencycode

import (
	"regexp"
	"strings"
)

var (
	strict  = regexp.MustCompile(`^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2}$`)
	lenient = regexp.MustCompile(`^([0-9A-Za-z]{1,4}\.){0,5}[A-Za-z][0-9]{2}$`)
)

// MaxLen bounds any code we are willing to look at.
const MaxLen = 32

// Valid reports whether code has the strict registration form LLL.LL.LL.XNN.
func Valid(code string) bool { return strict.MatchString(code) }

// Level is the letter of the top-level group: 'G' for ministries and
// central bodies, 'H' for provinces. It returns 0 for an invalid code.
func Level(code string) byte {
	if !Valid(code) {
		return 0
	}
	return code[len(code)-3]
}

// Lenient normalises a code received from another system: it trims spaces,
// upper-cases the level letter and accepts fewer or shorter groups. ok is
// false when the text does not look like an agency code at all; strict tells
// whether the normalised code also passes Valid.
func Lenient(code string) (normalised string, ok, isStrict bool) {
	c := strings.TrimSpace(code)
	if c == "" || len(c) > MaxLen || !lenient.MatchString(c) {
		return "", false, false
	}
	c = c[:len(c)-3] + strings.ToUpper(c[len(c)-3:len(c)-2]) + c[len(c)-2:]
	return c, true, Valid(c)
}
