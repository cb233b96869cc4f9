package edxml

import (
	"errors"
	"regexp"
	"testing"
)

func seedFuzz(f *testing.F, status bool) {
	// The fixtures seed the corpus when present (required in CI), so that
	// the fuzz targets also run from a checkout without shared/.
	// Attachments longer than a few lines are cut short (to 64 base64
	// characters): the mutator learns nothing from 360 KB of base64, and
	// minimising such inputs takes longer than a short fuzz run.
	re := regexp.MustCompile(`(?s)(<(?:edXML:)?ContentTransferEncoded[^>]*>)([A-Za-z0-9+/=\s]{64})[A-Za-z0-9+/=\s]*(</)`)
	for _, fx := range readFixtures(fixtureDirOptional(f)) {
		if isStatusFixture(fx.name) == status {
			f.Add(re.ReplaceAll(fx.data, []byte("$1$2$3")))
		}
	}
	f.Add([]byte(`<edXML xmlns="` + Namespace + `"><edXMLEnvelope><edXMLHeader><MessageHeader/></edXMLHeader></edXMLEnvelope></edXML>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><edXML xmlns="` + Namespace + `"/>`))
}

func checkRefusal(t *testing.T, err error) {
	var e *Error
	if !errors.As(err, &e) || e.Code == "" || e.Message == "" || e.MessageVI == "" {
		t.Fatalf("refusal is not a catalogue error: %v", err)
	}
}

// FuzzParse: the parser never panics, refuses only with catalogue errors,
// keeps the input as it is, and what it accepts round-trips through the
// accessors and the builder.
func FuzzParse(f *testing.F) {
	seedFuzz(f, false)
	f.Fuzz(func(t *testing.T, data []byte) {
		orig := string(data)
		p, err := Options{LenientAttachments: true}.Parse(data)
		if string(data) != orig {
			t.Fatal("Parse modified its input")
		}
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if !sameBytes(p.Bytes(), data) {
			t.Fatal("Bytes() is not the input")
		}
		checkDocumentRoundTrip(t, p)
	})
}

// FuzzStatus is FuzzParse for status packages.
func FuzzStatus(f *testing.F) {
	seedFuzz(f, true)
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseStatus(data)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		if !sameBytes(p.Bytes(), data) {
			t.Fatal("Bytes() is not the input")
		}
		checkStatusRoundTrip(t, p)
	})
}
