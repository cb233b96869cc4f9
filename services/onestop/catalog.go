package onestop

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/lgsp-vn/lgsp/adapters/dvcqg"
	"github.com/lgsp-vn/lgsp/platform/workday"
)

// hcm is Asia/Ho_Chi_Minh: dossier days, deadlines and portal dates.
var hcm = dvcqg.Zone

// The catalogues an admin keeps: procedures with their processing time,
// one-stop units (agencies with a level), and the holiday calendars.

// cal returns the holiday calendar in use.
func (s *Service) cal() *workday.Calendar { return s.calendar.Load() }

// loadCalendars rebuilds the calendar from the years loaded in the
// database, the built-in defaults standing for the others.
func (s *Service) loadCalendars(ctx context.Context) error {
	rows, err := s.db.QueryContext(ctx, `SELECT year, body FROM onestop_calendars ORDER BY year`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var years []workday.Year
	for rows.Next() {
		var y int64
		var raw string
		if err := rows.Scan(&y, &raw); err != nil {
			return err
		}
		var yr workday.Year
		if err := json.Unmarshal([]byte(raw), &yr); err != nil {
			s.log.Error("onestop: a stored holiday calendar does not read; the default stands for its year", "year", y, "err", err)
			continue
		}
		years = append(years, yr)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	s.calendar.Store(workday.New(years...))
	s.loadedYears.Store(yearSet(years))
	return nil
}

func yearSet(years []workday.Year) map[int]bool {
	m := map[int]bool{}
	for _, y := range years {
		m[y.Year] = true
	}
	return m
}

// putCalendar stores a year's official calendar and uses it at once. It
// applies to deadlines computed from now on; deadlines already set stay.
func (s *Service) putCalendar(ctx context.Context, y workday.Year) error {
	if err := y.Validate(); err != nil {
		return errCalendar(err)
	}
	raw, err := json.Marshal(y)
	if err != nil {
		return err
	}
	err = s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO onestop_calendars (year, body, updated_ms) VALUES (?, ?, ?)
			ON CONFLICT (year) DO UPDATE SET body = excluded.body, updated_ms = excluded.updated_ms`), y.Year, string(raw), s.now().UnixMilli())
		return err
	})
	if err != nil {
		return err
	}
	return s.loadCalendars(ctx)
}

// putProcedure adds or updates a procedure.
func (s *Service) putProcedure(ctx context.Context, p procRow) error {
	p.Code = strings.TrimSpace(p.Code)
	if !procedureRe.MatchString(p.Code) {
		return errBadProcedureCode
	}
	if strings.TrimSpace(p.Name) == "" {
		return errProcedureName
	}
	if p.Days < 0 || p.Days > 365 {
		return errBadWorkingDays
	}
	if err := checkText(p.Name, p.FieldCode, p.FieldName); err != nil {
		return err
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO onestop_procedures (code, name, field_code, field_name, working_days, updated_ms)
			VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET name = excluded.name, field_code = excluded.field_code,
			field_name = excluded.field_name, working_days = excluded.working_days, updated_ms = excluded.updated_ms`),
			p.Code, p.Name, p.FieldCode, p.FieldName, p.Days, s.now().UnixMilli())
		return err
	})
}

func (s *Service) procedures(ctx context.Context) ([]procRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT code, name, field_code, field_name, working_days FROM onestop_procedures ORDER BY code`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []procRow
	for rows.Next() {
		var p procRow
		var d int64
		if err := rows.Scan(&p.Code, &p.Name, &p.FieldCode, &p.FieldName, &d); err != nil {
			return nil, err
		}
		p.Days = int(d)
		out = append(out, p)
	}
	return out, rows.Err()
}

// putUnit gives an agency of the registry its level.
func (s *Service) putUnit(ctx context.Context, u unitRow) error {
	if s.cfg.level(u.Level) < 0 {
		return errBadLevel
	}
	if utf8.RuneCountInString(u.Name) > maxText {
		return errTooLong
	}
	name, known, err := s.dir.lookup(ctx, u.Agency)
	if err != nil {
		return err
	}
	if !known {
		return errUnknownAgency
	}
	if u.Name == "" {
		u.Name = name
	}
	return s.db.InTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, s.db.Rebind(`INSERT INTO onestop_units (agency, level, name, updated_ms) VALUES (?, ?, ?, ?)
			ON CONFLICT (agency) DO UPDATE SET level = excluded.level, name = excluded.name, updated_ms = excluded.updated_ms`),
			u.Agency, u.Level, u.Name, s.now().UnixMilli())
		return err
	})
}

func (s *Service) units(ctx context.Context) ([]unitRow, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT agency, level, name FROM onestop_units ORDER BY agency`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []unitRow
	for rows.Next() {
		var u unitRow
		if err := rows.Scan(&u.Agency, &u.Level, &u.Name); err != nil {
			return nil, err
		}
		out = append(out, u)
	}
	return out, rows.Err()
}

// unitName reads an agency's name as a unit ("" when it is none).
func (s *Service) unitName(ctx context.Context, agency string) string {
	var name string
	err := s.db.QueryRowContext(ctx, s.db.Rebind(`SELECT name FROM onestop_units WHERE agency = ?`), agency).Scan(&name)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		s.log.Warn("onestop: reading a unit failed", "agency", agency, "err", err)
	}
	return name
}
