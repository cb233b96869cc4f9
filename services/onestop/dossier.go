package onestop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
	"github.com/lgsp-vn/lgsp/platform/workday"
)

// clockSkew is how far ahead of the service's clock a caller's timestamp
// may be before it counts as "in the future".
const clockSkew = 5 * time.Minute

// Bounds of free text and lists in a request.
const (
	maxText = 2000
	maxList = 200
)

// createInput is a validated CreateDossier request.
type createInput struct {
	RequestID string
	Receiving string
	Handling  string // "" when the receiving agency handles it
	Procedure string
	Status    int
	Received  time.Time
	Body      body
	Actor     actor
	Note      string
}

// changeInput is a validated ChangeStatus, AddStep or TransferDossier.
type changeInput struct {
	Code     string
	Kind     string // kindStatus, kindStep, kindTransfer
	Status   int
	ToAgency string
	At       time.Time
	Actor    actor
	Note     string
	Results  []resultPaper
	Fees     []fee
}

// who is the calling agency's application.
type who struct {
	agency string
	app    string
}

// checkText refuses an over-long text field or list.
func checkText(fields ...string) error {
	for _, f := range fields {
		if utf8.RuneCountInString(f) > maxText {
			return errTooLong
		}
	}
	return nil
}

// at resolves a change's time: now when zero; never in the future.
func (s *Service) at(t time.Time) (time.Time, error) {
	now := s.now()
	if t.IsZero() {
		return now.Truncate(time.Millisecond), nil
	}
	if t.After(now.Add(clockSkew)) {
		return time.Time{}, errFutureDate
	}
	return t.Truncate(time.Millisecond), nil
}

// create records a new dossier, or answers the one request_id created.
func (s *Service) create(ctx context.Context, w who, in createInput) (*dossier, bool, error) {
	var out *dossier
	var created bool
	err := s.group.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out, created = nil, false
		var key sql.NullString
		if in.RequestID != "" {
			key = sql.NullString{String: in.Receiving + "|" + in.RequestID, Valid: true}
			var code string
			err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT code FROM onestop_dossiers WHERE request_key = ?`), key.String).Scan(&code)
			if err == nil {
				d, err := s.st.loadForUpdate(ctx, tx, code)
				out = d
				return err
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		proc, err := s.procedure(ctx, tx, in.Procedure)
		if err != nil {
			return err
		}
		u, err := s.unit(ctx, tx, in.Receiving)
		if err != nil {
			return err
		}
		h := u
		if in.Handling != "" && in.Handling != in.Receiving {
			if h, err = s.unit(ctx, tx, in.Handling); err != nil {
				return err
			}
		}
		day := in.Received.In(hcm).Format("060102")
		n, err := s.st.nextNumber(ctx, tx, in.Receiving, day)
		if err != nil {
			return err
		}
		now := s.now()
		d := &dossier{
			Code: formatCode(in.Receiving, in.Received, n), RequestKey: key,
			Receiving: in.Receiving, Handling: h.Agency, Level: h.Level, Procedure: proc.Code,
			Status: in.Status, Received: in.Received, PausedDays: -1, Body: in.Body,
			Created: now, Updated: now,
		}
		d.Body.ProcedureName, d.Body.FieldCode, d.Body.FieldName = proc.Name, proc.FieldCode, proc.FieldName
		d.Body.HandlingName = h.Name
		if d.Status == stReceived {
			d.Due = s.cal().AddWorkingDays(d.Received, proc.Days, s.dayEnds)
		}
		if err := s.st.insertDossier(ctx, tx, d); err != nil {
			return err
		}
		if d.Handling != d.Receiving {
			if err := s.st.grantAccess(ctx, tx, d.Code, d.Handling); err != nil {
				return err
			}
		}
		e := trailEntry{Kind: kindCreated, At: d.Received, Agency: w.agency, Application: w.app, ToStatus: d.Status,
			Body: trailBody{Actor: in.Actor, Note: in.Note}}
		if err := s.st.appendTrail(ctx, tx, d, e, now); err != nil {
			return err
		}
		if err := s.enqueueDossier(ctx, tx, d, now); err != nil {
			return err
		}
		if err := s.st.updateDossier(ctx, tx, d); err != nil {
			return err
		}
		out, created = d, true
		return nil
	})
	if sqlstore.IsUniqueViolation(err) && in.RequestID != "" {
		// The same request_id raced another create: answer that one.
		var code string
		if qerr := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT code FROM onestop_dossiers WHERE request_key = ?`), in.Receiving+"|"+in.RequestID).Scan(&code); qerr == nil {
			d, err := s.st.load(ctx, code)
			return d, false, err
		}
	}
	if err != nil {
		return nil, false, err
	}
	if created {
		s.wakeAll()
	}
	return out, created, nil
}

