package edxml

import (
	"bytes"
	"encoding/xml"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/unicode/norm"
)

// Options tune parsing. The zero value is the strict default.
type Options struct {
	// MaxSize is the largest package accepted, in bytes; 0 means DefaultMaxSize.
	MaxSize int64
	// LenientAttachments accepts a package whose attachment content is not
	// valid base64, reporting it in Warnings (with Size 0) instead of
	// refusing it. The national SDK's own sample edoc_small.edxml carries a
	// test-tool placeholder instead of content; a strict parse refuses it.
	LenientAttachments bool
}

func (o Options) maxSize() int64 {
	if o.MaxSize <= 0 {
		return DefaultMaxSize
	}
	return o.MaxSize
}

// Package is a parsed document package. It keeps the bytes exactly as
// received; nothing in this package ever re-serialises them.
type Package struct {
	raw      []byte
	doc      Document
	spans    [][]span
	warnings []*Error
	signed   bool
}

// StatusPackage is a parsed status package, kept byte for byte like Package.
type StatusPackage struct {
	raw      []byte
	st       Status
	warnings []*Error
	signed   bool
}

// Parse parses a document package with the default options.
func Parse(data []byte) (*Package, error) { return Options{}.Parse(data) }

// ParseStatus parses a status package with the default options.
func ParseStatus(data []byte) (*StatusPackage, error) { return Options{}.ParseStatus(data) }

// Parse parses and validates a document package. data is retained, not
// copied: the caller must not modify it afterwards. Every refusal is an
// *Error.
func (o Options) Parse(data []byte) (*Package, error) {
	s, err := scan(data, o)
	if err != nil {
		return nil, err
	}
	if s.sawStatusCode {
		return nil, ErrWrongKind.with("MessageHeader/StatusCode", "a status package was given where a document was expected")
	}
	if err := validateDocument(&s.doc); err != nil {
		return nil, err
	}
	p := &Package{raw: data, doc: s.doc, spans: s.spans, warnings: s.warnings, signed: s.signed}
	for i := range p.doc.Attachments {
		a := &p.doc.Attachments[i]
		n, err := io.Copy(io.Discard, p.openSpans(i))
		if err != nil {
			if !o.LenientAttachments {
				return nil, err
			}
			detail := err.Error()
			if e, ok := err.(*Error); ok {
				detail = e.Detail
			}
			p.warnings = append(p.warnings, warn(WarnBadBase64, attachmentField, "%s (%s)", detail, a.Name))
			n = 0
		}
		a.Size = n
	}
	return p, nil
}

// ParseStatus parses and validates a status package. data is retained, not
// copied.
func (o Options) ParseStatus(data []byte) (*StatusPackage, error) {
	s, err := scan(data, o)
	if err != nil {
		return nil, err
	}
	if !s.sawStatusCode {
		return nil, ErrWrongKind.with("MessageHeader/StatusCode", "a document package was given where a status was expected")
	}
	st := Status{From: s.doc.From, StaffInfo: s.staff, StatusCode: s.statusCode, Description: s.description, Timestamp: s.timestamp}
	if len(s.doc.ResponseFor) > 0 {
		st.ResponseFor = s.doc.ResponseFor[0]
	}
	if err := validateStatus(&st); err != nil {
		return nil, err
	}
	return &StatusPackage{raw: data, st: st, warnings: s.warnings, signed: s.signed}, nil
}

const attachmentField = "AttachmentEncoded/Attachment/ContentTransferEncoded"

func warn(code, field, format string, args ...any) *Error {
	e := &Error{Code: code, Message: "accepted with a warning", MessageVI: "được chấp nhận kèm cảnh báo"}
	return e.with(field, format, args...)
}

// Element paths below the root, as the scanner sees them.
const (
	pHeader   = "edXMLEnvelope/edXMLHeader"
	pMsg      = pHeader + "/MessageHeader/"
	pTrace    = pHeader + "/TraceHeaderList/"
	pBiz      = pTrace + "Bussiness/"
	pRef      = "edXMLEnvelope/edXMLBody/edXMLManifest/Reference"
	pAtt      = "AttachmentEncoded/Attachment"
	pContent  = pAtt + "/ContentTransferEncoded"
	maxDepth  = 64
	fieldTrim = " \t\r\n"
)

// span is a range of the raw input holding (part of) an attachment's
// character content: text, character references and CDATA sections, never
// markup.
type span struct{ off, end int }

