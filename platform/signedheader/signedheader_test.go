package signedheader_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

var now = time.Date(2026, 11, 22, 15, 42, 10, 123_000_000, signedheader.Zone)

func verifier(secrets map[string]string) *signedheader.Verifier {
	return &signedheader.Verifier{
		Secret: func(id string) (string, bool) { s, ok := secrets[id]; return s, ok },
		Window: 5 * time.Minute,
		Now:    func() time.Time { return now },
		Replay: signedheader.NewReplayCache(100),
	}
}

func toHTTP(hs []signedheader.Header) http.Header {
	h := http.Header{}
	for _, x := range hs {
		h.Add(x.Name, x.Value)
	}
	return h
}

func sendEdocHeaders() []signedheader.Header {
	return []signedheader.Header{
		{Name: "Content-Type", Value: "application/octet-stream"},
		{Name: "from", Value: "000.00.00.H30"},
		{Name: "to", Value: `["000.00.00.G22","000.00.01.H30"]`},
		{Name: "servicetype", Value: "eDoc"},
		{Name: "messagetype", Value: "edoc"},
		{Name: "docId", Value: "a=b&c<d>'e'"},
	}
}

func TestSignProducesSDKWireForm(t *testing.T) {
	out := signedheader.Sign("sys-01", "s3cret", now, sendEdocHeaders())
	h := toHTTP(out)
	wantText := `{"XroadVnpt-systemid":"sys-01","XroadVnpt-timestamp":"22112026T154210+0123",` +
		`"XroadVnpt-Content-Type":"application/octet-stream","XroadVnpt-from":"000.00.00.H30",` +
		`"XroadVnpt-to":"[\"000.00.00.G22\",\"000.00.01.H30\"]","XroadVnpt-servicetype":"eDoc",` +
		`"XroadVnpt-messagetype":"edoc","XroadVnpt-docId":"a\u003db\u0026c\u003cd\u003e\u0027e\u0027"}`
	if got := h.Get(signedheader.HeaderSign); got != wantText {
		t.Fatalf("sign-header\n got %s\nwant %s", got, wantText)
	}
	mac := hmac.New(sha256.New, []byte("s3cret"))
	mac.Write([]byte(wantText))
	if got, want := h.Get(signedheader.HeaderHash), hex.EncodeToString(mac.Sum(nil)); got != want {
		t.Fatalf("hash-header %s, want %s", got, want)
	}
	if got := h.Get(signedheader.HeaderSignKey); got != "systemid;timestamp;Content-Type;from;to;servicetype;messagetype;docId" {
		t.Fatalf("sign-header-key %q", got)
	}
	if h.Get("Content-Type") != "application/octet-stream" || h.Get("XroadVnpt-Content-Type") != "application/octet-stream" {
		t.Fatalf("Content-Type must be sent plain and prefixed: %v", h)
	}
	if h.Get("systemid") != "" || h.Get("XroadVnpt-systemid") != "sys-01" {
		t.Fatal("logical headers are sent only prefixed")
	}
	if h.Get(signedheader.HeaderVersion) != "3.0.201608" || h.Get("User-Agent") != "JAVASDKAgent/1.0.0 XRoad/VPCP" {
		t.Fatal("version and user agent as the SDK sends them")
	}
}

func TestVerifyAcceptsSignedRequest(t *testing.T) {
	v := verifier(map[string]string{"sys-01": "s3cret"})
	h := toHTTP(signedheader.Sign("sys-01", "s3cret", now.Add(-time.Minute), sendEdocHeaders()))
	res, err := v.Verify(h.Get)
	if err != nil {
		t.Fatal(err)
	}
	if res.SystemID != "sys-01" || !res.Time.Equal(now.Add(-time.Minute)) {
		t.Fatalf("result %+v", res)
	}
	if to, _ := res.Get("TO"); to != `["000.00.00.G22","000.00.01.H30"]` {
		t.Fatalf("to = %q", to)
	}
	if id, _ := res.Get("docid"); id != "a=b&c<d>'e'" {
		t.Fatalf("docId = %q", id)
	}
}