// change applies a status change, a step or a transfer made by w.
func (s *Service) change(ctx context.Context, w who, in changeInput) (*dossier, error) {
	var out *dossier
	err := s.group.Do(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = nil
		d, err := s.st.loadForUpdate(ctx, tx, in.Code)
		if errors.Is(err, errNoRows) {
			return errDossierNotFound
		}
		if err != nil {
			return err
		}
		if d.Handling != w.agency {
			ok, err := s.st.canSee(ctx, tx, d.Code, w.agency)
			if err != nil {
				return err
			}
			if !ok {
				return errDossierNotFound
			}
			return errNotHandler
		}
		at := in.At
		if at.Before(d.Received) {
			return errBeforeReceipt
		}
		now := s.now()
		switch in.Kind {
		case kindStatus:
			err = s.applyStatus(ctx, tx, d, w, in, at, now)
		case kindStep:
			err = s.applyStep(ctx, tx, d, w, in, at, now)
		case kindTransfer:
			err = s.applyTransfer(ctx, tx, d, w, in, at, now)
		default:
			err = fmt.Errorf("onestop: unknown change %q", in.Kind)
		}
		if err != nil {
			return err
		}
		d.Updated = now
		if err := s.st.updateDossier(ctx, tx, d); err != nil {
			return err
		}
		out = d
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.wakeAll()
	return out, nil
}

func (s *Service) applyStatus(ctx context.Context, tx *sql.Tx, d *dossier, w who, in changeInput, at, now time.Time) error {
	from, to := d.Status, in.Status
	if !legal(from, to) {
		return errTransition(from, to)
	}
	cal := s.cal()
	// Leaving a pause: the working days left run again from now.
	if pauses(from) && !pauses(to) && d.PausedDays >= 0 {
		d.Due = cal.AddWorkingDays(at, d.PausedDays, s.dayEnds)
		d.PausedDays = -1
		if d.Due.After(now) {
			d.OverdueNotified = false
		}
		if from == stSupplement && len(d.Body.Supplements) > 0 {
			last := &d.Body.Supplements[len(d.Body.Supplements)-1]
			last.ReceivedMS, last.DueAfterMS = ms(at), ms(d.Due)
		}
	}
	switch to {
	case stReceived:
		d.Received = at
		proc, err := s.procedure(ctx, tx, d.Procedure)
		if err != nil {
			return err
		}
		d.Due = cal.AddWorkingDays(at, proc.Days, s.dayEnds)
	case stSupplement, stFinancial:
		if !pauses(from) && !d.Due.IsZero() {
			d.PausedDays = cal.WorkingDaysBetween(at, d.Due)
			if d.Due.Before(at) {
				d.PausedDays = 0
			}
		}
		if to == stSupplement {
			d.Body.Supplements = append(d.Body.Supplements, supplement{
				ID: fmt.Sprintf("%s-BS%d", d.Code, len(d.Body.Supplements)+1), RequestedBy: in.Actor.Name,
				Content: in.Note, RequestedMS: ms(at), DueBeforeMS: ms(d.Due),
			})
		}
		d.Body.Fees = append(d.Body.Fees, in.Fees...)
	case stFinished:
		d.Finished = at
		// Judged to the second, as the portal sees the dates
		// (yyyyMMddHHmmss), so that both count the same dossiers late.
		d.Timeliness = timeliness(at.Truncate(time.Second), d.Due)
		d.Body.Results = append(d.Body.Results, in.Results...)
	case stReturned:
		d.Returned = at
		d.Body.Results = append(d.Body.Results, in.Results...)
	}
	d.Status = to
	if in.Note != "" {
		d.Body.Note = in.Note
	}
	e := trailEntry{Kind: kindStatus, At: at, Agency: w.agency, Application: w.app, FromStatus: from, ToStatus: to,
		Body: trailBody{Actor: in.Actor, Note: in.Note}}
	if err := s.st.appendTrail(ctx, tx, d, e, now); err != nil {
		return err
	}
	return s.enqueueDossier(ctx, tx, d, now)
}

func (s *Service) applyStep(ctx context.Context, tx *sql.Tx, d *dossier, w who, in changeInput, at, now time.Time) error {
	if closedUnfinished(d.Status) || d.Status == stReturned {
		return errTransition(d.Status, d.Status)
	}
	e := trailEntry{Kind: kindStep, At: at, Agency: w.agency, Application: w.app, FromStatus: d.Status, ToStatus: d.Status,
		Body: trailBody{Actor: in.Actor, Note: in.Note}}
	if err := s.st.appendTrail(ctx, tx, d, e, now); err != nil {
		return err
	}
	return s.enqueueProgress(ctx, tx, d, in.Actor, in.Note, at, now)
}

func (s *Service) applyTransfer(ctx context.Context, tx *sql.Tx, d *dossier, w who, in changeInput, at, now time.Time) error {
	if d.Status != stReceived && d.Status != stProcessing {
		return errTransferStatus(d.Status)
	}
	if in.ToAgency == d.Handling {
		return errTransferSame
	}
	u, err := s.unit(ctx, tx, in.ToAgency)
	if err != nil {
		return err
	}
	from, to := s.cfg.level(d.Level), s.cfg.level(u.Level)
	if from < 0 || to < 0 || (to != from+1 && to != from-1) {
		return errTransferLevel(d.Level, u.Level)
	}
	prev := d.Handling
	d.Handling, d.Level, d.Body.HandlingName = u.Agency, u.Level, u.Name
	if err := s.st.grantAccess(ctx, tx, d.Code, u.Agency); err != nil {
		return err
	}
	e := trailEntry{Kind: kindTransfer, At: at, Agency: w.agency, Application: w.app, FromStatus: d.Status, ToStatus: d.Status,
		ToAgency: u.Agency, Body: trailBody{Actor: in.Actor, Note: in.Note}}
	if err := s.st.appendTrail(ctx, tx, d, e, now); err != nil {
		return err
	}
	content := fmt.Sprintf("Chuyển liên thông từ %s đến %s (%s)", prev, u.Agency, u.Level)
	if in.Note != "" {
		content += ": " + in.Note
	}
	if err := s.enqueueProgress(ctx, tx, d, in.Actor, content, at, now); err != nil {
		return err
	}
	return s.enqueueDossier(ctx, tx, d, now)
}

// timeliness classifies a finish against the due time.
func timeliness(finished, due time.Time) string {
	if due.IsZero() {
		return "on_time"
	}
	switch workday.Classify(finished, due) {
	case workday.Early:
		return "early"
	case workday.Late:
		return "late"
	default:
		return "on_time"
	}
}

// procRow is a procedure of the catalogue.
type procRow struct {
	Code, Name, FieldCode, FieldName string
	Days                             int
}

func (s *Service) procedure(ctx context.Context, tx *sql.Tx, code string) (procRow, error) {
	p := procRow{Code: code}
	var days int64
	err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT name, field_code, field_name, working_days FROM onestop_procedures WHERE code = ?`), code).
		Scan(&p.Name, &p.FieldCode, &p.FieldName, &days)
	if errors.Is(err, sql.ErrNoRows) {
		return p, errUnknownProcedure
	}
	p.Days = int(days)
	return p, err
}

// unitRow is an agency with its level.
type unitRow struct{ Agency, Level, Name string }

func (s *Service) unit(ctx context.Context, tx *sql.Tx, agency string) (unitRow, error) {
	u := unitRow{Agency: agency}
	err := tx.QueryRowContext(ctx, s.db.Rebind(`SELECT level, name FROM onestop_units WHERE agency = ?`), agency).Scan(&u.Level, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return u, errUnknownAgency
	}
	return u, err
}

// normalizeCode trims a dossier code as typed.
func normalizeCode(code string) string { return strings.TrimSpace(code) }
