package edxml

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/iotest"
)

func builtDocument(t *testing.T) []byte {
	t.Helper()
	b, err := BuildDocument(sampleDocument(), File{Name: "a.pdf", ContentType: "application/pdf", Content: strings.NewReader("%PDF-1.7 nội dung")})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func builtStatus(t *testing.T) []byte {
	t.Helper()
	b, err := BuildStatus(Status{
		From:        Organization{OrganID: "000.00.00.G22"},
		ResponseFor: ResponseFor{OrganID: "000.00.00.H30", DocumentID: "000.00.00.H30,2026/03/02,123/UBND-VP", PromulgationDate: "2026/03/02"},
		StatusCode:  StatusFinished,
		Timestamp:   "2026/03/05 16:00:00",
	})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// replace changes exactly one occurrence, so that a test cannot silently
// stop testing what it says.
func replace(t *testing.T, b []byte, old, new string) []byte {
	t.Helper()
	if n := bytes.Count(b, []byte(old)); n != 1 {
		t.Fatalf("%q occurs %d times", old, n)
	}
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

func TestValidationErrors(t *testing.T) {
	doc := builtDocument(t)
	st := builtStatus(t)
	decl := `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
	body := doc[len(decl):]
	const billion = `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>`
	cases := []struct {
		name   string
		status bool
		data   []byte
		opt    Options
		code   string
		field  string
	}{
		{"empty", false, []byte(" \r\n"), Options{}, "empty", ""},
		{"not XML", false, []byte("hello"), Options{}, "bad_root", ""},
		{"broken XML", false, doc[:len(doc)/2], Options{}, "malformed_xml", ""},
		{"size limit", false, doc, Options{MaxSize: int64(len(doc) - 1)}, "too_large", ""},
		{"DTD", false, []byte(decl + `<!DOCTYPE edXML>` + "\n" + string(body)), Options{}, "doctype_forbidden", ""},
		{"external entity", false, []byte(decl + `<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + string(replace(t, body, "Rạch Giá", "&xxe;"))), Options{}, "doctype_forbidden", ""},
		{"entity expansion", false, []byte(decl + billion + string(replace(t, body, "Rạch Giá", "&lol2;"))), Options{}, "doctype_forbidden", ""},
		{"entity declaration inside", false, replace(t, doc, "<edXML:edXMLBody>", `<!ENTITY x "y"><edXML:edXMLBody>`), Options{}, "doctype_forbidden", ""},
		{"undeclared entity", false, replace(t, doc, "Rạch Giá", "&x;"), Options{}, "malformed_xml", ""},
		{"wrong namespace", false, replace(t, doc, `<edXML xmlns="`+Namespace, `<edXML xmlns="urn:other`), Options{}, "bad_namespace", "edXML"},
		{"no namespace", false, replace(t, doc, ` xmlns="`+Namespace+`"`, ``), Options{}, "bad_namespace", "edXML"},
		{"wrong root", false, []byte(`<doc xmlns="` + Namespace + `"/>`), Options{}, "bad_root", ""},
		{"second root", false, append(append([]byte{}, doc...), `<edXML xmlns="`+Namespace+`"/>`...), Options{}, "malformed_xml", ""},
		{"no MessageHeader", false, []byte(`<edXML xmlns="` + Namespace + `"><edXMLEnvelope/></edXML>`), Options{}, "missing_field", "edXMLEnvelope/edXMLHeader/MessageHeader"},
		{"missing From", false, replace(t, doc, "<edXML:OrganId>000.00.00.H30</edXML:OrganId>\n          <edXML:OrganName>UBND", "<edXML:OrganName>UBND"), Options{}, "missing_field", "MessageHeader/From/OrganId"},
		{"empty To", false, replace(t, doc, "<edXML:OrganId>000.00.12.H30</edXML:OrganId>\n          <edXML:OrganName>Sở", "<edXML:OrganId>\t</edXML:OrganId><edXML:OrganName>Sở"), Options{}, "missing_field", "MessageHeader/To/OrganId"},
		{"missing DocumentId", false, replace(t, doc, "<edXML:DocumentId>000.00.00.H30,2026/03/02,123/UBND-VP</edXML:DocumentId>", ""), Options{}, "missing_field", "MessageHeader/DocumentId"},
		{"missing Subject", false, replace(t, replace(t, doc, "<edXML:Subject>", "<edXML:Other>"), "</edXML:Subject>", "</edXML:Other>"), Options{}, "missing_field", "MessageHeader/Subject"},
		{"bad date", false, replace(t, doc, "<edXML:PromulgationDate>2026/03/02", "<edXML:PromulgationDate>2026/02/30"), Options{}, "bad_date", "MessageHeader/PromulgationInfo/PromulgationDate"},
		{"bad due date", false, replace(t, doc, "2026/03/20", "20/03/2026"), Options{}, "bad_date", "MessageHeader/DueDate"},
		{"bad timestamp", false, replace(t, doc, "2026/03/02 08:15:00", "2026/03/02 25:15:00"), Options{}, "bad_date", "TraceHeaderList/TraceHeader/Timestamp"},
		{"bad doc type", false, replace(t, doc, "<edXML:BussinessDocType>3<", "<edXML:BussinessDocType>9<"), Options{}, "bad_value", "TraceHeaderList/Bussiness/BussinessDocType"},
		{"bad base64", false, replace(t, doc, "JVBERi0xLjcg", "JVBER!0xLjcg"), Options{}, "bad_base64", attachmentField},
		{"truncated base64", false, replace(t, doc, "JVBERi0xLjcg", "JVBERi0xLjcgQ"), Options{}, "bad_base64", attachmentField},
		{"data after padding", false, replace(t, doc, "</edXML:ContentTransferEncoded>", "QUJD</edXML:ContentTransferEncoded>"), Options{}, "bad_base64", attachmentField},
		{"status as document", false, st, Options{}, "wrong_kind", "MessageHeader/StatusCode"},
		{"document as status", true, doc, Options{}, "wrong_kind", "MessageHeader/StatusCode"},
		{"status missing From", true, replace(t, st, "<edXML:OrganId>000.00.00.G22</edXML:OrganId>", ""), Options{}, "missing_field", "MessageHeader/From/OrganId"},
		{"status unknown code", true, replace(t, st, "<edXML:StatusCode>06<", "<edXML:StatusCode>99<"), Options{}, "bad_value", "MessageHeader/StatusCode"},
		{"status no timestamp", true, replace(t, st, "<edXML:Timestamp>2026/03/05 16:00:00</edXML:Timestamp>", ""), Options{}, "missing_field", "MessageHeader/Timestamp"},
		{"status no document", true, replace(t, st, "<edXML:DocumentId>000.00.00.H30,2026/03/02,123/UBND-VP</edXML:DocumentId>", ""), Options{}, "missing_field", "MessageHeader/ResponseFor/DocumentId"},
		{"status DTD", true, []byte(decl + billion + string(st[len(decl):])), Options{}, "doctype_forbidden", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.status {
				_, err = c.opt.ParseStatus(c.data)
			} else {
				_, err = c.opt.Parse(c.data)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("want *Error %s, got %v", c.code, err)
			}
			if e.Code != c.code || e.Field != c.field {
				t.Fatalf("got %s at %q (%v), want %s at %q", e.Code, e.Field, e, c.code, c.field)
			}
			if e.Message == "" || e.MessageVI == "" || e.Message == e.MessageVI {
				t.Fatalf("messages: %q / %q", e.Message, e.MessageVI)
			}
			if !errors.Is(err, &Error{Code: c.code}) {
				t.Fatal("errors.Is does not match on the code")
			}
		})
	}
	// The documents the cases start from are valid.
	if _, err := Parse(doc); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseStatus(st); err != nil {
		t.Fatal(err)
	}
}