func TestVerifyKeysInAnyOrderAndPlainHeaders(t *testing.T) {
	// A hand-written client: keys in another order, logical headers sent
	// without the prefix.
	ts := signedheader.FormatTimestamp(now)
	text := `{"XroadVnpt-to":"[\"000.00.00.G22\"]","XroadVnpt-timestamp":"` + ts + `","XroadVnpt-systemid":"sys-02"}`
	mac := hmac.New(sha256.New, []byte("k2"))
	mac.Write([]byte(text))
	h := http.Header{}
	h.Set("systemid", "sys-02")
	h.Set("timestamp", ts)
	h.Set("to", `["000.00.00.G22"]`)
	h.Set(signedheader.HeaderSign, text)
	h.Set(signedheader.HeaderHash, strings.ToUpper(hex.EncodeToString(mac.Sum(nil))))
	if _, err := verifier(map[string]string{"sys-02": "k2"}).Verify(h.Get); err != nil {
		t.Fatal(err)
	}
}

func TestVerifyRejects(t *testing.T) {
	secrets := map[string]string{"sys-01": "s3cret"}
	base := func() http.Header {
		return toHTTP(signedheader.Sign("sys-01", "s3cret", now, sendEdocHeaders()))
	}
	cases := []struct {
		name   string
		mutate func(h http.Header)
		want   error
	}{
		{"no signature", func(h http.Header) { h.Del(signedheader.HeaderHash) }, signedheader.ErrMissing},
		{"no sign header", func(h http.Header) { h.Del(signedheader.HeaderSign) }, signedheader.ErrMissing},
		{"no systemid", func(h http.Header) { h.Del("XroadVnpt-systemid") }, signedheader.ErrMissing},
		{"unknown system", func(h http.Header) { h.Set("XroadVnpt-systemid", "other") }, signedheader.ErrUnknownSystem},
		{"hash not hex", func(h http.Header) { h.Set(signedheader.HeaderHash, "zz") }, signedheader.ErrMalformed},
		{"wrong secret", func(h http.Header) {
			h2 := toHTTP(signedheader.Sign("sys-01", "wrong", now, sendEdocHeaders()))
			h.Set(signedheader.HeaderHash, h2.Get(signedheader.HeaderHash))
		}, signedheader.ErrBadSignature},
		{"sign header re-serialised", func(h http.Header) {
			h.Set(signedheader.HeaderSign, strings.ReplaceAll(h.Get(signedheader.HeaderSign), `\u003d`, "="))
		}, signedheader.ErrBadSignature},
		{"header changed after signing", func(h http.Header) { h.Set("XroadVnpt-to", `["000.00.00.H99"]`) }, signedheader.ErrMismatch},
		{"signed header dropped", func(h http.Header) { h.Del("XroadVnpt-docId") }, signedheader.ErrMismatch},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := base()
			c.mutate(h)
			_, err := verifier(secrets).Verify(h.Get)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if err != nil && strings.Contains(err.Error(), "s3cret") {
				t.Fatal("error text carries the secret")
			}
		})
	}
}

func TestVerifyRequiresSignedSystemIDAndTimestamp(t *testing.T) {
	sign := func(text string) http.Header {
		mac := hmac.New(sha256.New, []byte("k"))
		mac.Write([]byte(text))
		h := http.Header{}
		h.Set("XroadVnpt-systemid", "s")
		h.Set("XroadVnpt-timestamp", signedheader.FormatTimestamp(now))
		h.Set(signedheader.HeaderSign, text)
		h.Set(signedheader.HeaderHash, hex.EncodeToString(mac.Sum(nil)))
		return h
	}
	v := verifier(map[string]string{"s": "k"})
	if _, err := v.Verify(sign(`{"XroadVnpt-timestamp":"` + signedheader.FormatTimestamp(now) + `"}`).Get); !errors.Is(err, signedheader.ErrMismatch) {
		t.Fatalf("unsigned systemid: %v", err)
	}
	if _, err := v.Verify(sign(`{"XroadVnpt-systemid":"s"}`).Get); !errors.Is(err, signedheader.ErrMissing) {
		t.Fatalf("unsigned timestamp: %v", err)
	}
	if _, err := v.Verify(sign(`["x"]`).Get); !errors.Is(err, signedheader.ErrMalformed) {
		t.Fatalf("not an object: %v", err)
	}
}