// skipReader feeds the XML decoder byte by byte (it implements
// io.ByteReader, so the decoder adds no buffer of its own and never reads
// ahead); that lets the scanner move the position past an attachment's
// base64 text so the decoder never copies it.
type skipReader struct {
	b   []byte
	pos int
}

func (r *skipReader) ReadByte() (byte, error) {
	if r.pos >= len(r.b) {
		return 0, io.EOF
	}
	c := r.b[r.pos]
	r.pos++
	return c, nil
}

func (r *skipReader) Read(p []byte) (int, error) {
	if r.pos >= len(r.b) {
		return 0, io.EOF
	}
	n := copy(p, r.b[r.pos:])
	r.pos += n
	return n, nil
}

type scanner struct {
	raw     []byte
	r       *skipReader
	d       *xml.Decoder
	skipped int64

	key     []byte // path below the root, "/"-separated
	keyLens []int
	text    []byte
	depth   int // elements open, root included
	foreign int // >0 inside a skipped subtree (Signature, other namespaces)

	rootSeen, rootDone bool
	sawMessageHeader   bool
	sawStatusCode      bool
	signed             bool
	warnedStray        bool
	warnedNFD          bool

	doc         Document
	refs        []Attachment
	spans       [][]span
	inContent   bool
	staff       StaffInfo
	statusCode  StatusCode
	description string
	timestamp   string
	warnings    []*Error
}

// pos is the raw offset the decoder has reached.
func (s *scanner) pos() int { return int(s.d.InputOffset() + s.skipped) }

func scan(data []byte, o Options) (*scanner, error) {
	if int64(len(data)) > o.maxSize() {
		return nil, ErrTooLarge.with("", "%d bytes, limit %d", len(data), o.maxSize())
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, ErrEmpty
	}
	s := &scanner{raw: data, r: &skipReader{b: data}}
	s.d = xml.NewDecoder(s.r)
	s.d.Strict = true
	for {
		off := s.pos()
		tok, err := s.d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, ErrMalformed.with("", "%v", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			d := string(t)
			if len(d) > 40 {
				d = d[:40] + "…"
			}
			return nil, ErrDoctype.with("", "<!%s>", d)
		case xml.StartElement:
			if err := s.start(t); err != nil {
				return nil, err
			}
		case xml.EndElement:
			if err := s.end(); err != nil {
				return nil, err
			}
		case xml.CharData:
			switch {
			case s.depth == 0:
				if !s.warnedStray && len(bytes.Trim(t, fieldTrim+"\ufeff")) > 0 {
					s.warnedStray = true
					s.warnings = append(s.warnings, warn(WarnStrayBytes, "", "%d bytes of text outside the root element at offset %d", len(t), off))
				}
			case s.foreign > 0:
			case s.inContent:
				s.addSpan(off, s.pos())
			default:
				s.text = append(s.text, t...)
			}
		}
	}
	if !s.rootSeen {
		return nil, ErrRoot.with("", "no root element")
	}
	if !s.rootDone {
		return nil, ErrMalformed.with("", "unexpected end of input")
	}
	if !s.sawMessageHeader {
		return nil, ErrMissingField.at("edXMLEnvelope/edXMLHeader/MessageHeader")
	}
	s.mergeManifest()
	return s, nil
}

