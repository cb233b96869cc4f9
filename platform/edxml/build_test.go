package edxml

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"reflect"
	"strconv"
	"testing"
	"time"
)

// checkDocumentRoundTrip checks the accessors against Document, then builds
// a package from what p holds and parses it back to the same fields and
// attachment contents.
func checkDocumentRoundTrip(t testing.TB, p *Package) {
	t.Helper()
	d := p.Document()
	accessors := []struct {
		name      string
		got, want any
	}{
		{"From", p.From(), d.From},
		{"To", p.To(), d.To},
		{"DocumentID", p.DocumentID(), d.DocumentID},
		{"Code", p.Code(), d.Code},
		{"PromulgationInfo", p.PromulgationInfo(), d.PromulgationInfo},
		{"DocumentType", p.DocumentType(), d.DocumentType},
		{"Subject", p.Subject(), d.Subject},
		{"Content", p.Content(), d.Content},
		{"SignerInfo", p.SignerInfo(), d.SignerInfo},
		{"DueDate", p.DueDate(), d.DueDate},
		{"Priority", p.Priority(), d.OtherInfo.Priority},
		{"SteeringType", p.SteeringType(), d.SteeringType},
		{"ResponseFor", p.ResponseFor(), d.ResponseFor},
		{"Business", p.Business(), d.Business},
		{"BusinessDocType", p.BusinessDocType(), d.Business.BussinessDocType},
		{"Attachments", p.Attachments(), d.Attachments},
	}
	for _, a := range accessors {
		if !reflect.DeepEqual(a.got, a.want) {
			t.Fatalf("%s() = %#v, Document has %#v", a.name, a.got, a.want)
		}
	}
	for i, id := range p.ToIDs() {
		if id != d.To[i].OrganID {
			t.Fatalf("ToIDs()[%d] = %q", i, id)
		}
	}

	want := d
	want.Attachments = append([]Attachment(nil), d.Attachments...)
	var files []File
	var contents [][]byte
	for i, a := range d.Attachments {
		r, err := p.OpenAttachment(i)
		if err != nil {
			t.Fatal(err)
		}
		c, err := io.ReadAll(r)
		if err != nil {
			c = nil // lenient parse: the attachment did not decode and has Size 0
		}
		if int64(len(c)) != a.Size {
			t.Fatalf("attachment %d: Size %d, read %d bytes", i, a.Size, len(c))
		}
		if a.ContentID == "" {
			want.Attachments[i].ContentID = "cid:" + strconv.Itoa(i+1)
		}
		files = append(files, File{ContentID: a.ContentID, Name: a.Name, ContentType: a.ContentType, Description: a.Description, Content: bytes.NewReader(c)})
		contents = append(contents, c)
	}
	built, err := BuildDocument(d, files...)
	if err != nil {
		t.Fatalf("BuildDocument of parsed fields: %v", err)
	}
	p2, err := Parse(built)
	if err != nil {
		t.Fatalf("Parse of built package: %v\n%s", err, built)
	}
	if got := p2.Document(); !reflect.DeepEqual(got, want) {
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(want)
		t.Fatalf("round trip differs:\n got %s\nwant %s", g, w)
	}
	for i, c := range contents {
		r, _ := p2.OpenAttachment(i)
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, c) {
			t.Fatalf("attachment %d differs after the round trip (err %v)", i, err)
		}
	}
}

func checkStatusRoundTrip(t testing.TB, p *StatusPackage) {
	t.Helper()
	s := p.Status()
	if p.From() != s.From || p.ResponseFor() != s.ResponseFor || p.StaffInfo() != s.StaffInfo ||
		p.StatusCode() != s.StatusCode || p.Description() != s.Description || p.Timestamp() != s.Timestamp {
		t.Fatalf("accessors disagree with Status() %#v", s)
	}
	built, err := BuildStatus(s)
	if err != nil {
		t.Fatalf("BuildStatus of parsed fields: %v", err)
	}
	p2, err := ParseStatus(built)
	if err != nil {
		t.Fatalf("ParseStatus of built package: %v\n%s", err, built)
	}
	if got := p2.Status(); got != s {
		t.Fatalf("round trip differs:\n got %#v\nwant %#v", got, s)
	}
}

