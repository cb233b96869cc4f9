package onestop

import (
	"fmt"
	"regexp"
	"strconv"
	"time"
)

// codeRe is a dossier code: <agency code>-<yyMMdd>-<NNNN>. Agency codes
// are read leniently (national data holds short and odd codes); the
// sequence has at least four digits.
var codeRe = regexp.MustCompile(`^([0-9A-Za-z]{1,6}(?:\.[0-9A-Za-z]{1,6}){1,5})-([0-9]{6})-([0-9]{4,7})$`)

// parseCode splits a dossier code and checks its date.
func parseCode(code string) (agency string, day time.Time, seq int, ok bool) {
	m := codeRe.FindStringSubmatch(code)
	if m == nil {
		return "", time.Time{}, 0, false
	}
	d, err := time.ParseInLocation("060102", m[2], hcm)
	if err != nil {
		return "", time.Time{}, 0, false
	}
	n, _ := strconv.Atoi(m[3])
	return m[1], d, n, n > 0
}

// formatCode builds a dossier code; the sequence has four digits or more.
func formatCode(agency string, day time.Time, seq int64) string {
	return fmt.Sprintf("%s-%s-%04d", agency, day.In(hcm).Format("060102"), seq)
}

// procedureRe is a procedure code as the national database of procedures
// writes them: 1.011442.000.00.00.H38, or the short form 1.011442.
var procedureRe = regexp.MustCompile(`^[0-9]\.[0-9]{6}(\.[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-Z][0-9]{2})?$`)