func (s *scanner) start(t xml.StartElement) error {
	if s.depth == 0 {
		if s.rootDone {
			return ErrMalformed.with("", "a second root element <%s>", t.Name.Local)
		}
		if t.Name.Local != "edXML" {
			return ErrRoot.with("", "<%s>", t.Name.Local)
		}
		if t.Name.Space != Namespace {
			return ErrNamespace.with("edXML", "%q", t.Name.Space)
		}
		s.rootSeen = true
		s.depth = 1
		return nil
	}
	s.depth++
	if s.depth > maxDepth {
		return ErrMalformed.with("", "elements nested deeper than %d", maxDepth)
	}
	if s.foreign > 0 {
		s.foreign++
		return nil
	}
	if t.Name.Local == "Signature" || !ours(t.Name.Space) {
		// The enveloped XML-DSig signature (in its own namespace, or in the
		// default edXML one as some senders write it) and extensions are
		// kept in the bytes but not interpreted.
		if t.Name.Local == "Signature" {
			s.signed = true
		}
		s.foreign = 1
		return nil
	}
	s.keyLens = append(s.keyLens, len(s.key))
	if len(s.key) > 0 {
		s.key = append(s.key, '/')
	}
	s.key = append(s.key, t.Name.Local...)
	s.text = s.text[:0]

	switch string(s.key) {
	case pHeader + "/MessageHeader":
		s.sawMessageHeader = true
	case pMsg + "To":
		s.doc.To = append(s.doc.To, Organization{})
	case pMsg + "ResponseFor":
		s.doc.ResponseFor = append(s.doc.ResponseFor, ResponseFor{})
	case pTrace + "TraceHeader":
		s.doc.TraceHeaders = append(s.doc.TraceHeaders, TraceHeader{})
	case pBiz + "BussinessDocumentInfo/ReceiverList/Receiver":
		s.doc.Business.ReceiverList = append(s.doc.Business.ReceiverList, Receiver{})
	case pBiz + "ReplacementInfoList/ReplacementInfo":
		s.doc.Business.ReplacementList = append(s.doc.Business.ReplacementList, Replacement{})
	case pRef:
		s.refs = append(s.refs, Attachment{})
	case pAtt:
		s.doc.Attachments = append(s.doc.Attachments, Attachment{})
		s.spans = append(s.spans, nil)
	case pContent:
		if len(s.spans) == 0 {
			return nil
		}
		s.inContent = true
		s.skipContent()
	}
	return nil
}

// skipAttachmentText is off only in a benchmark that measures what the skip saves.
var skipAttachmentText = true

// ours reports whether a child element is in the edXML namespace. Besides
// the namespace itself and no namespace, it accepts the bare prefix "edXML":
// the decoder reports an undeclared prefix as the namespace, and the national
// SDK's sample edoc_small.edxml uses edXML: on AttachmentEncoded outside the
// element that declares it.
func ours(space string) bool {
	return space == Namespace || space == "" || space == "edXML"
}

// skipContent moves the decoder past the base64 text that follows the
// ContentTransferEncoded start tag, recording it as a span of the raw input.
// It does so only when the decoder is exactly at the end of a start tag that
// is not self-closing; otherwise the decoder reads the text itself and the
// CharData tokens become spans, which is slower but equivalent.
func (s *scanner) skipContent() {
	p := s.pos()
	if !skipAttachmentText || s.r.pos != p || p < 2 || s.raw[p-1] != '>' || s.raw[p-2] == '/' {
		return
	}
	end := contentEnd(s.raw, p)
	if end > p {
		s.addSpan(p, end)
		s.skipped += int64(end - p)
		s.r.pos = end
	}
}

// contentEnd returns the offset of the first '<' at or after p that does not
// open a CDATA section; CDATA sections are stepped over whole. An
// unterminated CDATA section stops the scan at its start so that the
// decoder reports it.
func contentEnd(b []byte, p int) int {
	for {
		i := bytes.IndexByte(b[p:], '<')
		if i < 0 {
			return len(b)
		}
		p += i
		if !bytes.HasPrefix(b[p:], []byte("<![CDATA[")) {
			return p
		}
		j := bytes.Index(b[p+9:], []byte("]]>"))
		if j < 0 {
			return p
		}
		p += 9 + j + 3
	}
}

func (s *scanner) addSpan(off, end int) {
	if end <= off || len(s.spans) == 0 {
		return
	}
	last := len(s.spans) - 1
	s.spans[last] = append(s.spans[last], span{off, end})
}

func (s *scanner) end() error {
	if s.foreign > 0 {
		s.foreign--
		s.depth--
		return nil
	}
	s.depth--
	if s.depth == 0 {
		s.rootDone = true
		return nil
	}
	k := string(s.key)
	err := s.set(k)
	s.key = s.key[:s.keyLens[len(s.keyLens)-1]]
	s.keyLens = s.keyLens[:len(s.keyLens)-1]
	s.text = s.text[:0]
	return err
}

// value is the current element's text, trimmed and in NFC.
func (s *scanner) value() string {
	b := bytes.Trim(s.text, fieldTrim)
	if len(b) == 0 {
		return ""
	}
	if norm.NFC.QuickSpan(b) == len(b) {
		return string(b)
	}
	v := norm.NFC.String(string(b))
	if !s.warnedNFD {
		s.warnedNFD = true
		s.warnings = append(s.warnings, warn(WarnNormalized, "", "text in decomposed Unicode form was normalised to NFC"))
	}
	return v
}

