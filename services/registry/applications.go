package registry

import (
	"context"
	"encoding/hex"
	"strings"

	"google.golang.org/protobuf/proto"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	registryv1 "github.com/lgsp-vn/lgsp/proto/lgsp/registry/v1"
)

const (
	appActive    = "active"
	appSuspended = "suspended"
)

type appRow struct {
	ID, Name, Description, Agency, State, Fingerprint string
	Created, Updated                                  int64
}

const appColumns = `id, name, description, agency_code, state, cert_fingerprint, created_ms, updated_ms`

func scanApp(sc scanner) (appRow, error) {
	var a appRow
	err := sc.Scan(&a.ID, &a.Name, &a.Description, &a.Agency, &a.State, &a.Fingerprint, &a.Created, &a.Updated)
	return a, err
}

func (a appRow) proto() *registryv1.Application {
	st := registryv1.ApplicationState_APPLICATION_STATE_ACTIVE
	if a.State == appSuspended {
		st = registryv1.ApplicationState_APPLICATION_STATE_SUSPENDED
	}
	return &registryv1.Application{Id: a.ID, Name: a.Name, Description: a.Description, AgencyCode: a.Agency,
		State: st, CertFingerprint: a.Fingerprint, CreateTime: tsOrNil(a.Created), UpdateTime: tsOrNil(a.Updated)}
}

func getApp(ctx context.Context, db *sqlstore.DB, q querier, id string) (appRow, error) {
	a, err := scanApp(q.QueryRowContext(ctx, db.Rebind(`SELECT `+appColumns+` FROM registry_applications WHERE id = ?`), id))
	if errNoRows(err) {
		return a, errAppNotFound(id)
	}
	return a, err
}

// normalizeFingerprint accepts hex with or without ':' separators and
// returns lower-case hex of a SHA-256, or "" for empty input.
func normalizeFingerprint(fp string) (string, error) {
	f := strings.ToLower(strings.ReplaceAll(strings.TrimSpace(fp), ":", ""))
	if f == "" {
		return "", nil
	}
	if b, err := hex.DecodeString(f); err != nil || len(b) != 32 {
		return "", errFingerprint
	}
	return f, nil
}

// checkApp trims and checks an application's name and description.
func checkApp(a *registryv1.Application) (err error) {
	if !validName(a.GetName()) {
		return errAppName
	}
	if a.Name, err = cleanText("application.name", a.GetName(), ruleName); err != nil {
		return err
	}
	if a.Description, err = cleanText("application.description", a.GetDescription(), ruleText); err != nil {
		return err
	}
	if len([]rune(a.GetDescription())) > maxDescription {
		return errAppDescription
	}
	return nil
}

// claimFingerprint refuses a certificate fingerprint that an application
// other than appID holds, in any agency: the gateway identifies the calling
// application by its certificate, so a certificate belongs to one
// application only. The unique index registry_applications_cert_fingerprint
// enforces the same in SQL.
func (t *wtx) claimFingerprint(ctx context.Context, fp, appID string) error {
	if fp == "" {
		return nil
	}
	var other string
	err := t.queryRow(ctx, `SELECT id FROM registry_applications WHERE cert_fingerprint = ? AND id <> ? LIMIT 1`, fp, appID).Scan(&other)
	switch {
	case errNoRows(err):
		return nil
	case err != nil:
		return err
	}
	return errDuplicateFingerprint
}

// appUniqueViolation tells which unique rule an application write broke.
func appUniqueViolation(err error) error {
	if strings.Contains(err.Error(), "cert_fingerprint") {
		return errDuplicateFingerprint
	}
	return errDuplicateApp
}

