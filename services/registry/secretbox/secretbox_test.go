package secretbox

import (
	"errors"
	"testing"
)

func TestRoundTripAndBinding(t *testing.T) {
	key, err := ParseKey(GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	s := b.SealString("s3cret", "credential:1")
	if s == "" || s == "s3cret" {
		t.Fatalf("sealed = %q", s)
	}
	if s2 := b.SealString("s3cret", "credential:1"); s2 == s {
		t.Fatal("two seals of the same value are identical (nonce reuse)")
	}
	got, err := b.OpenString(s, "credential:1")
	if err != nil || got != "s3cret" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := b.OpenString(s, "credential:2"); !errors.Is(err, ErrOpen) {
		t.Fatalf("open with another context = %v, want ErrOpen", err)
	}
	other, _ := New(make([]byte, KeySize))
	if _, err := other.OpenString(s, "credential:1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("open with another key = %v, want ErrOpen", err)
	}
	if _, err := b.OpenString(s[:len(s)-2]+"AA", "credential:1"); !errors.Is(err, ErrOpen) {
		t.Fatalf("open of a damaged value = %v, want ErrOpen", err)
	}
	if v := b.SealString("", "x"); v != "" {
		t.Fatalf("seal of empty = %q", v)
	}
}

func TestParseKey(t *testing.T) {
	if _, err := ParseKey("short"); err == nil {
		t.Fatal("short key accepted")
	}
	if _, err := ParseKey("AAAA"); err == nil {
		t.Fatal("3-byte key accepted")
	}
	if _, err := New(make([]byte, 16)); err == nil {
		t.Fatal("16-byte key accepted")
	}
}
