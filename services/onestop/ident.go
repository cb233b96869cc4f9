package onestop

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
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

// citizenProvinces are the province codes that start a 12-digit citizen
// ID (Thông tư 59/2021/TT-BCA, annex I), before the 2025 merger; the IDs
// already issued keep them.
var citizenProvinces = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`001 002 004 006 008 010 011 012 014 015 017 019 020 022 024 025 026 027
		030 031 033 034 035 036 037 038 040 042 044 045 046 048 049 051 052 054 056 058 060 062 064 066 067
		068 070 072 074 075 077 079 080 082 083 084 086 087 089 091 092 093 094 095 096`) {
		m[c] = true
	}
	return m
}()

// validCitizenID checks a 12-digit citizen ID: its province code, and that
// the century and year of birth it encodes are not in the future.
func validCitizenID(id string, now time.Time) bool {
	if len(id) != 12 {
		return false
	}
	for _, c := range id {
		if c < '0' || c > '9' {
			return false
		}
	}
	if !citizenProvinces[id[:3]] {
		return false
	}
	century := 1900 + 100*int(id[3]-'0')/2
	yy, _ := strconv.Atoi(id[4:6])
	return century+yy <= now.In(hcm).Year()
}

// enterpriseRe is an enterprise code: 10 digits, or 10-3 for a branch.
var enterpriseRe = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)
