package vdxp

import (
	"slices"
	"strings"
	"sync"
	"time"

	wire "github.com/lgsp-vn/lgsp/adapters/vdxp"
	"github.com/lgsp-vn/lgsp/platform/signedheader"
)

// Where a document came from.
const (
	OriginSent     = "sent"     // a system sent it with sendEdoc
	OriginInjected = "injected" // the control surface injected it
	OriginAnswer   = "answer"   // an agency of the directory answered automatically
)

// DocumentInfo describes a document or status the simulator holds, for the
// control surface and tests.
type DocumentInfo struct {
	DocID string `json:"docId"`
	// Origin is sent, injected or answer.
	Origin string `json:"origin"`
	// SenderSystem is the systemid that sent it, empty unless Origin is sent.
	SenderSystem string   `json:"senderSystem,omitempty"`
	From         string   `json:"from"`
	To           []string `json:"to"`
	MessageType  string   `json:"messageType"`
	// DocumentID is the edXML DocumentId, or for a status the DocumentId
	// it answers.
	DocumentID string          `json:"documentId,omitempty"`
	StatusCode string          `json:"statusCode,omitempty"`
	Subject    string          `json:"subject,omitempty"`
	Size       int             `json:"size"`
	SHA256     string          `json:"sha256"`
	Created    time.Time       `json:"created"`
	Recipients []RecipientInfo `json:"recipients"`
}

// RecipientInfo is one recipient of a document.
type RecipientInfo struct {
	Code string `json:"code"`
	// System hosts the recipient; empty for an agency the simulator plays.
	System string `json:"system,omitempty"`
	// State is the transport state: pending, processing, done or fail.
	State string `json:"state"`
	// StatusCode is the last business status the recipient sent back.
	StatusCode string    `json:"statusCode,omitempty"`
	Updated    time.Time `json:"updated"`
}

type document struct {
	id          string
	origin      string
	sender      string
	from        string
	to          []string
	messageType string
	data        []byte
	sha256      string
	documentID  string
	statusCode  string
	subject     string
	created     time.Time
	recipients  []*recipient
}

type recipient struct {
	code     string
	system   string
	state    string
	business string
	updated  time.Time
}

// entry is one document in one system's inbox, for all of that system's
// recipients of it.
type entry struct {
	doc    *document
	system string
	recips []*recipient
	listed bool
}

func (e *entry) state() string { return e.recips[0].state }

func (e *entry) codes() []string {
	out := make([]string, len(e.recips))
	for i, r := range e.recips {
		out[i] = r.code
	}
	return out
}

// store is the simulator's memory. One lock guards it all.
type store struct {
	mu      sync.Mutex
	max     int
	docs    map[string]*document
	order   []*document         // oldest first
	entries map[string]*entry   // docID + "\x00" + system
	inbox   map[string][]*entry // listed entries by system, oldest first
	dedup   map[string]string   // sender + "\x00" + sha256 → docID
}

func newStore(max int) *store {
	s := &store{max: max}
	s.reset()
	return s
}

func (s *store) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.docs = map[string]*document{}
	s.order = nil
	s.entries = map[string]*entry{}
	s.inbox = map[string][]*entry{}
	s.dedup = map[string]string{}
}

func entryKey(docID, system string) string { return docID + "\x00" + system }

// duplicate returns the document a system already sent with these bytes.
func (s *store) duplicate(sender, sum string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id, ok := s.dedup[sender+"\x00"+sum]
	return id, ok
}

// add stores d, with its recipients already set, and lists it in the
// inboxes of the systems hosting them. When the sender raced with itself
// (the same bytes sent twice at once) the first document wins: add
// returns its id and false.
func (s *store) add(d *document) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d.origin == OriginSent {
		key := d.sender + "\x00" + d.sha256
		if id, ok := s.dedup[key]; ok {
			return id, false
		}
		s.dedup[key] = d.id
	}
	s.docs[d.id] = d
	s.order = append(s.order, d)
	for _, r := range d.recipients {
		if r.system == "" {
			continue
		}
		k := entryKey(d.id, r.system)
		e := s.entries[k]
		if e == nil {
			e = &entry{doc: d, system: r.system, listed: true}
			s.entries[k] = e
			s.inbox[r.system] = append(s.inbox[r.system], e)
		}
		e.recips = append(e.recips, r)
	}
	for len(s.order) > s.max {
		s.evict(s.order[0])
	}
	return d.id, true
}

func (s *store) evict(d *document) {
	delete(s.docs, d.id)
	s.order = slices.DeleteFunc(s.order, func(x *document) bool { return x == d })
	if d.origin == OriginSent {
		delete(s.dedup, d.sender+"\x00"+d.sha256)
	}
	for _, r := range d.recipients {
		if r.system == "" {
			continue
		}
		if e, ok := s.entries[entryKey(d.id, r.system)]; ok {
			delete(s.entries, entryKey(d.id, r.system))
			s.unlist(e)
		}
	}
}

