package docexchange

import (
	"net/http"
	"strings"
	"testing"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// FuzzSendHeaders feeds sendEdoc's header parsing arbitrary values, with
// and without the XroadVnpt- prefix: it never panics, refuses only with
// the catalogue's errors, and what it accepts is usable (recipients
// trimmed and non-empty, a known kind).
func FuzzSendHeaders(f *testing.F) {
	f.Add(`["000.00.00.H41"]`, "edoc", "abc", "000.00.00.G22", true)
	f.Add(`["000.00.00.H41","000.00.00.H14"]`, "status", "", "", false)
	f.Add(`000.00.00.H41, 000.00.00.H14`, "EDOC", "", "", true)
	f.Add(`["x"`, "fax", "", "", true)
	f.Add(`[" ", ""]`, "", "", "", false)
	f.Add(`[1,2]`, "", "", "", true)
	f.Add(`{"a":1}`, " status ", "", "", true)
	f.Fuzz(func(t *testing.T, to, mt, hf, from string, prefixed bool) {
		hdr := http.Header{}
		p := ""
		if prefixed {
			p = signedheader.Prefix
		}
		for k, v := range map[string]string{"to": to, "messagetype": mt, "hash-file": hf, "from": from} {
			hdr.Set(p+k, v)
		}
		get := func(name string) string { return signedheader.Lookup(hdr.Get, name) }
		h, err := readSendHeaders(get)
		if err != nil {
			if !isAPIErr(err) {
				t.Fatalf("refused with an error outside the catalogue: %v", err)
			}
			if nationalCode(err) == "" || !strings.Contains(nationalDesc(err), " / ") {
				t.Fatalf("refusal without a national code or a bilingual description: %v", err)
			}
			return
		}
		if h.kind != kindEdoc && h.kind != kindStatus {
			t.Fatalf("kind %q", h.kind)
		}
		for _, c := range h.to {
			if c == "" || c != strings.TrimSpace(c) {
				t.Fatalf("recipient %q", c)
			}
		}
		if strings.TrimSpace(hdr.Get(p+"to")) != "" && len(h.to) == 0 {
			t.Fatalf("a to header %q gave no recipients and no error", to)
		}
	})
}