func sampleDocument() Document {
	return Document{
		From: Organization{OrganID: "000.00.00.H30", OrganName: "UBND tỉnh Kiên Giang", OrganAdd: "06 Nguyễn Công Trứ", Email: "vp@kiengiang.gov.vn"},
		To: []Organization{
			{OrganID: "000.00.00.G22", OrganName: "Văn phòng Chính phủ"},
			{OrganID: "000.00.12.H30", OrganName: "Sở Tài chính & <Kế hoạch>"},
		},
		DocumentID:       "000.00.00.H30,2026/03/02,123/UBND-VP",
		Code:             Code{CodeNumber: "123", CodeNotation: "UBND-VP"},
		PromulgationInfo: PromulgationInfo{Place: "Rạch Giá", PromulgationDate: "2026/03/02"},
		DocumentType:     DocumentType{Type: "1", TypeDetail: "0", TypeName: "Công văn"},
		Subject:          "V/v triển khai \"liên thông\" văn bản",
		Content:          "Dòng một\nDòng hai\tcó tab",
		SignerInfo:       SignerInfo{Competence: "KT. CHỦ TỊCH", Position: "Phó Chủ tịch", FullName: "Nguyễn Văn A"},
		DueDate:          "2026/03/20",
		OtherInfo:        OtherInfo{Priority: "1", PromulgationAmount: "2", PageAmount: "3", Direction: "false", Appendixes: []string{"Phụ lục I", "Phụ lục II"}},
		SteeringType:     "1",
		ToPlaces:         []string{"Như trên", "Lưu: VT"},
		ResponseFor:      []ResponseFor{{OrganID: "000.00.00.G22", Code: "7816/VPCP-TTĐT", PromulgationDate: "2015/09/30", DocumentID: "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"}},
		TraceHeaders:     []TraceHeader{{OrganID: "000.00.00.H30", Timestamp: "2026/03/02 08:15:00"}},
		Business: Business{
			DocumentID: "000.00.00.H30,2026/03/01,120/UBND-VP", BussinessDocType: DocReplace, BussinessDocReason: "Thay thế văn bản", Paper: "0",
			StaffInfo:    StaffInfo{Department: "Văn thư", Staff: "Trần Thị B", Mobile: "0912000001", Email: "vt@kiengiang.gov.vn"},
			DocumentInfo: "1", DocumentReceiver: "1",
			ReceiverList:    []Receiver{{OrganID: "000.00.00.G22", ReceiverType: "0"}},
			ReplacementList: []Replacement{{DocumentID: "000.00.00.H30,2026/03/01,120/UBND-VP", OrganIDs: []string{"000.00.00.G22", "000.00.12.H30"}}},
		},
	}
}

