package vdxp

import (
	"crypto/sha256"
	"encoding/hex"
	"sync"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/edxml"
)

// answerer makes the directory's agencies answer the documents delivered
// to them, as their document-management software would: 01 (arrived) then
// 03 (accepted) for a new or replacing document, 15 (agrees) for an update
// or revocation, each AnswerDelay after the previous one, into the
// sending system's inbox.
type answerer struct {
	s *Simulator

	mu     sync.Mutex
	gen    uint64
	timers map[*time.Timer]struct{}
}

func newAnswerer(s *Simulator) *answerer {
	return &answerer{s: s, timers: map[*time.Timer]struct{}{}}
}

// reset drops pending answers.
func (a *answerer) reset() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.gen++
	for t := range a.timers {
		t.Stop()
	}
	a.timers = map[*time.Timer]struct{}{}
}

// schedule plans the answers to document d, parsed as p.
func (a *answerer) schedule(d *document, p parsed) {
	if !a.s.cfg.AutoAnswer || d.sender == "" {
		return
	}
	codes := []edxml.StatusCode{edxml.StatusArrived, edxml.StatusAccepted}
	if p.docType == edxml.DocUpdate || p.docType == edxml.DocRevoke {
		codes = []edxml.StatusCode{edxml.StatusChangeAccepted}
	}
	var agencies []string
	for _, r := range d.recipients {
		if r.system == "" {
			agencies = append(agencies, r.code)
		}
	}
	if len(agencies) == 0 {
		return
	}
	delay := a.s.cfg.AnswerDelay
	if delay <= 0 {
		for _, code := range codes {
			for _, ag := range agencies {
				a.answer(d, p, ag, code)
			}
		}
		return
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	gen := a.gen
	for i, code := range codes {
		var t *time.Timer
		t = time.AfterFunc(time.Duration(i+1)*delay, func() {
			a.mu.Lock()
			current := a.gen == gen
			delete(a.timers, t)
			a.mu.Unlock()
			if !current {
				return
			}
			for _, ag := range agencies {
				a.answer(d, p, ag, code)
			}
		})
		a.timers[t] = struct{}{}
	}
}

// answer builds one status package from agency about d and puts it in the
// sender's inbox.
func (a *answerer) answer(d *document, p parsed, agency string, code edxml.StatusCode) {
	s := a.s
	now := s.cfg.Clock()
	org := edxml.Organization{OrganID: agency}
	if ag, ok := s.dir.get(agency); ok {
		org.OrganName = ag.Name
		org.OrganizationInCharge = ag.Name
	}
	st := edxml.Status{
		From: org,
		ResponseFor: edxml.ResponseFor{
			OrganID: d.from, Code: p.code, PromulgationDate: p.promulgationDate, DocumentID: p.documentID,
		},
		StaffInfo:   edxml.StaffInfo{Department: "Văn thư", Staff: "Văn thư cơ quan (mô phỏng)"},
		StatusCode:  code,
		Description: answerText[code],
		Timestamp:   edxml.FormatTimestamp(now),
	}
	data, err := edxml.BuildStatus(st)
	if err != nil {
		// A promulgation date the builder refuses (the samples carry
		// impossible dates) is left out rather than losing the answer.
		st.ResponseFor.PromulgationDate = ""
		if data, err = edxml.BuildStatus(st); err != nil {
			s.log.Warn("không tạo được gói trạng thái trả lời (cannot build the answer)", "doc_id", d.id, "err", err)
			return
		}
	}
	sum := sha256.Sum256(data)
	ans := &document{
		id: newDocID(), origin: OriginAnswer, from: agency, to: []string{d.from}, messageType: wire.MessageStatus,
		data: data, sha256: hex.EncodeToString(sum[:]), documentID: p.documentID, statusCode: string(code),
		created:    now,
		recipients: []*recipient{{code: d.from, system: d.sender, state: wire.TransportPending, updated: now}},
	}
	s.store.add(ans)
	s.store.noteStatus(agency, p.documentID, string(code), now)
	s.log.Info("đơn vị trả lời trạng thái (agency answered)", "doc_id", d.id, "agency", agency, "status", string(code), "answer_id", ans.id)
}

var answerText = map[edxml.StatusCode]string{
	edxml.StatusArrived:        "Đã đến - phần mềm quản lý văn bản đã nhận, văn thư chưa xử lý (trình mô phỏng)",
	edxml.StatusAccepted:       "Văn thư đã tiếp nhận văn bản điện tử, vào sổ văn bản đến (trình mô phỏng)",
	edxml.StatusChangeAccepted: "Văn thư đồng ý yêu cầu cập nhật, thu hồi (trình mô phỏng)",
}