// CreateApplication registers a consumer application for an agency.
func (s *Service) CreateApplication(ctx context.Context, req *registryv1.CreateApplicationRequest) (*registryv1.CreateApplicationResponse, error) {
	c, err := authorize(ctx, "CreateApplication")
	if err != nil {
		return nil, err
	}
	in := req.GetApplication()
	if in == nil {
		in = &registryv1.Application{}
	}
	agency := in.GetAgencyCode()
	if agency == "" && c.access == own {
		agency = c.Agency
	}
	if err := c.requireOwn(agency); err != nil {
		return nil, err
	}
	in = proto.Clone(in).(*registryv1.Application)
	if err := checkApp(in); err != nil {
		return nil, err
	}
	fp, err := normalizeFingerprint(in.GetCertFingerprint())
	if err != nil {
		return nil, err
	}
	var out appRow
	_, err = s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		if err := activeAgency(ctx, s.db, t.tx, "application.agency_code", agency); err != nil {
			return err
		}
		now := t.now.UnixMilli()
		out = appRow{ID: newID("app"), Name: in.GetName(), Description: in.GetDescription(),
			Agency: agency, State: appActive, Fingerprint: fp, Created: now, Updated: now}
		if err := t.claimFingerprint(ctx, out.Fingerprint, out.ID); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO registry_applications (`+appColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			out.ID, out.Name, out.Description, out.Agency, out.State, out.Fingerprint, out.Created, out.Updated); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return appUniqueViolation(err)
			}
			return err
		}
		t.record("application", out.ID, "create", nil, out.proto())
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "create application", err)
	}
	return &registryv1.CreateApplicationResponse{Application: out.proto()}, nil
}

// GetApplication returns one application.
func (s *Service) GetApplication(ctx context.Context, req *registryv1.GetApplicationRequest) (*registryv1.GetApplicationResponse, error) {
	c, err := authorize(ctx, "GetApplication")
	if err != nil {
		return nil, err
	}
	if err := requireID("id", req.GetId()); err != nil {
		return nil, err
	}
	a, err := getApp(ctx, s.db, s.db.DB, req.GetId())
	if err != nil {
		return nil, s.internalErr(ctx, "get application", err)
	}
	if err := c.requireOwn(a.Agency); err != nil {
		return nil, err
	}
	return &registryv1.GetApplicationResponse{Application: a.proto()}, nil
}

// ListApplications lists applications; agency roles see their own agency's.
func (s *Service) ListApplications(ctx context.Context, req *registryv1.ListApplicationsRequest) (*registryv1.ListApplicationsResponse, error) {
	c, err := authorize(ctx, "ListApplications")
	if err != nil {
		return nil, err
	}
	var l listQuery
	agency := req.GetAgencyCode()
	if c.access == own {
		if agency != "" && agency != c.Agency {
			return nil, c.refuse("another agency's applications")
		}
		agency = c.Agency
	}
	if agency != "" {
		l.where("agency_code = ?", agency)
	}
	switch req.GetState() {
	case registryv1.ApplicationState_APPLICATION_STATE_ACTIVE:
		l.where("state = ?", appActive)
	case registryv1.ApplicationState_APPLICATION_STATE_SUSPENDED:
		l.where("state = ?", appSuspended)
	}
	resp := &registryv1.ListApplicationsResponse{}
	next, err := listPage(ctx, s.db, &l, `SELECT `+appColumns+` FROM registry_applications`, "id", req.GetPageSize(), req.GetPageToken(),
		func(sc scanner) (string, error) {
			a, err := scanApp(sc)
			if err != nil {
				return "", err
			}
			resp.Applications = append(resp.Applications, a.proto())
			return a.ID, nil
		})
	if err != nil {
		return nil, s.internalErr(ctx, "list applications", err)
	}
	resp.NextPageToken = next
	return resp, nil
}

// updateApp loads an application the caller owns, lets fn change it and
// stores it. field names id in the request.
func (s *Service) updateApp(ctx context.Context, c caller, field, id, action string, fn func(before appRow, a *appRow) error) (appRow, error) {
	if err := requireID(field, id); err != nil {
		return appRow{}, err
	}
	var out appRow
	_, err := s.write(ctx, actorOf(c.Principal), func(ctx context.Context, t *wtx) error {
		before, err := getApp(ctx, s.db, t.tx, id)
		if err != nil {
			return err
		}
		if err := c.requireOwn(before.Agency); err != nil {
			return err
		}
		out = before
		if err := fn(before, &out); err != nil {
			return err
		}
		if out.Fingerprint != before.Fingerprint {
			if err := t.claimFingerprint(ctx, out.Fingerprint, out.ID); err != nil {
				return err
			}
		}
		out.Updated = t.now.UnixMilli()
		if _, err := t.exec(ctx, `UPDATE registry_applications SET name = ?, description = ?, state = ?, cert_fingerprint = ?, updated_ms = ? WHERE id = ?`,
			out.Name, out.Description, out.State, out.Fingerprint, out.Updated, out.ID); err != nil {
			if sqlstore.IsUniqueViolation(err) {
				return appUniqueViolation(err)
			}
			return err
		}
		t.record("application", out.ID, action, before.proto(), out.proto())
		return nil
	})
	return out, err
}

// UpdateApplication changes an application's name, description or client
// certificate fingerprint.
func (s *Service) UpdateApplication(ctx context.Context, req *registryv1.UpdateApplicationRequest) (*registryv1.UpdateApplicationResponse, error) {
	c, err := authorize(ctx, "UpdateApplication")
	if err != nil {
		return nil, err
	}
	paths, err := maskPaths(req.GetUpdateMask(), "name", "description", "cert_fingerprint")
	if err != nil {
		return nil, err
	}
	in := req.GetApplication()
	out, err := s.updateApp(ctx, c, "application.id", in.GetId(), "update", func(before appRow, a *appRow) error {
		next := before.proto()
		if paths["name"] {
			next.Name = in.GetName()
		}
		if paths["description"] {
			next.Description = in.GetDescription()
		}
		if err := checkApp(next); err != nil {
			return err
		}
		a.Name, a.Description = next.Name, next.Description
		if paths["cert_fingerprint"] {
			fp, err := normalizeFingerprint(in.GetCertFingerprint())
			if err != nil {
				return err
			}
			a.Fingerprint = fp
		}
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "update application", err)
	}
	return &registryv1.UpdateApplicationResponse{Application: out.proto()}, nil
}

// SuspendApplication stops every credential of an application at the
// gateway until it is resumed.
func (s *Service) SuspendApplication(ctx context.Context, req *registryv1.SuspendApplicationRequest) (*registryv1.SuspendApplicationResponse, error) {
	c, err := authorize(ctx, "SuspendApplication")
	if err != nil {
		return nil, err
	}
	out, err := s.updateApp(ctx, c, "id", req.GetId(), "suspend", func(before appRow, a *appRow) error {
		if before.State != appActive {
			return errAppTransition(before.State, appSuspended)
		}
		a.State = appSuspended
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "suspend application", err)
	}
	return &registryv1.SuspendApplicationResponse{Application: out.proto()}, nil
}

// ResumeApplication lifts a suspension.
func (s *Service) ResumeApplication(ctx context.Context, req *registryv1.ResumeApplicationRequest) (*registryv1.ResumeApplicationResponse, error) {
	c, err := authorize(ctx, "ResumeApplication")
	if err != nil {
		return nil, err
	}
	out, err := s.updateApp(ctx, c, "id", req.GetId(), "resume", func(before appRow, a *appRow) error {
		if before.State != appSuspended {
			return errAppTransition(before.State, appActive)
		}
		a.State = appActive
		return nil
	})
	if err != nil {
		return nil, s.internalErr(ctx, "resume application", err)
	}
	return &registryv1.ResumeApplicationResponse{Application: out.proto()}, nil
}