func TestBuildParseRoundTrip(t *testing.T) {
	d := sampleDocument()
	// Decomposed diacritics and surrounding whitespace come back trimmed and in NFC.
	d.SignerInfo.FullName = "\t Nguye\u0302\u0303n Va\u0306n A\r\n"
	rng := rand.New(rand.NewPCG(1, 2))
	var files []File
	var contents [][]byte
	for i, n := range []int{0, 1, 2, 3, 4, 1000, 3 << 20} {
		c := make([]byte, n)
		for j := range c {
			c[j] = byte(rng.Uint32())
		}
		contents = append(contents, c)
		files = append(files, File{Name: "tệp " + strconv.Itoa(i) + ".pdf", ContentType: "application/pdf", Description: "mô tả", Content: bytes.NewReader(c)})
	}
	built, err := BuildDocument(d, files...)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(built)
	if err != nil {
		t.Fatalf("%v\n%.3000s", err, built)
	}
	want := d
	want.SignerInfo.FullName = "Nguyễn Văn A"
	for i, f := range files {
		want.Attachments = append(want.Attachments, Attachment{ContentID: "cid:" + strconv.Itoa(i+1), Name: f.Name, ContentType: f.ContentType, Description: f.Description, Size: int64(len(contents[i]))})
	}
	if got := p.Document(); !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", " ")
		t.Fatalf("round trip differs:\n%s", g)
	}
	for i, c := range contents {
		r, err := p.OpenAttachment(i)
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(r)
		if err != nil || !bytes.Equal(got, c) {
			t.Fatalf("attachment %d: %d bytes, err %v", i, len(got), err)
		}
	}
	if _, err := p.OpenAttachment(len(contents)); err == nil {
		t.Fatal("OpenAttachment past the end succeeded")
	}
	if len(p.Warnings()) != 0 {
		t.Fatalf("warnings on a built package: %v", p.Warnings())
	}
	if !bytes.Contains(built, []byte(`xmlns="`+Namespace+`"`)) || !bytes.Contains(built, []byte("<edXML:MessageHeader>")) {
		t.Fatal("built package lacks the national namespace or element names")
	}
	checkDocumentRoundTrip(t, p)
}

func TestBuildStatusRoundTrip(t *testing.T) {
	s := Status{
		From:        Organization{OrganID: "000.00.00.G22", OrganName: "Văn phòng Chính phủ"},
		ResponseFor: ResponseFor{OrganID: "000.00.00.H30", Code: "123/UBND-VP", PromulgationDate: "2026/03/02", DocumentID: "000.00.00.H30,2026/03/02,123/UBND-VP"},
		StaffInfo:   StaffInfo{Department: "Văn thư", Staff: "Lê C"},
		StatusCode:  StatusAccepted,
		Description: "Đã tiếp nhận, vào sổ văn bản đến",
		Timestamp:   FormatTimestamp(mustTime(t, "2026/03/02 09:00:01")),
	}
	for _, code := range []StatusCode{StatusArrived, StatusRejected, StatusAccepted, StatusAssigned, StatusProcessing, StatusFinished, StatusWithdrawn, StatusChangeAccepted, StatusChangeRefused} {
		s.StatusCode = code
		b, err := BuildStatus(s)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParseStatus(b)
		if err != nil {
			t.Fatalf("%s: %v\n%s", code, err, b)
		}
		if p.Status() != s {
			t.Fatalf("%s: got %#v", code, p.Status())
		}
		checkStatusRoundTrip(t, p)
		if _, err := Parse(b); err == nil {
			t.Fatal("a status parsed as a document")
		}
	}
}

func TestBuildRefuses(t *testing.T) {
	d := sampleDocument()
	d.From.OrganID = "  "
	if _, err := BuildDocument(d); !isCode(err, "missing_field") {
		t.Fatalf("blank From: %v", err)
	}
	d = sampleDocument()
	d.Subject = "bad \x01 char"
	if _, err := BuildDocument(d); !isCode(err, "bad_value") {
		t.Fatalf("control character: %v", err)
	}
	d = sampleDocument()
	d.DueDate = "20/03/2026"
	if _, err := BuildDocument(d); !isCode(err, "bad_date") {
		t.Fatalf("bad date: %v", err)
	}
	d = sampleDocument()
	d.Business.BussinessDocType = 4
	if _, err := BuildDocument(d); !isCode(err, "bad_value") {
		t.Fatalf("doc type 4: %v", err)
	}
	if _, err := BuildStatus(Status{From: Organization{OrganID: "x"}, ResponseFor: ResponseFor{DocumentID: "y"}, StatusCode: "07", Timestamp: "2026/01/01 00:00:00"}); !isCode(err, "bad_value") {
		t.Fatalf("status 07: %v", err)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	tm, err := ParseTimestamp(s)
	if err != nil {
		t.Fatal(err)
	}
	return tm
}

func isCode(err error, code string) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}
