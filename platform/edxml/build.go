package edxml

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"io"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// File is an attachment for BuildDocument. Content is read once and
// base64-encoded as it streams into the package.
type File struct {
	ContentID   string // "cid:…"; "cid:<n>" (n from 1) when empty
	Name        string
	ContentType string
	Description string
	Content     io.Reader
}

// BuildDocument writes a document package for the platform's own API and
// returns it. It refuses, with the parser's errors, anything Parse would
// refuse. d.Attachments is ignored: the attachments are files.
func BuildDocument(d Document, files ...File) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteDocument(&b, d, files...); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// BuildStatus writes a status package.
func BuildStatus(s Status) ([]byte, error) {
	var b bytes.Buffer
	if err := WriteStatus(&b, s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteDocument is BuildDocument writing to w, so that large attachments go
// from their reader to w without being held in memory.
func WriteDocument(w io.Writer, d Document, files ...File) error {
	d = d.clone()
	d.Attachments = nil
	if err := cleanStrings(reflect.ValueOf(&d).Elem(), ""); err != nil {
		return err
	}
	if err := validateDocument(&d); err != nil {
		return err
	}
	metas := make([]File, len(files))
	for i, f := range files {
		if f.ContentID == "" {
			f.ContentID = "cid:" + strconv.Itoa(i+1)
		}
		if err := cleanStrings(reflect.ValueOf(&f).Elem(), pAtt); err != nil {
			return err
		}
		metas[i] = f
	}

	x := newXMLWriter(w)
	x.begin()
	x.open("edXMLHeader")
	x.open("MessageHeader")
	x.organization("From", d.From)
	for _, t := range d.To {
		x.organization("To", t)
	}
	x.leaf("DocumentId", d.DocumentID)
	x.open("Code")
	x.leaf("CodeNumber", d.Code.CodeNumber)
	x.leaf("CodeNotation", d.Code.CodeNotation)
	x.close("Code")
	x.open("PromulgationInfo")
	x.leaf("Place", d.PromulgationInfo.Place)
	x.leaf("PromulgationDate", d.PromulgationInfo.PromulgationDate)
	x.close("PromulgationInfo")
	x.open("DocumentType")
	x.leaf("Type", d.DocumentType.Type)
	x.leaf("TypeDetail", d.DocumentType.TypeDetail)
	x.leaf("TypeName", d.DocumentType.TypeName)
	x.close("DocumentType")
	x.leaf("Subject", d.Subject)
	x.leaf("Content", d.Content)
	x.open("SignerInfo")
	x.leaf("Competence", d.SignerInfo.Competence)
	x.leaf("Position", d.SignerInfo.Position)
	x.leaf("FullName", d.SignerInfo.FullName)
	x.close("SignerInfo")
	x.leaf("DueDate", d.DueDate)
	o := d.OtherInfo
	x.open("OtherInfo")
	x.leaf("Priority", o.Priority)
	x.leaf("SphereOfPromulgation", o.SphereOfPromulgation)
	x.leaf("TyperNotation", o.TyperNotation)
	x.leaf("PromulgationAmount", o.PromulgationAmount)
	x.leaf("PageAmount", o.PageAmount)
	x.leaf("Direction", o.Direction)
	x.leafList("Appendixes", "Appendix", o.Appendixes)
	x.close("OtherInfo")
	for _, r := range d.ResponseFor {
		x.responseFor(r)
	}
	x.leaf("SteeringType", d.SteeringType)
	x.leafList("ToPlaces", "Place", d.ToPlaces)
	x.close("MessageHeader")

	x.open("TraceHeaderList")
	for _, t := range d.TraceHeaders {
		x.open("TraceHeader")
		x.leaf("OrganId", t.OrganID)
		x.leaf("Timestamp", t.Timestamp)
		x.close("TraceHeader")
	}
	b := d.Business
	x.open("Bussiness")
	x.leaf("DocumentId", b.DocumentID)
	x.leaf("BussinessDocType", strconv.Itoa(int(b.BussinessDocType)))
	x.leaf("BussinessDocReason", b.BussinessDocReason)
	x.leaf("Paper", b.Paper)
	if b.DocumentInfo != "" || b.DocumentReceiver != "" || len(b.ReceiverList) > 0 {
		x.open("BussinessDocumentInfo")
		x.leaf("DocumentInfo", b.DocumentInfo)
		x.leaf("DocumentReceiver", b.DocumentReceiver)
		if len(b.ReceiverList) > 0 {
			x.open("ReceiverList")
			for _, r := range b.ReceiverList {
				x.open("Receiver")
				x.leaf("OrganId", r.OrganID)
				x.leaf("ReceiverType", r.ReceiverType)
				x.close("Receiver")
			}
			x.close("ReceiverList")
		}
		x.close("BussinessDocumentInfo")
	}
	x.staff(b.StaffInfo)
	if len(b.ReplacementList) > 0 {
		x.open("ReplacementInfoList")
		for _, r := range b.ReplacementList {
			x.open("ReplacementInfo")
			x.leaf("DocumentId", r.DocumentID)
			x.leafList("OrganIdList", "OrganId", r.OrganIDs)
			x.close("ReplacementInfo")
		}
		x.close("ReplacementInfoList")
	}
	x.close("Bussiness")
	x.close("TraceHeaderList")
	x.close("edXMLHeader")

	x.open("edXMLBody")
	if len(metas) > 0 {
		x.open(`edXMLManifest version="1.0"`)
		for _, f := range metas {
			x.open("Reference")
			x.leaf("ContentId", f.ContentID)
			x.leaf("ContentType", f.ContentType)
			x.leaf("Description", f.Description)
			x.leaf("AttachmentName", f.Name)
			x.close("Reference")
		}
		x.close("edXMLManifest")
	}
	x.close("edXMLBody")
	x.close("edXMLEnvelope")

	if len(files) > 0 {
		x.open("AttachmentEncoded")
		for i, f := range metas {
			x.open("Attachment")
			x.leaf("ContentId", f.ContentID)
			x.leaf("AttachmentName", f.Name)
			x.leaf("Description", f.Description)
			x.leaf("ContentType", f.ContentType)
			x.indent()
			x.raw("<edXML:ContentTransferEncoded>")
			if x.err == nil && files[i].Content != nil {
				enc := base64.NewEncoder(base64.StdEncoding, x.w)
				if _, err := io.Copy(enc, files[i].Content); err != nil {
					return err
				}
				if err := enc.Close(); err != nil {
					return err
				}
			}
			x.raw("</edXML:ContentTransferEncoded>\n")
			x.close("Attachment")
		}
		x.close("AttachmentEncoded")
	}
	return x.end()
}

// WriteStatus is BuildStatus writing to w.
func WriteStatus(w io.Writer, s Status) error {
	if err := cleanStrings(reflect.ValueOf(&s).Elem(), ""); err != nil {
		return err
	}
	if err := validateStatus(&s); err != nil {
		return err
	}
	x := newXMLWriter(w)
	x.begin()
	x.open("edXMLHeader")
	x.open("MessageHeader")
	x.organization("From", s.From)
	x.responseFor(s.ResponseFor)
	x.staff(s.StaffInfo)
	x.leaf("StatusCode", string(s.StatusCode))
	x.leaf("Description", s.Description)
	x.leaf("Timestamp", s.Timestamp)
	x.close("MessageHeader")
	x.close("edXMLHeader")
	x.close("edXMLEnvelope")
	return x.end()
}

// xmlWriter writes the fixed edXML layout: every element below the root in
// the national namespace under the prefix edXML (declared on the root, so it
// is in scope everywhere), as the national SDK's samples do.
type xmlWriter struct {
	w     *bufio.Writer
	depth int
	err   error
}

func newXMLWriter(w io.Writer) *xmlWriter {
	return &xmlWriter{w: bufio.NewWriterSize(w, 32<<10)}
}

func (x *xmlWriter) raw(s string) {
	if x.err == nil {
		_, x.err = x.w.WriteString(s)
	}
}

func (x *xmlWriter) indent() {
	for i := 0; i < x.depth; i++ {
		x.raw("  ")
	}
}

func (x *xmlWriter) begin() {
	x.raw(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	x.raw(`<edXML xmlns="` + Namespace + `" xmlns:edXML="` + Namespace + `">` + "\n")
	x.depth = 1
	x.open("edXMLEnvelope")
}

func (x *xmlWriter) end() error {
	x.raw("</edXML>\n")
	if x.err == nil {
		x.err = x.w.Flush()
	}
	return x.err
}

// open writes a start tag; tag may carry attributes after the name.
func (x *xmlWriter) open(tag string) {
	x.indent()
	x.raw("<edXML:" + tag + ">\n")
	x.depth++
}

func (x *xmlWriter) close(name string) {
	x.depth--
	x.indent()
	x.raw("</edXML:" + name + ">\n")
}

// leaf writes <name>v</name>, or nothing when v is empty.
func (x *xmlWriter) leaf(name, v string) {
	if v == "" {
		return
	}
	x.indent()
	x.raw("<edXML:" + name + ">")
	if x.err == nil {
		x.err = xml.EscapeText(x.w, []byte(v))
	}
	x.raw("</edXML:" + name + ">\n")
}

// leafList writes outer holding one inner leaf per value, or nothing when
// there is no value.
func (x *xmlWriter) leafList(outer, inner string, values []string) {
	if len(values) == 0 {
		return
	}
	x.open(outer)
	for _, v := range values {
		x.leaf(inner, v)
	}
	x.close(outer)
}

func (x *xmlWriter) organization(tag string, o Organization) {
	x.open(tag)
	x.leaf("OrganId", o.OrganID)
	x.leaf("OrganizationInCharge", o.OrganizationInCharge)
	x.leaf("OrganName", o.OrganName)
	x.leaf("OrganAdd", o.OrganAdd)
	x.leaf("Email", o.Email)
	x.leaf("Telephone", o.Telephone)
	x.leaf("Fax", o.Fax)
	x.leaf("Website", o.Website)
	x.close(tag)
}

func (x *xmlWriter) responseFor(r ResponseFor) {
	if r.empty() {
		return
	}
	x.open("ResponseFor")
	x.leaf("OrganId", r.OrganID)
	x.leaf("Code", r.Code)
	x.leaf("PromulgationDate", r.PromulgationDate)
	x.leaf("DocumentId", r.DocumentID)
	x.close("ResponseFor")
}

func (x *xmlWriter) staff(s StaffInfo) {
	if s == (StaffInfo{}) {
		return
	}
	x.open("StaffInfo")
	x.leaf("Department", s.Department)
	x.leaf("Staff", s.Staff)
	x.leaf("Mobile", s.Mobile)
	x.leaf("Email", s.Email)
	x.close("StaffInfo")
}

// clean is what the parser makes of a text field: trimmed, in NFC.
func clean(s string) string {
	s = strings.Trim(s, fieldTrim)
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// cleanStrings applies clean to every string reachable in v (structs and
// slices) and refuses text XML cannot carry, so that a built package parses
// back to the same values instead of silently altered ones.
func cleanStrings(v reflect.Value, field string) error {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		if !utf8.ValidString(s) {
			return ErrBadValue.with(field, "invalid UTF-8")
		}
		for _, r := range s {
			if !xmlChar(r) {
				return ErrBadValue.with(field, "character %U cannot be written in XML", r)
			}
		}
		if c := clean(s); c != s {
			v.SetString(c)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < v.NumField(); i++ {
			if !t.Field(i).IsExported() {
				continue
			}
			name := t.Field(i).Name
			if field != "" {
				name = field + "/" + name
			}
			if err := cleanStrings(v.Field(i), name); err != nil {
				return err
			}
		}
	case reflect.Slice:
		for i := 0; i < v.Len(); i++ {
			if err := cleanStrings(v.Index(i), field); err != nil {
				return err
			}
		}
	}
	return nil
}

// xmlChar is the XML 1.0 Char production.
func xmlChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}