// A lenient parse accepts what does not decode and says so.
func TestLenientAttachments(t *testing.T) {
	bad := replace(t, builtDocument(t), "JVBERi0xLjcg", "JVBER!0xLjcg")
	p, err := Options{LenientAttachments: true}.Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	if a := p.Attachments(); a[0].Size != 0 || len(p.Warnings()) != 1 || p.Warnings()[0].Code != WarnBadBase64 {
		t.Fatalf("attachments %v warnings %v", a, p.Warnings())
	}
}

// Variants real senders write: CR as a character reference, CDATA, no
// padding, line breaks, content split by a comment, a BOM and stray bytes.
func TestAttachmentVariants(t *testing.T) {
	doc := builtDocument(t)
	want := "%PDF-1.7 nội dung"
	enc := "JVBERi0xLjcgbuG7mWkgZHVuZw=="
	for name, v := range map[string]string{
		"char refs":  "JVBERi0x&#13;&#xA;LjcgbuG7&#x20;mWkgZHVuZw==",
		"cdata":      "<![CDATA[JVBERi0xLjcg]]>\r\n<![CDATA[buG7mWkgZHVuZw==]]>",
		"no padding": "JVBERi0xLjcgbuG7mWkgZHVuZw",
		"wrapped":    "\r\n  JVBERi0xLjcg\r\nbuG7mWkgZHVuZw==\r\n  ",
		"comment":    "JVBERi0xLjcg<!-- split -->buG7mWkgZHVuZw==",
		"entity":     "JVBERi0xLjcgbuG7mWkgZHVuZw&#61;&#x3D;",
	} {
		t.Run(name, func(t *testing.T) {
			p, err := Parse(replace(t, doc, enc, v))
			if err != nil {
				t.Fatal(err)
			}
			r, _ := p.OpenAttachment(0)
			got, err := readAll(r)
			if err != nil || got != want {
				t.Fatalf("got %q, %v", got, err)
			}
		})
	}
	p, err := Parse(append([]byte("\ufeff1212"), doc...))
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Warnings(); len(w) != 1 || w[0].Code != WarnStrayBytes {
		t.Fatalf("warnings %v", w)
	}
}