func TestVerifyStaleAndReplayed(t *testing.T) {
	v := verifier(map[string]string{"sys-01": "s3cret"})
	for _, d := range []time.Duration{-6 * time.Minute, 6 * time.Minute} {
		h := toHTTP(signedheader.Sign("sys-01", "s3cret", now.Add(d), nil))
		if _, err := v.Verify(h.Get); !errors.Is(err, signedheader.ErrStale) {
			t.Fatalf("offset %s: %v", d, err)
		}
	}
	h := toHTTP(signedheader.Sign("sys-01", "s3cret", now.Add(-4*time.Minute), nil))
	if _, err := v.Verify(h.Get); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(h.Get); !errors.Is(err, signedheader.ErrReplayed) {
		t.Fatalf("replay: %v", err)
	}
	// Without a replay cache the same request passes twice.
	v.Replay = nil
	if _, err := v.Verify(h.Get); err != nil {
		t.Fatal(err)
	}
}

func TestReplayCacheBounded(t *testing.T) {
	c := signedheader.NewReplayCache(10)
	for i := 0; i < 100; i++ {
		if c.Seen(string(rune('a'+i)), now.Add(time.Minute), now) {
			t.Fatalf("fresh key %d reported seen", i)
		}
	}
	if c.Len() > 10 {
		t.Fatalf("len %d > 10", c.Len())
	}
	if !c.Seen(string(rune('a'+99)), now.Add(time.Minute), now) {
		t.Fatal("the latest key must still be remembered")
	}
	// Expired entries are forgotten.
	if c.Seen(string(rune('a'+99)), now.Add(3*time.Minute), now.Add(2*time.Minute)) {
		t.Fatal("expired entry reported seen")
	}
}

