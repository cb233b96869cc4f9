package main

import (
	"bytes"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/lgsp-vn/lgsp/platform/edxml"
)

// packageSize is the size of the packages sent: 10 KiB, as the throughput
// target specifies, most of it one base64 attachment.
const packageSize = 10 * 1024

// serialDigits is the width of the serial stamped into each DocumentId.
const serialDigits = 12

// docFactory hands out packages that differ only in their DocumentId. The
// package is built once with edxml.BuildDocument; each one after is a copy
// with the next serial written over a placeholder of the same width, so
// that the load generator spends its CPU on sending, not on building XML,
// and every package is still valid and has its own DocumentId (and so its
// own SHA-256).
type docFactory struct {
	tmpl []byte
	at   int // offset of the serial in tmpl
	next atomic.Int64
}

// newDocFactory builds the template from agency from to the agencies to;
// tag tells runs of the same sender apart in the DocumentId's notation.
func newDocFactory(from string, to []string, tag string) (*docFactory, error) {
	placeholder := strings.Repeat("0", serialDigits)
	date := time.Now().In(time.FixedZone("ICT", 7*3600)).Format("2006/01/02")
	d := edxml.Document{
		From:             edxml.Organization{OrganID: from},
		DocumentID:       from + "," + date + "," + placeholder + "/" + tag,
		Code:             edxml.Code{CodeNumber: "BENCH", CodeNotation: tag},
		PromulgationInfo: edxml.PromulgationInfo{Place: "Hà Nội", PromulgationDate: date},
		DocumentType:     edxml.DocumentType{Type: "1", TypeName: "Công văn"},
		Subject:          "Văn bản thử tải trục liên thông / document exchange load test",
		Business:         edxml.Business{BussinessDocType: edxml.DocNew},
	}
	for _, code := range to {
		d.To = append(d.To, edxml.Organization{OrganID: code})
	}
	build := func(n int) ([]byte, error) {
		return edxml.BuildDocument(d, edxml.File{Name: "noi-dung.txt", ContentType: "text/plain", Content: strings.NewReader(attachmentText(n))})
	}
	empty, err := build(0)
	if err != nil {
		return nil, err
	}
	// base64 writes 4 bytes for every 3.
	n := max((packageSize-len(empty))*3/4, 0)
	tmpl, err := build(n)
	if err != nil {
		return nil, err
	}
	if c := bytes.Count(tmpl, []byte(d.DocumentID)); c != 1 {
		return nil, fmt.Errorf("the DocumentId appears %d times in the package, want 1", c)
	}
	return &docFactory{tmpl: tmpl, at: bytes.Index(tmpl, []byte(d.DocumentID)) + len(from+","+date+",")}, nil
}

// attachmentText is n bytes of Vietnamese text, padded with ASCII so that
// no character is cut.
func attachmentText(n int) string {
	const line = "Nội dung văn bản dùng để đo tải của trục liên thông văn bản. "
	var b strings.Builder
	for b.Len()+len(line) <= n {
		b.WriteString(line)
	}
	for b.Len() < n {
		b.WriteByte('.')
	}
	return b.String()
}

// size is the size of every package.
func (f *docFactory) size() int { return len(f.tmpl) }

// make returns a fresh package with the next serial.
func (f *docFactory) make() []byte {
	return f.stamp(f.next.Add(1))
}

func (f *docFactory) stamp(serial int64) []byte {
	pkg := make([]byte, len(f.tmpl))
	copy(pkg, f.tmpl)
	digits := fmt.Appendf(nil, "%0*d", serialDigits, serial)
	copy(pkg[f.at:f.at+serialDigits], digits[len(digits)-serialDigits:])
	return pkg
}
