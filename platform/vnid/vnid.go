package vnid

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// hcm is the zone the year of birth is compared in.
var hcm = time.FixedZone("ICT", 7*3600)

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

// Citizen checks a 12-digit personal identification number: digits only,
// a province code in force when it was issued, and a century and year of
// birth (digits 4 to 6) that are not after now. Digit 4 is the gender and
// century: 0/1 a man/woman born in the 1900s, 2/3 in the 2000s, 4/5 in the
// 2100s and so on.
func Citizen(id string, now time.Time) bool {
	if len(id) != 12 || !digits(id) {
		return false
	}
	if !citizenProvinces[id[:3]] {
		return false
	}
	century := 1900 + 100*(int(id[3]-'0')/2)
	yy, _ := strconv.Atoi(id[4:6])
	return century+yy <= now.In(hcm).Year()
}

// enterpriseRe is an enterprise code: 10 digits, or 10-3 for a branch.
var enterpriseRe = regexp.MustCompile(`^[0-9]{10}(-[0-9]{3})?$`)

// Enterprise checks an enterprise code: 10 digits, or 10 digits, a dash
// and 3 digits for a branch or representative office.
func Enterprise(code string) bool { return enterpriseRe.MatchString(code) }

// Insurance checks a social insurance number: 10 digits.
func Insurance(no string) bool { return len(no) == 10 && digits(no) }

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// provinces are the 34 province-level units in force since 1 July 2025
// (Nghị quyết 202/2025/QH15), by their 2-digit codes.
var provinces = func() map[string]bool {
	m := map[string]bool{}
	for _, c := range strings.Fields(`01 04 08 11 12 14 15 19 20 22 24 25 31 33 37 38 40 42 44 46 48 51 52 56
		66 68 75 79 80 82 86 91 92 96`) {
		m[c] = true
	}
	return m
}()

// Province checks a 2-digit province code of a unit in force.
func Province(code string) bool { return provinces[code] }
