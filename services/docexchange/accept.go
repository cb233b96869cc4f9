package docexchange

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/lgsp-vn/lgsp/platform/edxml"
	"github.com/lgsp-vn/lgsp/platform/natsx"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
)

// sendInput is one package offered to the axis, by either surface or by
// the national bridge.
type sendInput struct {
	// caller is the sending agency as the gateway asserted it; for a
	// package from the national axis, its From.
	caller string
	body   []byte
	// hashFile is the hash-file header, when given; a body with one
	// trailing CRLF then matches without it, and the hashed bytes are kept.
	hashFile   string
	fromHeader string
	// to is the recipients as the to header gave them; nil means the
	// package's To list.
	to   []string
	kind string // kindEdoc or kindStatus
	// origin is originNational for packages from the national axis; they
	// are parsed leniently and delivered only to local agencies.
	origin     string
	nationalID string
	// target, for a status built by SendStatus, is the doc id it answers.
	target string
}

// sendResult is what the axis answers.
type sendResult struct {
	doc        *docRow
	deliveries []*deliveryRow
	duplicate  bool
}

// plan is a validated package ready to store.
type plan struct {
	doc        *docRow
	deliveries []*deliveryRow
	events     []traceRow
	// status handling: the document the status answers.
	target *docRow
}

const maxRecipients = 2000

// send validates a package, stores its bytes and records it with one
// delivery per recipient, all or nothing: when send returns nil the
// document is durable (SQL committed, bytes in the Object Store).
func (s *Service) send(ctx context.Context, in sendInput) (*sendResult, error) {
	if int64(len(in.body)) > s.cfg.MaxPackageBytes+2 {
		return nil, errPackage(edxml.ErrTooLarge)
	}
	data := in.body
	if in.hashFile != "" {
		hashed, err := edxml.CheckHashFile(in.body, in.hashFile)
		if err != nil {
			return nil, errPackage(err)
		}
		data = hashed
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errPackage(edxml.ErrEmpty)
	}
	opts := edxml.Options{MaxSize: s.cfg.MaxPackageBytes, LenientAttachments: s.cfg.LenientAttachments || in.origin == originNational}
	sum := sha256.Sum256(data)
	now := s.now()
	p := &plan{doc: &docRow{
		ID: newID(), Kind: in.kind, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data)),
		Origin: in.origin, NationalID: in.nationalID, Created: now,
	}}
	if p.doc.Origin == "" {
		p.doc.Origin = originLocal
	}

	var from string
	var to []string
	switch in.kind {
	case kindEdoc:
		pkg, err := opts.Parse(data)
		if err != nil {
			return nil, errPackage(err)
		}
		if w := pkg.Warnings(); len(w) > 0 {
			s.log.Info("package accepted with warnings", "from", pkg.From().OrganID, "document_id", pkg.DocumentID(), "warnings", fmt.Sprint(w))
		}
		d := pkg.Document()
		from = d.From.OrganID
		fillDoc(p.doc, &d, len(pkg.Attachments()))
		to = in.to
		if to == nil {
			to = pkg.ToIDs()
		}
	case kindStatus:
		sp, err := opts.ParseStatus(data)
		if err != nil {
			return nil, errPackage(err)
		}
		st := sp.Status()
		from = st.From.OrganID
		p.doc.DocumentID = st.ResponseFor.DocumentID
		p.doc.StatusCode = string(st.StatusCode)
		p.doc.CodeNumber = st.ResponseFor.Code
		if !st.StatusCode.Known() {
			return nil, errStatusCode
		}
		to = in.to
	default:
		return nil, errMessageType
	}
	p.doc.Sender = from
	if in.origin != originNational {
		if from != in.caller || (in.fromHeader != "" && in.fromHeader != in.caller) {
			return nil, errSenderMismatch
		}
	}

	// A re-send of the same package is the same document, and a new
	// document cannot reuse its sender's DocumentId: both are caught by
	// unique indexes when the transaction commits, so that the common case
	// costs no extra query.
	if in.kind == kindStatus {
		if err := s.planStatus(ctx, p, in, to); err != nil {
			return nil, err
		}
	} else {
		if p.doc.BusinessType != 0 {
			orig, err := s.st.original(ctx, s.db, from, p.doc.DocumentID)
			if err != nil {
				return nil, s.storageErr(err)
			}
			if orig == nil {
				p.doc.UnknownOriginal = true
			} else {
				p.doc.ResponseFor = orig.ID
			}
		}
		if err := s.route(ctx, p, in, dedupe(to)); err != nil {
			return nil, err
		}
	}

	// The bytes first: content-addressed, so a put that is never followed
	// by a commit leaves only an unreferenced object, never a document
	// without its bytes.
	if err := s.putBlob(ctx, p.doc.SHA256, data); err != nil {
		return nil, s.storageErr(err)
	}
	if s.acceptHook != nil {
		if err := s.acceptHook(); err != nil {
			return nil, err
		}
	}
	err := s.commitPlan(ctx, p)
	if sqlstore.IsUniqueViolation(err) {
		// A concurrent send of the same package won the race.
		if d, derr := s.st.sameDoc(ctx, s.db, from, in.kind, p.doc.DocumentID, p.doc.BusinessType, p.doc.SHA256); derr == nil && d != nil {
			return s.duplicate(ctx, d)
		}
		if in.nationalID != "" {
			return nil, errDuplicateNational
		}
		return nil, errDocumentIDReused
	}
	if err != nil {
		if isAPIErr(err) {
			return nil, err
		}
		return nil, s.storageErr(err)
	}
	wake(s.pushWake)
	if s.nat != nil && slices.ContainsFunc(p.deliveries, func(d *deliveryRow) bool { return d.Route == routeNational }) {
		wake(s.outWake)
	}
	return &sendResult{doc: p.doc, deliveries: p.deliveries}, nil
}

