package registry

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"unicode/utf8"

	"google.golang.org/protobuf/types/known/fieldmaskpb"

	"github.com/lgsp-vn/lgsp/platform/apierr"
	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
	"github.com/lgsp-vn/lgsp/services/registry/agencycode"
)

const (
	agencyActive     = "active"
	agencyInactive   = "inactive"
	agencySuperseded = "superseded"
)

var agencyStatusToProto = map[string]registryv1.AgencyStatus{
	agencyActive:     registryv1.AgencyStatus_AGENCY_STATUS_ACTIVE,
	agencyInactive:   registryv1.AgencyStatus_AGENCY_STATUS_INACTIVE,
	agencySuperseded: registryv1.AgencyStatus_AGENCY_STATUS_SUPERSEDED,
}

// querier is what both *sql.DB and *sql.Tx offer.
type querier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

type agencyRow struct {
	Code, Name, Parent, Status, Successor string
	Created, Updated                      int64
}

func (a agencyRow) proto() *registryv1.Agency {
	return &registryv1.Agency{
		Code: a.Code, Name: a.Name, ParentCode: a.Parent, Status: agencyStatusToProto[a.Status],
		SuccessorCode: a.Successor, CreateTime: tsOrNil(a.Created), UpdateTime: tsOrNil(a.Updated),
	}
}

const agencyColumns = `code, name, parent_code, status, successor_code, created_ms, updated_ms`

func scanAgency(sc scanner) (agencyRow, error) {
	var a agencyRow
	err := sc.Scan(&a.Code, &a.Name, &a.Parent, &a.Status, &a.Successor, &a.Created, &a.Updated)
	return a, err
}

func getAgency(ctx context.Context, db *sqlstore.DB, q querier, code string) (agencyRow, error) {
	a, err := scanAgency(q.QueryRowContext(ctx, db.Rebind(`SELECT `+agencyColumns+` FROM registry_agencies WHERE code = ?`), code))
	if errNoRows(err) {
		return a, errAgencyNotFound(code)
	}
	return a, err
}

// validName reports whether v, trimmed, is a non-empty valid UTF-8 name of
// at most maxNameLen characters.
func validName(v string) bool {
	v = strings.TrimSpace(v)
	return v != "" && utf8.RuneCountInString(v) <= maxNameLen && utf8.ValidString(v)
}

// textRule says which characters a stored text field may hold.
type textRule int

const (
	// ruleName: names people read (agencies, APIs, applications, display
	// names): one line, no markup.
	ruleName textRule = iota
	// ruleText: descriptions and reasons: line breaks and tabs allowed.
	ruleText
	// ruleValue: values the gateway sends on (upstream user names, scopes,
	// URLs, resource paths): one line, any printable character.
	ruleValue
)

// checkText refuses text that could disguise or corrupt what people and
// programs see where it is shown: invalid UTF-8, control characters (C0,
// DEL, C1; ruleText allows line feed, CRLF and tab), direction-changing
// characters (U+061C, U+200E, U+200F, U+202A–U+202E, U+2066–U+2069),
// invisible characters (U+200B–U+200D, U+2060–U+2064, U+FEFF), line and
// paragraph separators, and '<' or '>' in names. Letters of any script,
// Vietnamese diacritics as precomposed or combining marks included, pass.
// Every human-readable field the registry stores goes through it.
func checkText(field, v string, rule textRule) error {
	if !utf8.ValidString(v) {
		return errUnsafeText(field)
	}
	for i, r := range v {
		switch {
		case r == '\n' || r == '\t' || (r == '\r' && strings.HasPrefix(v[i+1:], "\n")):
			if rule != ruleText {
				return errUnsafeText(field)
			}
		case r < 0x20, r >= 0x7f && r <= 0x9f,
			r == 0x061c, r >= 0x200b && r <= 0x200f, r >= 0x2028 && r <= 0x202e,
			r >= 0x2060 && r <= 0x2064, r >= 0x2066 && r <= 0x2069, r == 0xfeff:
			return errUnsafeText(field)
		case r == '<' || r == '>':
			if rule == ruleName {
				return errUnsafeText(field)
			}
		}
	}
	return nil
}

