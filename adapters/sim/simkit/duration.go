package simkit

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/lgsp-vn/lgsp/platform/config"
)

// Duration is a time.Duration that reads and writes JSON and settings as
// a Go duration string ("250ms"). A bare number is refused, as everywhere
// in LGSP, because its unit would be a guess.
type Duration time.Duration

// String writes the duration as Go does ("1.5s").
func (d Duration) String() string { return time.Duration(d).String() }

// UnmarshalText reads a setting: a Go duration, never a bare number.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := config.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration as a string such as "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) {
	return json.Marshal(time.Duration(d).String())
}

// UnmarshalJSON reads "250ms"; a number is refused with the fix.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf(`duration %s: write it as a string such as "%sms" or "1.5s"`, b, b)
	}
	return d.UnmarshalText([]byte(s))
}