func readAll(r interface{ Read([]byte) (int, error) }) (string, error) {
	var b bytes.Buffer
	_, err := b.ReadFrom(iotest.OneByteReader(r))
	return b.String(), err
}

func TestDates(t *testing.T) {
	for _, ok := range []string{"2026/03/02", "2026-03-02"} {
		if _, err := ParseDate(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "2026/3/2x", "02/03/2026", "2014/02/30", "2026/13/01"} {
		if _, err := ParseDate(bad); !isCode(err, "bad_date") {
			t.Errorf("%q: %v", bad, err)
		}
	}
	ts, err := ParseTimestamp("2015/09/20 11:08:36")
	if err != nil || ts.UTC().Hour() != 4 {
		t.Fatalf("%v %v (Vietnam is UTC+7)", ts, err)
	}
	if FormatTimestamp(ts) != "2015/09/20 11:08:36" || FormatDate(ts) != "2015/09/20" {
		t.Fatal(FormatTimestamp(ts))
	}
	for _, ok := range []string{"2015/09/20 11:08:36.123", "2015-09-20T11:08:36", "2015-09-20T11:08:36+07:00"} {
		if _, err := ParseTimestamp(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// javaHex is what the national SDK sends: Integer.toHexString per byte.
func javaHex(sum []byte) string {
	var s strings.Builder
	for _, b := range sum {
		fmt.Fprintf(&s, "%x", b)
	}
	return s.String()
}

func TestMatchHashFile(t *testing.T) {
	// Find a body whose digest has a byte below 0x10, so that the two forms differ.
	var body []byte
	for i := 0; ; i++ {
		body = []byte(fmt.Sprintf("<edXML>%d</edXML>", i))
		s := sha256.Sum256(body)
		if len(javaHex(s[:])) < 64 {
			break
		}
	}
	sum := sha256.Sum256(body)
	full, short := hex.EncodeToString(sum[:]), javaHex(sum[:])
	crlf := append(append([]byte{}, body...), '\r', '\n')
	crlfSum := sha256.Sum256(crlf)
	cases := []struct {
		name   string
		body   []byte
		hash   string
		hashed []byte
	}{
		{"hex", body, full, body},
		{"upper hex", body, strings.ToUpper(full), body},
		{"leading zeros dropped", body, short, body},
		{"spaces around", body, " " + full + "\t", body},
		{"SDK trailing CRLF", crlf, full, body},
		{"SDK trailing CRLF, short form", crlf, short, body},
		{"CRLF that is hashed", crlf, hex.EncodeToString(crlfSum[:]), crlf},
		{"two CRLFs", append(append([]byte{}, crlf...), '\r', '\n'), full, nil},
		{"other body", []byte("x"), full, nil},
		{"truncated hash", body, full[:63], nil},
		{"empty hash", body, "", nil},
	}
	for _, c := range cases {
		hashed, ok := MatchHashFile(c.body, c.hash)
		if ok != (c.hashed != nil) || !bytes.Equal(hashed, c.hashed) {
			t.Errorf("%s: got %q %v", c.name, hashed, ok)
		}
		_, err := CheckHashFile(c.body, c.hash)
		if (err == nil) != (c.hashed != nil) {
			t.Errorf("%s: CheckHashFile %v", c.name, err)
		}
	}
	if _, err := CheckHashFile(body, "zz"+full[2:]); !isCode(err, "bad_hash_format") {
		t.Errorf("non-hex: %v", err)
	}
	if _, err := CheckHashFile(body, strings.Repeat("0", 64)); !isCode(err, "hash_mismatch") {
		t.Errorf("mismatch: %v", err)
	}
	if HashFile(body) != full {
		t.Error("HashFile")
	}
}

func TestReadAll(t *testing.T) {
	data := bytes.Repeat([]byte("a"), 1000)
	for _, hint := range []int64{0, 10, 1000} {
		b, err := ReadAll(bytes.NewReader(data), 1000, hint)
		if err != nil || !bytes.Equal(b, data) {
			t.Fatalf("hint %d: %v", hint, err)
		}
	}
	if _, err := ReadAll(bytes.NewReader(data), 999, 0); !isCode(err, "too_large") {
		t.Fatalf("over the limit: %v", err)
	}
	if _, err := ReadAll(bytes.NewReader(data), 999, 1000); !isCode(err, "too_large") {
		t.Fatalf("announced over the limit: %v", err)
	}
}