func (s *scanner) set(k string) error {
	if k == pContent {
		s.inContent = false
		return nil
	}
	var field string
	switch {
	case strings.HasPrefix(k, pMsg):
		field = k[len(pMsg):]
	case strings.HasPrefix(k, pTrace):
		field = k[len(pTrace)-len("TraceHeaderList/"):]
	case strings.HasPrefix(k, pRef+"/"):
		if r := last(s.refs); r != nil {
			setAttachment(r, k[len(pRef)+1:], s.value())
		}
		return nil
	case strings.HasPrefix(k, pAtt+"/"):
		if a := last(s.doc.Attachments); a != nil {
			setAttachment(a, k[len(pAtt)+1:], s.value())
		}
		return nil
	default:
		return nil
	}
	d := &s.doc
	switch field {
	case "DocumentId":
		d.DocumentID = s.value()
	case "Code/CodeNumber":
		d.Code.CodeNumber = s.value()
	case "Code/CodeNotation":
		d.Code.CodeNotation = s.value()
	case "PromulgationInfo/Place":
		d.PromulgationInfo.Place = s.value()
	case "PromulgationInfo/PromulgationDate":
		d.PromulgationInfo.PromulgationDate = s.value()
	case "DocumentType/Type":
		d.DocumentType.Type = s.value()
	case "DocumentType/TypeDetail":
		d.DocumentType.TypeDetail = s.value()
	case "DocumentType/TypeName":
		d.DocumentType.TypeName = s.value()
	case "Subject":
		d.Subject = s.value()
	case "Content":
		d.Content = s.value()
	case "SignerInfo/Competence":
		d.SignerInfo.Competence = s.value()
	case "SignerInfo/Position":
		d.SignerInfo.Position = s.value()
	case "SignerInfo/FullName":
		d.SignerInfo.FullName = s.value()
	case "DueDate":
		d.DueDate = s.value()
	case "OtherInfo/Priority":
		d.OtherInfo.Priority = s.value()
	case "OtherInfo/SphereOfPromulgation":
		d.OtherInfo.SphereOfPromulgation = s.value()
	case "OtherInfo/TyperNotation":
		d.OtherInfo.TyperNotation = s.value()
	case "OtherInfo/PromulgationAmount":
		d.OtherInfo.PromulgationAmount = s.value()
	case "OtherInfo/PageAmount":
		d.OtherInfo.PageAmount = s.value()
	case "OtherInfo/Direction":
		d.OtherInfo.Direction = s.value()
	case "OtherInfo/Appendixes/Appendix":
		if v := s.value(); v != "" {
			d.OtherInfo.Appendixes = append(d.OtherInfo.Appendixes, v)
		}
	case "SteeringType":
		d.SteeringType = s.value()
	case "ToPlaces/Place":
		if v := s.value(); v != "" {
			d.ToPlaces = append(d.ToPlaces, v)
		}
	case "ResponseFor":
		// An empty ResponseFor (the samples have one) means none.
		if n := len(d.ResponseFor); n > 0 && d.ResponseFor[n-1].empty() {
			d.ResponseFor = d.ResponseFor[:n-1]
		}
	case "ResponseFor/OrganId":
		last(d.ResponseFor).OrganID = s.value()
	case "ResponseFor/Code":
		last(d.ResponseFor).Code = s.value()
	case "ResponseFor/PromulgationDate":
		last(d.ResponseFor).PromulgationDate = s.value()
	case "ResponseFor/DocumentId":
		last(d.ResponseFor).DocumentID = s.value()
	case "StatusCode":
		s.sawStatusCode = true
		v := s.value()
		if len(v) == 1 && v[0] >= '0' && v[0] <= '9' {
			v = "0" + v // some senders drop the leading zero
		}
		s.statusCode = StatusCode(v)
	case "Description":
		s.description = s.value()
	case "Timestamp":
		s.timestamp = s.value()
	case "TraceHeaderList/TraceHeader/OrganId":
		last(d.TraceHeaders).OrganID = s.value()
	case "TraceHeaderList/TraceHeader/Timestamp":
		last(d.TraceHeaders).Timestamp = s.value()
	case "TraceHeaderList/Bussiness/DocumentId":
		d.Business.DocumentID = s.value()
	case "TraceHeaderList/Bussiness/BussinessDocType":
		v := s.value()
		n, err := strconv.Atoi(v)
		if v != "" && (err != nil || n < 0 || n > 3) {
			return ErrBadValue.with("TraceHeaderList/Bussiness/BussinessDocType", "%q (0 new, 1 revoke, 2 update, 3 replace)", v)
		}
		d.Business.BussinessDocType = BusinessDocType(n)
	case "TraceHeaderList/Bussiness/BussinessDocReason":
		d.Business.BussinessDocReason = s.value()
	case "TraceHeaderList/Bussiness/Paper":
		d.Business.Paper = s.value()
	case "TraceHeaderList/Bussiness/BussinessDocumentInfo/DocumentInfo":
		d.Business.DocumentInfo = s.value()
	case "TraceHeaderList/Bussiness/BussinessDocumentInfo/DocumentReceiver":
		d.Business.DocumentReceiver = s.value()
	case "TraceHeaderList/Bussiness/BussinessDocumentInfo/ReceiverList/Receiver/OrganId":
		last(d.Business.ReceiverList).OrganID = s.value()
	case "TraceHeaderList/Bussiness/BussinessDocumentInfo/ReceiverList/Receiver/ReceiverType":
		last(d.Business.ReceiverList).ReceiverType = s.value()
	case "TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId":
		last(d.Business.ReplacementList).DocumentID = s.value()
	case "TraceHeaderList/Bussiness/ReplacementInfoList/ReplacementInfo/OrganIdList/OrganId":
		if v := s.value(); v != "" {
			r := last(d.Business.ReplacementList)
			r.OrganIDs = append(r.OrganIDs, v)
		}
	default:
		switch {
		case strings.HasPrefix(field, "From/"):
			setOrganization(&d.From, field[len("From/"):], s.value())
		case strings.HasPrefix(field, "To/"):
			setOrganization(last(d.To), field[len("To/"):], s.value())
		case strings.HasPrefix(field, "StaffInfo/"):
			setStaff(&s.staff, field[len("StaffInfo/"):], s.value())
		case strings.HasPrefix(field, "TraceHeaderList/Bussiness/StaffInfo/"):
			setStaff(&d.Business.StaffInfo, field[len("TraceHeaderList/Bussiness/StaffInfo/"):], s.value())
		}
	}
	return nil
}

