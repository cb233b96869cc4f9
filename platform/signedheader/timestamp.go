package signedheader

import (
	"fmt"
	"time"
)

// Zone is Asia/Ho_Chi_Minh. Vietnam keeps UTC+7 all year, so a fixed zone
// avoids depending on the host's time zone database.
var Zone = time.FixedZone("ICT", 7*3600)

// FormatTimestamp writes t as the SDK does: ddMMyyyy'T'HHmmss+SSSS in
// Asia/Ho_Chi_Minh, where the digits after the literal '+' are milliseconds
// padded to four.
func FormatTimestamp(t time.Time) string {
	t = t.In(Zone)
	ms := t.Nanosecond() / int(time.Millisecond)
	return fmt.Sprintf("%02d%02d%04dT%02d%02d%02d+%04d", t.Day(), int(t.Month()), t.Year(), t.Hour(), t.Minute(), t.Second(), ms)
}

// ParseTimestamp reads ddMMyyyy'T'HHmmss+SSSS. It accepts one to four digits
// of milliseconds, since Java's SimpleDateFormat pads but other clients may
// not.
func ParseTimestamp(s string) (time.Time, error) {
	bad := func() (time.Time, error) {
		return time.Time{}, fmt.Errorf("%w: %s %q is not ddMMyyyy'T'HHmmss+SSSS", ErrMalformed, NameTimestamp, truncate(s, 40))
	}
	if len(s) < 17 || len(s) > 20 || s[8] != 'T' || s[15] != '+' {
		return bad()
	}
	num := func(part string) (int, bool) {
		n := 0
		for i := 0; i < len(part); i++ {
			c := part[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, len(part) > 0
	}
	day, ok1 := num(s[0:2])
	month, ok2 := num(s[2:4])
	year, ok3 := num(s[4:8])
	hour, ok4 := num(s[9:11])
	minute, ok5 := num(s[11:13])
	sec, ok6 := num(s[13:15])
	ms, ok7 := num(s[16:])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && ok7) {
		return bad()
	}
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 60 || ms > 999 {
		return bad()
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, ms*int(time.Millisecond), Zone)
	if t.Day() != day { // 31 February and the like
		return bad()
	}
	return t, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