// cleanText trims v and checks it with checkText.
func cleanText(field, v string, rule textRule) (string, error) {
	v = strings.TrimSpace(v)
	return v, checkText(field, v, rule)
}

func (t *wtx) agencyHistory(ctx context.Context, a agencyRow, change, related string) error {
	_, err := t.exec(ctx, `INSERT INTO registry_agency_history (code, revision, change, name, parent_code, status, successor_code,
		related_code, actor, changed_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Code, t.rev, change, a.Name, a.Parent, a.Status, a.Successor, related, t.who.Subject, t.now.UnixMilli())
	return err
}

// checkParent refuses an unknown parent and a parent chain that loops back
// to code.
func (s *Service) checkParent(ctx context.Context, q querier, code, parent string) error {
	if parent == "" {
		return nil
	}
	if !agencycode.Valid(parent) {
		return errAgencyCode("agency.parent_code")
	}
	for i, p := 0, parent; p != "" && i < 64; i++ {
		if p == code {
			return errParentCycle
		}
		a, err := getAgency(ctx, s.db, q, p)
		if err != nil {
			if p == parent && isNotFound(err) {
				return errUnknownParent
			}
			return err
		}
		p = a.Parent
	}
	return nil
}

func isNotFound(err error) bool {
	var ae *apierr.Error
	return errors.As(err, &ae) && strings.HasSuffix(ae.Code, "_not_found")
}

func statusFromProto(st registryv1.AgencyStatus, dflt string) (string, error) {
	switch st {
	case registryv1.AgencyStatus_AGENCY_STATUS_UNSPECIFIED:
		return dflt, nil
	case registryv1.AgencyStatus_AGENCY_STATUS_ACTIVE:
		return agencyActive, nil
	case registryv1.AgencyStatus_AGENCY_STATUS_INACTIVE:
		return agencyInactive, nil
	}
	return "", errAgencyStatus
}

// CreateAgency registers an agency.
func (s *Service) CreateAgency(ctx context.Context, req *registryv1.CreateAgencyRequest) (*registryv1.CreateAgencyResponse, error) {
	c, err := authorize(ctx, "CreateAgency")
	if err != nil {
		return nil, err
	}
	in := req.GetAgency()
	if in == nil {
		return nil, errAgencyRequired
	}
	if !agencycode.Valid(in.GetCode()) {
		return nil, errAgencyCode("agency.code")
	}
	if !validName(in.GetName()) {
		return nil, errAgencyName
	}
	if err := checkText("agency.name", strings.TrimSpace(in.GetName()), ruleName); err != nil {
		return nil, err
	}
	status, err := statusFromProto(in.GetStatus(), agencyActive)
	if err != nil {
		return nil, err
	}
	if in.GetSuccessorCode() != "" {
		return nil, errSuccessorOnCreate
	}
	var out agencyRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		if err := s.checkParent(ctx, t.tx, in.GetCode(), in.GetParentCode()); err != nil {
			return err
		}
		now := t.now.UnixMilli()
		out = agencyRow{Code: in.GetCode(), Name: strings.TrimSpace(in.GetName()), Parent: in.GetParentCode(), Status: status, Created: now, Updated: now}
		if _, err := t.exec(ctx, `INSERT INTO registry_agencies (`+agencyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
			out.Code, out.Name, out.Parent, out.Status, out.Successor, out.Created, out.Updated); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return errAgencyExists
			}
			return err
		}
		if err := t.agencyHistory(ctx, out, "created", ""); err != nil {
			return err
		}
		t.record("agency", out.Code, "create", nil, out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create agency", err)
	}
	return &registryv1.CreateAgencyResponse{Agency: out.proto()}, nil
}

// GetAgency returns one agency.
func (s *Service) GetAgency(ctx context.Context, req *registryv1.GetAgencyRequest) (*registryv1.GetAgencyResponse, error) {
	if _, err := authorize(ctx, "GetAgency"); err != nil {
		return nil, err
	}
	if err := requireID("code", req.GetCode()); err != nil {
		return nil, err
	}
	a, err := getAgency(ctx, s.db, s.db.DB, req.GetCode())
	if err != nil {
		return nil, s.internalErr(ctx, "get agency", err)
	}
	return &registryv1.GetAgencyResponse{Agency: a.proto()}, nil
}

// ListAgencies lists agencies by code.
func (s *Service) ListAgencies(ctx context.Context, req *registryv1.ListAgenciesRequest) (*registryv1.ListAgenciesResponse, error) {
	if _, err := authorize(ctx, "ListAgencies"); err != nil {
		return nil, err
	}
	var l listQuery
	if st := req.GetStatus(); st != registryv1.AgencyStatus_AGENCY_STATUS_UNSPECIFIED {
		for k, v := range agencyStatusToProto {
			if v == st {
				l.where("status = ?", k)
			}
		}
	}
	if req.GetParentCode() != "" {
		l.where("parent_code = ?", req.GetParentCode())
	}
	resp := &registryv1.ListAgenciesResponse{}
	next, err := listPage(ctx, s.db, &l, `SELECT `+agencyColumns+` FROM registry_agencies`, "code", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (string, error) {
			a, err := scanAgency(sc)
			if err != nil {
				return "", err
			}
			resp.Agencies = append(resp.Agencies, a.proto())
			return a.Code, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list agencies", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// UpdateAgency changes an agency's name, parent or status.
func (s *Service) UpdateAgency(ctx context.Context, req *registryv1.UpdateAgencyRequest) (*registryv1.UpdateAgencyResponse, error) {
	c, err := authorize(ctx, "UpdateAgency")
	if err != nil {
		return nil, err
	}
	in := req.GetAgency()
	if in == nil {
		return nil, errAgencyRequired
	}
	if err := requireID("agency.code", in.GetCode()); err != nil {
		return nil, err
	}
	paths, err := maskPaths(req.GetUpdateMask(), "name", "parent_code", "status")
	if err != nil {
		return nil, err
	}
	var out agencyRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getAgency(ctx, s.db, t.tx, in.GetCode())
		if err != nil {
			return err
		}
		if before.Status == agencySuperseded {
			return errSuperseded(before.Code)
		}
		out = before
		if paths["name"] {
			if !validName(in.GetName()) {
				return errAgencyName
			}
			if err := checkText("agency.name", strings.TrimSpace(in.GetName()), ruleName); err != nil {
				return err
			}
			out.Name = strings.TrimSpace(in.GetName())
		}
		if paths["parent_code"] {
			if err := s.checkParent(ctx, t.tx, out.Code, in.GetParentCode()); err != nil {
				return err
			}
			out.Parent = in.GetParentCode()
		}
		if paths["status"] {
			if out.Status, err = statusFromProto(in.GetStatus(), before.Status); err != nil {
				return err
			}
		}
		out.Updated = t.now.UnixMilli()
		if _, err := t.exec(ctx, `UPDATE registry_agencies SET name = ?, parent_code = ?, status = ?, updated_ms = ? WHERE code = ?`,
			out.Name, out.Parent, out.Status, out.Updated, out.Code); err != nil {
			return err
		}
		if err := t.agencyHistory(ctx, out, "updated", ""); err != nil {
			return err
		}
		t.record("agency", out.Code, "update", before.proto(), out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "update agency", err)
	}
	return &registryv1.UpdateAgencyResponse{Agency: out.proto()}, nil
}

// SucceedAgency supersedes an agency by another, moving its APIs,
// applications, users and child agencies to the successor.
func (s *Service) SucceedAgency(ctx context.Context, req *registryv1.SucceedAgencyRequest) (*registryv1.SucceedAgencyResponse, error) {
	c, err := authorize(ctx, "SucceedAgency")
	if err != nil {
		return nil, err
	}
	if err := requireID("code", req.GetCode()); err != nil {
		return nil, err
	}
	if !agencycode.Valid(req.GetSuccessorCode()) {
		return nil, errAgencyCode("successor_code")
	}
	if req.GetSuccessorCode() == req.GetCode() {
		return nil, errSucceedsItself
	}
	var old, succ agencyRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getAgency(ctx, s.db, t.tx, req.GetCode())
		if err != nil {
			return err
		}
		if before.Status == agencySuperseded {
			return errSuperseded(before.Code)
		}
		succBefore, err := getAgency(ctx, s.db, t.tx, req.GetSuccessorCode())
		if isNotFound(err) {
			return errUnknownSuccessor
		}
		if err != nil {
			return err
		}
		if succBefore.Status != agencyActive {
			return errInactiveSuccessor
		}
		now := t.now.UnixMilli()
		old = before
		old.Status, old.Successor, old.Updated = agencySuperseded, succBefore.Code, now
		if _, err := t.exec(ctx, `UPDATE registry_agencies SET status = ?, successor_code = ?, updated_ms = ? WHERE code = ?`,
			old.Status, old.Successor, now, old.Code); err != nil {
			return err
		}
		for _, q := range []string{
			`UPDATE registry_apis SET owner_agency = ?, updated_ms = ? WHERE owner_agency = ?`,
			`UPDATE registry_applications SET agency_code = ?, updated_ms = ? WHERE agency_code = ?`,
			`UPDATE registry_users SET agency_code = ?, updated_ms = ? WHERE agency_code = ?`,
			`UPDATE registry_agencies SET parent_code = ?, updated_ms = ? WHERE parent_code = ?`,
		} {
			if _, err := t.exec(ctx, q, succBefore.Code, now, old.Code); err != nil {
				if sqlstore.IsUniqueViolation(err) {
					return errSuccessionConflict
				}
				return err
			}
		}
		succ = succBefore
		succ.Updated = now
		if _, err := t.exec(ctx, `UPDATE registry_agencies SET updated_ms = ? WHERE code = ?`, now, succ.Code); err != nil {
			return err
		}
		if err := t.agencyHistory(ctx, old, "superseded", succ.Code); err != nil {
			return err
		}
		if err := t.agencyHistory(ctx, succ, "succeeded", old.Code); err != nil {
			return err
		}
		t.record("agency", old.Code, "supersede", before.proto(), old.proto())
		t.record("agency", succ.Code, "succeed", succBefore.proto(), succ.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "succeed agency", err)
	}
	return &registryv1.SucceedAgencyResponse{Agency: old.proto(), Successor: succ.proto()}, nil
}

// ListAgencyHistory lists the recorded states of an agency, oldest first.
func (s *Service) ListAgencyHistory(ctx context.Context, req *registryv1.ListAgencyHistoryRequest) (*registryv1.ListAgencyHistoryResponse, error) {
	if _, err := authorize(ctx, "ListAgencyHistory"); err != nil {
		return nil, err
	}
	if err := requireID("code", req.GetCode()); err != nil {
		return nil, err
	}
	if _, err := getAgency(ctx, s.db, s.db.DB, req.GetCode()); err != nil {
		return nil, s.internalErr(ctx, "agency history", err)
	}
	var l listQuery
	l.where("code = ?", req.GetCode())
	resp := &registryv1.ListAgencyHistoryResponse{}
	next, err := listPage(ctx, s.db, &l, `SELECT code, revision, change, name, parent_code, status, successor_code, related_code, actor, changed_ms FROM registry_agency_history`,
		"revision", req.GetPageSize(), req.GetPageToken(), func(sc scanner) (int64, error) {
			var (
				e   registryv1.AgencyHistoryEntry
				rev int64
				st  string
				at  int64
			)
			if err := sc.Scan(&e.Code, &rev, &e.Change, &e.Name, &e.ParentCode, &st, &e.SuccessorCode, &e.RelatedCode, &e.Actor, &at); err != nil {
				return 0, err
			}
			e.Status = agencyStatusToProto[st]
			e.ChangeTime = tsOrNil(at)
			resp.Entries = append(resp.Entries, &e)
			return rev, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "agency history", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// maskPaths checks an update mask against the allowed paths; an empty mask
// means all of them.
func maskPaths(m *fieldmaskpb.FieldMask, allowed ...string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(m.GetPaths()) == 0 {
		for _, p := range allowed {
			out[p] = true
		}
		return out, nil
	}
	ok := map[string]bool{}
	for _, p := range allowed {
		ok[p] = true
	}
	for _, p := range m.GetPaths() {
		if !ok[p] {
			return nil, errUpdateMask(p, allowed)
		}
		out[p] = true
	}
	return out, nil
}