// last returns the last element of a list the scanner appended to when the
// element started; the start handler guarantees it exists.
func last[T any](l []T) *T {
	if len(l) == 0 {
		return new(T) // unreachable through scan; harmless sink otherwise
	}
	return &l[len(l)-1]
}

func setOrganization(o *Organization, f, v string) {
	switch f {
	case "OrganId":
		o.OrganID = v
	case "OrganizationInCharge":
		o.OrganizationInCharge = v
	case "OrganName":
		o.OrganName = v
	case "OrganAdd":
		o.OrganAdd = v
	case "Email":
		o.Email = v
	case "Telephone":
		o.Telephone = v
	case "Fax":
		o.Fax = v
	case "Website":
		o.Website = v
	}
}

func setStaff(s *StaffInfo, f, v string) {
	switch f {
	case "Department":
		s.Department = v
	case "Staff":
		s.Staff = v
	case "Mobile":
		s.Mobile = v
	case "Email":
		s.Email = v
	}
}

func setAttachment(a *Attachment, f, v string) {
	switch f {
	case "ContentId":
		a.ContentID = v
	case "AttachmentName":
		a.Name = v
	case "ContentType":
		a.ContentType = v
	case "Description":
		a.Description = v
	}
}

// mergeManifest fills what an Attachment leaves out from the manifest
// Reference with the same ContentId, and warns about references without
// content and content without a reference.
func (s *scanner) mergeManifest() {
	used := make([]bool, len(s.refs))
	for i := range s.doc.Attachments {
		a := &s.doc.Attachments[i]
		found := false
		for j, r := range s.refs {
			if used[j] || r.ContentID != a.ContentID {
				continue
			}
			used[j], found = true, true
			if a.Name == "" {
				a.Name = r.Name
			}
			if a.ContentType == "" {
				a.ContentType = r.ContentType
			}
			if a.Description == "" {
				a.Description = r.Description
			}
			break
		}
		if !found && len(s.refs) > 0 {
			s.warnings = append(s.warnings, warn(WarnManifestMismatch, pRef, "attachment %q is not in the manifest", a.ContentID))
		}
	}
	for j, r := range s.refs {
		if !used[j] {
			s.warnings = append(s.warnings, warn(WarnManifestMismatch, pRef, "manifest reference %q has no attachment", r.ContentID))
		}
	}
}