func (s *store) unlist(e *entry) {
	if !e.listed {
		return
	}
	e.listed = false
	s.inbox[e.system] = slices.DeleteFunc(s.inbox[e.system], func(x *entry) bool { return x == e })
}

// received lists a system's inbox, oldest first, at most limit entries.
// An empty messageType lists both kinds.
func (s *store) received(system, messageType string, limit int) []wire.Knobstick {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []wire.Knobstick{}
	for _, e := range s.inbox[system] {
		if messageType != "" && e.doc.messageType != messageType {
			continue
		}
		if len(out) == limit {
			break
		}
		out = append(out, wire.Knobstick{
			ID:          e.doc.id,
			DocID:       e.doc.id,
			From:        e.doc.from,
			To:          strings.Join(e.codes(), ","),
			ServiceType: wire.ServiceEDoc,
			MessageType: e.doc.messageType,
			Status:      e.state(),
			Created:     wireTime(e.doc.created),
			Updated:     wireTime(e.recips[0].updated),
			DocumentID:  e.doc.documentID,
		})
	}
	return out
}

func (s *store) count(system, messageType string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int64
	for _, e := range s.inbox[system] {
		if e.doc.messageType == messageType {
			n++
		}
	}
	return n
}

// fetch returns a document's bytes for a system that sent or receives it.
func (s *store) fetch(system, docID string) ([]byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[docID]
	if !ok {
		return nil, false
	}
	if d.sender == system {
		return d.data, true
	}
	_, ok = s.entries[entryKey(docID, system)]
	return d.data, ok
}

// ack sets the transport state of a document in a system's inbox. Any
// acknowledgement takes it off the list.
func (s *store) ack(system, docID, state string, now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.entries[entryKey(docID, system)]
	if !ok {
		return false
	}
	for _, r := range e.recips {
		r.state, r.updated = state, now
	}
	s.unlist(e)
	return true
}

// sent lists, per recipient, what a system sent, oldest first, at most
// limit entries (the most recent ones).
func (s *store) sent(system, messageType string, limit int) []wire.SentEntry {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []wire.SentEntry{}
	for _, d := range s.order {
		if d.sender != system || d.origin != OriginSent || d.messageType != messageType {
			continue
		}
		for _, r := range d.recipients {
			out = append(out, wire.SentEntry{
				DocID:          d.id,
				FromCode:       d.from,
				ToCode:         r.code,
				Status:         r.state,
				BusinessStatus: r.business,
				Created:        wireTime(d.created),
				Updated:        wireTime(r.updated),
			})
		}
	}
	if len(out) > limit {
		out = out[len(out)-limit:]
	}
	return out
}

// noteStatus records a business status an agency sent about a document,
// on every delivery of that document to that agency.
func (s *store) noteStatus(from, documentID, code string, now time.Time) {
	if documentID == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range s.order {
		if d.messageType != wire.MessageEdoc || d.documentID != documentID {
			continue
		}
		for _, r := range d.recipients {
			if r.code == from {
				r.business, r.updated = code, now
			}
		}
	}
}

// info describes documents matching keep, oldest first.
func (s *store) info(keep func(*document) bool) []DocumentInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []DocumentInfo{}
	for _, d := range s.order {
		if keep(d) {
			out = append(out, d.info())
		}
	}
	return out
}

// one returns a document's description and bytes.
func (s *store) one(docID string) (DocumentInfo, []byte, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	d, ok := s.docs[docID]
	if !ok {
		return DocumentInfo{}, nil, false
	}
	return d.info(), d.data, true
}

// info must be called with the store locked.
func (d *document) info() DocumentInfo {
	in := DocumentInfo{
		DocID: d.id, Origin: d.origin, SenderSystem: d.sender, From: d.from, To: slices.Clone(d.to),
		MessageType: d.messageType, DocumentID: d.documentID, StatusCode: d.statusCode, Subject: d.subject,
		Size: len(d.data), SHA256: d.sha256, Created: d.created,
		Recipients: make([]RecipientInfo, len(d.recipients)),
	}
	for i, r := range d.recipients {
		in.Recipients[i] = RecipientInfo{Code: r.code, System: r.system, State: r.state, StatusCode: r.business, Updated: r.updated}
	}
	return in
}

// wireTime writes t as the axis does, in Asia/Ho_Chi_Minh.
func wireTime(t time.Time) string { return t.In(signedheader.Zone).Format(wire.TimeLayout) }