func fillDoc(r *docRow, d *edxml.Document, attachments int) {
	r.DocumentID = d.DocumentID
	r.BusinessType = int(d.Business.BussinessDocType)
	r.CodeNumber = d.Code.CodeNumber
	r.CodeNotation = d.Code.CodeNotation
	r.Subject = d.Subject
	r.DocType = d.DocumentType.TypeName
	if r.DocType == "" {
		r.DocType = d.DocumentType.Type
	}
	r.PromulgationDate = d.PromulgationInfo.PromulgationDate
	r.DueDate = d.DueDate
	r.Priority = d.OtherInfo.Priority
	r.Attachments = attachments
}

func dedupe(codes []string) []string {
	out := make([]string, 0, len(codes))
	for _, c := range codes {
		c = strings.TrimSpace(c)
		if c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// route plans one delivery per recipient: local agencies (after
// succession) get an inbox delivery, others go through the national axis
// when the bridge is on. A code nobody knows refuses the whole package.
func (s *Service) route(ctx context.Context, p *plan, in sendInput, to []string) error {
	if len(to) == 0 {
		return errNoRecipients
	}
	if len(to) > maxRecipients {
		return errTooManyRecipients
	}
	p.doc.Recipients = to
	var unknown []string
	seen := map[string]bool{}
	for _, code := range to {
		final, local, err := s.dir.resolve(ctx, code)
		if err != nil {
			return errRegistryUnavailable
		}
		d := &deliveryRow{ID: newID(), DocID: p.doc.ID, Kind: p.doc.Kind, Sender: p.doc.Sender, Recipient: final, AddressedTo: code, State: statePending, Created: p.doc.Created}
		switch {
		case local:
			d.Route = routeLocal
			if final != code {
				p.events = append(p.events, traceRow{Event: "successor", Agency: final, Detail: code + " → " + final})
			}
		case in.origin == originNational:
			// The national axis delivered a package also addressed to
			// agencies elsewhere: they get it from the axis, not from us.
			continue
		case s.nat != nil && s.nat.knows(code):
			d.Route = routeNational
		default:
			unknown = append(unknown, code)
			continue
		}
		if seen[d.Recipient] {
			continue
		}
		seen[d.Recipient] = true
		p.deliveries = append(p.deliveries, d)
		p.events = append(p.events, traceRow{Event: "routed", Agency: d.Recipient, Detail: d.Route})
	}
	if len(unknown) > 0 {
		return errUnknownRecipient(unknown)
	}
	if len(p.deliveries) == 0 {
		return errNoRecipients
	}
	return nil
}

// planStatus finds the document a status answers and addresses the status
// to its sender (or, for 13 from the sender, to its recipients).
func (s *Service) planStatus(ctx context.Context, p *plan, in sendInput, to []string) error {
	code := p.doc.StatusCode
	from := p.doc.Sender
	documentID := p.doc.DocumentID
	if code == "13" {
		// The sender withdraws its own document: the status goes to every
		// recipient.
		orig, err := s.st.original(ctx, s.db, from, documentID)
		if err != nil {
			return s.storageErr(err)
		}
		if orig == nil {
			return errWithdrawStatus
		}
		dels, err := s.st.deliveries(ctx, s.db, orig.ID)
		if err != nil {
			return s.storageErr(err)
		}
		p.target, p.doc.ResponseFor = orig, orig.ID
		var rcpt []string
		for _, d := range dels {
			rcpt = append(rcpt, d.Recipient)
		}
		return s.route(ctx, p, in, dedupe(rcpt))
	}
	if in.target != "" {
		t, err := s.st.doc(ctx, s.db, in.target)
		if err != nil {
			return s.storageErr(err)
		}
		if t == nil {
			return errStatusTarget
		}
		if (code == "15" || code == "16") && t.BusinessType == 0 {
			return errChangeStatus
		}
		p.target, p.doc.ResponseFor = t, t.ID
		return s.route(ctx, p, in, []string{t.Sender})
	}
	sender := ""
	if len(to) == 1 {
		sender = to[0]
	}
	docs, err := s.st.receivedDocs(ctx, s.db, from, documentID, sender)
	if err != nil {
		return s.storageErr(err)
	}
	if len(docs) == 0 && sender != "" {
		// The to header may name a predecessor code; try any sender.
		if docs, err = s.st.receivedDocs(ctx, s.db, from, documentID, ""); err != nil {
			return s.storageErr(err)
		}
	}
	if len(docs) == 0 {
		return errStatusTarget
	}
	// 15 and 16 answer the newest change request; the others the newest
	// package of that DocumentId the caller received.
	target := docs[0]
	if code == "15" || code == "16" {
		target = nil
		for _, d := range docs {
			if d.BusinessType != 0 {
				target = d
				break
			}
		}
		if target == nil {
			return errChangeStatus
		}
	}
	p.target = target
	p.doc.ResponseFor = target.ID
	return s.route(ctx, p, in, []string{target.Sender})
}

// commit writes a plan in one transaction.
func (s *Service) commit(ctx context.Context, tx *sql.Tx, p *plan) error {
	if err := s.st.insertDoc(ctx, tx, p.doc); err != nil {
		return err
	}
	at := p.doc.Created
	detail := fmt.Sprintf("%s %s, %d bytes", p.doc.Kind, p.doc.DocumentID, p.doc.Size)
	if p.doc.UnknownOriginal {
		detail += "; refers to an original this axis never carried"
	}
	if p.doc.Origin == originNational {
		detail += "; from the national axis"
	}
	events := append([]traceRow{{At: at, Event: "accepted", Agency: p.doc.Sender, Detail: detail}}, p.events...)
	if err := s.st.insertDeliveries(ctx, tx, p.deliveries); err != nil {
		return err
	}
	if err := s.st.traces(ctx, tx, p.doc.ID, at, events); err != nil {
		return err
	}
	if p.doc.Kind == kindEdoc && p.doc.ResponseFor != "" {
		what := map[int]string{1: "revoke_requested", 2: "update_requested", 3: "replace_requested"}[p.doc.BusinessType]
		if err := s.st.trace(ctx, tx, p.doc.ResponseFor, at, what, p.doc.Sender, "by "+p.doc.ID); err != nil {
			return err
		}
	}
	if p.target != nil {
		return s.applyStatus(ctx, tx, p)
	}
	return nil
}

// applyStatus records a status on the delivery it answers, and moves the
// original's state when a change request is agreed to.
func (s *Service) applyStatus(ctx context.Context, tx *sql.Tx, p *plan) error {
	at := p.doc.Created.UnixMilli()
	code, from, target := p.doc.StatusCode, p.doc.Sender, p.target
	if err := s.st.trace(ctx, tx, target.ID, p.doc.Created, "status", from, code+" "+statusName(code)+" ("+p.doc.ID+")"); err != nil {
		return err
	}
	if code == "13" {
		_, err := tx.ExecContext(ctx, s.st.q(`UPDATE docexchange_deliveries SET status_code = ?, status_ms = ? WHERE doc_id = ?`), code, at, target.ID)
		return err
	}
	if _, err := tx.ExecContext(ctx, s.st.q(`UPDATE docexchange_deliveries SET status_code = ?, status_ms = ?,
		first_status_ms = CASE WHEN first_status_ms = 0 THEN ? ELSE first_status_ms END
		WHERE doc_id = ? AND recipient = ?`), code, at, at, target.ID, from); err != nil {
		return err
	}
	if code != "15" || target.BusinessType == 0 || target.ResponseFor == "" {
		return nil
	}
	// Every recipient of the change agreed: the original follows it.
	var waiting int64
	if err := tx.QueryRowContext(ctx, s.st.q(`SELECT COUNT(*) FROM docexchange_deliveries WHERE doc_id = ? AND status_code <> '15'`), target.ID).Scan(&waiting); err != nil {
		return err
	}
	if waiting > 0 {
		return nil
	}
	state := map[int]string{1: "revoked", 2: "updated", 3: "replaced"}[target.BusinessType]
	if _, err := tx.ExecContext(ctx, s.st.q(`UPDATE docexchange_documents SET superseded = ? WHERE id = ?`), state, target.ResponseFor); err != nil {
		return err
	}
	return s.st.trace(ctx, tx, target.ResponseFor, p.doc.Created, "superseded", target.Sender, state+" by "+target.ID)
}

func statusName(code string) string {
	switch code {
	case "01":
		return "đã đến / arrived"
	case "02":
		return "từ chối tiếp nhận / rejected"
	case "03":
		return "đã tiếp nhận / accepted"
	case "04":
		return "phân công / assigned"
	case "05":
		return "đang xử lý / processing"
	case "06":
		return "hoàn thành / finished"
	case "13":
		return "lấy lại / withdrawn"
	case "15":
		return "đồng ý cập nhật, thu hồi / change agreed"
	case "16":
		return "từ chối cập nhật, thu hồi / change refused"
	}
	return ""
}

// duplicate answers a re-send with the original document.
func (s *Service) duplicate(ctx context.Context, d *docRow) (*sendResult, error) {
	dels, err := s.st.deliveries(ctx, s.db, d.ID)
	if err != nil {
		return nil, s.storageErr(err)
	}
	return &sendResult{doc: d, deliveries: dels, duplicate: true}, nil
}

// putBlob stores a package under its SHA-256 unless it is there already.
func (s *Service) putBlob(ctx context.Context, sum string, data []byte) error {
	if _, err := s.objs.GetInfo(ctx, sum); err == nil {
		return nil
	} else if !errors.Is(err, jetstream.ErrObjectNotFound) {
		return err
	}
	_, err := s.objs.PutBytes(ctx, sum, data)
	return err
}

// blob reads a package's bytes. A package of one chunk (up to 128 KiB,
// most of them) is read with one direct get of that chunk, checked against
// its SHA-256 (its name), instead of the ordered consumer a general object
// read sets up; larger ones, and anything unexpected, take the general
// read.
func (s *Service) blob(ctx context.Context, sum string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	info, err := s.objs.GetInfo(ctx, sum)
	if err != nil {
		return nil, err
	}
	if info.Chunks == 1 && s.objStream != nil {
		m, err := s.objStream.GetLastMsgForSubject(ctx, "$O."+natsx.DocExchangeObjects+".C."+info.NUID)
		if err == nil && uint64(len(m.Data)) == info.Size {
			if got := sha256.Sum256(m.Data); hex.EncodeToString(got[:]) == sum {
				return m.Data, nil
			}
		}
	}
	return s.objs.GetBytes(ctx, sum)
}

// storageErr logs a store failure and answers the caller's error.
func (s *Service) storageErr(err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	s.log.Error("document store", "err", err)
	return errUnavailable
}