// Bytes returns the package exactly as received. The caller must not modify it.
func (p *Package) Bytes() []byte { return p.raw }

// Size is the package's length in bytes.
func (p *Package) Size() int { return len(p.raw) }

// Document returns a copy of everything extracted from the header.
func (p *Package) Document() Document { return p.doc.clone() }

// Warnings lists what a lenient parse accepted and the caller should log.
func (p *Package) Warnings() []*Error { return append([]*Error(nil), p.warnings...) }

// Signed reports whether the header carries an XML-DSig Signature element.
// The signature is not verified here.
func (p *Package) Signed() bool { return p.signed }

func (p *Package) From() Organization                 { return p.doc.From }
func (p *Package) To() []Organization                 { return append([]Organization(nil), p.doc.To...) }
func (p *Package) DocumentID() string                 { return p.doc.DocumentID }
func (p *Package) Code() Code                         { return p.doc.Code }
func (p *Package) PromulgationInfo() PromulgationInfo { return p.doc.PromulgationInfo }
func (p *Package) DocumentType() DocumentType         { return p.doc.DocumentType }
func (p *Package) Subject() string                    { return p.doc.Subject }
func (p *Package) Content() string                    { return p.doc.Content }
func (p *Package) SignerInfo() SignerInfo             { return p.doc.SignerInfo }
func (p *Package) DueDate() string                    { return p.doc.DueDate }
func (p *Package) Priority() string                   { return p.doc.OtherInfo.Priority }
func (p *Package) SteeringType() string               { return p.doc.SteeringType }
func (p *Package) ResponseFor() []ResponseFor {
	return append([]ResponseFor(nil), p.doc.ResponseFor...)
}
func (p *Package) Business() Business               { return p.doc.clone().Business }
func (p *Package) BusinessDocType() BusinessDocType { return p.doc.Business.BussinessDocType }
func (p *Package) Attachments() []Attachment        { return append([]Attachment(nil), p.doc.Attachments...) }

// ToIDs lists the recipients' agency codes in the order of the package.
func (p *Package) ToIDs() []string {
	ids := make([]string, len(p.doc.To))
	for i, t := range p.doc.To {
		ids[i] = t.OrganID
	}
	return ids
}

// OpenAttachment streams the decoded content of attachment i straight from
// the received bytes, without holding it in memory.
func (p *Package) OpenAttachment(i int) (io.Reader, error) {
	if i < 0 || i >= len(p.spans) {
		return nil, ErrNoAttachment.with(attachmentField, "%d", i)
	}
	return p.openSpans(i), nil
}

func (p *Package) openSpans(i int) io.Reader {
	return &contentReader{raw: p.raw, spans: p.spans[i], index: i}
}

// Bytes returns the status package exactly as received.
func (p *StatusPackage) Bytes() []byte            { return p.raw }
func (p *StatusPackage) Status() Status           { return p.st }
func (p *StatusPackage) Warnings() []*Error       { return append([]*Error(nil), p.warnings...) }
func (p *StatusPackage) Signed() bool             { return p.signed }
func (p *StatusPackage) From() Organization       { return p.st.From }
func (p *StatusPackage) ResponseFor() ResponseFor { return p.st.ResponseFor }
func (p *StatusPackage) StaffInfo() StaffInfo     { return p.st.StaffInfo }
func (p *StatusPackage) StatusCode() StatusCode   { return p.st.StatusCode }
func (p *StatusPackage) Description() string      { return p.st.Description }
func (p *StatusPackage) Timestamp() string        { return p.st.Timestamp }

func (d Document) clone() Document {
	c := d
	c.To = append([]Organization(nil), d.To...)
	c.OtherInfo.Appendixes = append([]string(nil), d.OtherInfo.Appendixes...)
	c.ToPlaces = append([]string(nil), d.ToPlaces...)
	c.ResponseFor = append([]ResponseFor(nil), d.ResponseFor...)
	c.TraceHeaders = append([]TraceHeader(nil), d.TraceHeaders...)
	c.Business.ReceiverList = append([]Receiver(nil), d.Business.ReceiverList...)
	c.Business.ReplacementList = nil
	for _, r := range d.Business.ReplacementList {
		r.OrganIDs = append([]string(nil), r.OrganIDs...)
		c.Business.ReplacementList = append(c.Business.ReplacementList, r)
	}
	c.Attachments = append([]Attachment(nil), d.Attachments...)
	return c
}