func TestTimestamp(t *testing.T) {
	if got := signedheader.FormatTimestamp(now.UTC()); got != "22112026T154210+0123" {
		t.Fatalf("format %q", got)
	}
	for in, want := range map[string]time.Time{
		"22112026T154210+0123": now,
		"22112026T154210+123":  now,
		"01012027T000000+0000": time.Date(2027, 1, 1, 0, 0, 0, 0, signedheader.Zone),
	} {
		got, err := signedheader.ParseTimestamp(in)
		if err != nil || !got.Equal(want) {
			t.Fatalf("parse %q = %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"", "2026-11-22T15:42:10", "31022026T000000+0000", "22112026T254210+0123", "22112026T154210-0123", "22112026T154210+12345", "22112026X154210+0123"} {
		if _, err := signedheader.ParseTimestamp(in); !errors.Is(err, signedheader.ErrMalformed) {
			t.Fatalf("parse %q: %v", in, err)
		}
	}
}

func TestHashFile(t *testing.T) {
	body := []byte("edXML package body")
	sum := sha256.Sum256(body)
	// Find a body whose digest has bytes below 0x10 and above 0x7f so every
	// form is exercised.
	for i := 0; ; i++ {
		hasLow, hasHigh := false, false
		for _, c := range sum {
			hasLow = hasLow || c < 0x10
			hasHigh = hasHigh || c >= 0x80
		}
		if hasLow && hasHigh {
			break
		}
		body = append(body, byte(i))
		sum = sha256.Sum256(body)
	}
	full := hex.EncodeToString(sum[:])
	java := signedheader.JavaHex(sum[:])
	if len(java) >= len(full) {
		t.Fatalf("java form %q should be shorter than %q", java, full)
	}
	var unmasked strings.Builder
	for _, c := range sum {
		if c >= 0x80 {
			unmasked.WriteString("ffffff")
		}
		unmasked.WriteString(hex.EncodeToString([]byte{c}))
	}
	for _, v := range []string{full, strings.ToUpper(full), java, unmasked.String(), " " + java + " "} {
		if !signedheader.HashFileMatches(v, body) {
			t.Fatalf("%q should match", v)
		}
	}
	other := sha256.Sum256([]byte("other"))
	for _, v := range []string{"", hex.EncodeToString(other[:]), full[:63], full + "0", signedheader.JavaHex(other[:])} {
		if signedheader.HashFileMatches(v, body) {
			t.Fatalf("%q should not match", v)
		}
	}
}

// The national SDK writes the file followed by CRLF and hashes the file
// alone: the body is accepted, and the hashed bytes are what counts.
func TestHashFileWithTrailingCRLF(t *testing.T) {
	file := []byte("<?xml version=\"1.0\"?><edXML/>")
	sum := sha256.Sum256(file)
	hf := signedheader.JavaHex(sum[:])
	sent := append(append([]byte{}, file...), '\r', '\n')
	got, ok := signedheader.HashedBody(hf, sent)
	if !ok || string(got) != string(file) {
		t.Fatalf("body with a trailing CRLF: %q %v, want the file without it", got, ok)
	}
	if got, ok := signedheader.HashedBody(hf, file); !ok || string(got) != string(file) {
		t.Fatalf("exact body: %q %v", got, ok)
	}
	for _, body := range [][]byte{append(append([]byte{}, sent...), '\r', '\n'), append(append([]byte{}, file...), '\n'), []byte("\r\n")} {
		if signedheader.HashFileMatches(hf, body) {
			t.Fatalf("%q should not match: only one trailing CRLF is forgiven", body)
		}
	}
}

func FuzzVerify(f *testing.F) {
	good := toHTTP(signedheader.Sign("sys-01", "s3cret", now, sendEdocHeaders()))
	f.Add(good.Get(signedheader.HeaderSign), good.Get(signedheader.HeaderHash), "sys-01", good.Get("XroadVnpt-timestamp"), good.Get("XroadVnpt-to"))
	f.Add(`{"XroadVnpt-systemid":1}`, "00", "x", "", "")
	f.Add(`{"":""}`, strings.Repeat("a", 64), "sys-01", "31022026T000000+0000", "[")
	f.Fuzz(func(t *testing.T, sign, hash, systemID, ts, to string) {
		h := http.Header{}
		h.Set(signedheader.HeaderSign, sign)
		h.Set(signedheader.HeaderHash, hash)
		h.Set("XroadVnpt-systemid", systemID)
		h.Set("XroadVnpt-timestamp", ts)
		h.Set("XroadVnpt-to", to)
		v := verifier(map[string]string{"sys-01": "s3cret", systemID: "s3cret"})
		res, err := v.Verify(h.Get)
		if err == nil && (res == nil || res.SystemID != systemID) {
			t.Fatalf("accepted without a result for %q", systemID)
		}
		_ = signedheader.HashFileMatches(hash, []byte(sign))
		_, _ = signedheader.ParseTimestamp(ts)
	})
}

// TestReplayCacheFullKeepsRecording: a full cache of live entries still
// records every new signature (evicting one old one) and still answers a
// replay of the new ones, and expired entries leave with the next sweep.
func TestReplayCacheFullKeepsRecording(t *testing.T) {
	c := signedheader.NewReplayCache(1000)
	for i := range 5000 {
		k := fmt.Sprint("sig-", i)
		if c.Seen(k, now.Add(10*time.Minute), now) {
			t.Fatalf("fresh key %d reported seen", i)
		}
		if !c.Seen(k, now.Add(10*time.Minute), now) {
			t.Fatalf("key %d not remembered right after", i)
		}
	}
	if c.Len() != 1000 {
		t.Fatalf("len %d, want the bound 1000", c.Len())
	}
	later := now.Add(11 * time.Minute)
	c.Seen("after", later.Add(time.Minute), later)
	if c.Len() != 1 {
		t.Fatalf("after expiry len %d, want 1", c.Len())
	}
}

// BenchmarkReplayCacheFull: the cost of a check once the cache is full of
// live signatures, as under a steady 1,000 signed requests a second.
func BenchmarkReplayCacheFull(b *testing.B) {
	c := signedheader.NewReplayCache(0)
	for i := range 100_000 {
		c.Seen(fmt.Sprint("warm-", i), now.Add(10*time.Minute), now)
	}
	keys := make([]string, b.N)
	for i := range keys {
		keys[i] = fmt.Sprint("sig-", i)
	}
	b.ResetTimer()
	for i := range b.N {
		c.Seen(keys[i], now.Add(10*time.Minute), now)
	}
}
