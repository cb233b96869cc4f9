package onestop

import (
	"context"
	"strconv"
	"time"
)

// listQuery is a validated staff search.
type listQuery struct {
	agency, procedure string
	status            int
	from, to          time.Time
	overdue, handling bool
	limit, offset     int
}

// list searches the dossiers c may see.
func (s *Service) list(ctx context.Context, c caller, q listQuery) ([]*dossier, error) {
	query := `SELECT ` + prefixed("d.", dossierColumns) + ` FROM onestop_dossiers d`
	var where []string
	var args []any
	agency := q.agency
	if !c.overseer {
		if agency != "" && agency != c.agency {
			return nil, errForbidden
		}
		if q.handling {
			where = append(where, `d.handling_agency = ?`)
			args = append(args, c.agency)
		} else {
			query += ` JOIN onestop_access a ON a.code = d.code AND a.agency = ?`
			args = append(args, c.agency)
		}
	} else if agency != "" {
		if q.handling {
			where = append(where, `d.handling_agency = ?`)
		} else {
			where = append(where, `EXISTS (SELECT 1 FROM onestop_access a WHERE a.code = d.code AND a.agency = ?)`)
		}
		args = append(args, agency)
	}
	if q.procedure != "" {
		where = append(where, `d.procedure_code = ?`)
		args = append(args, q.procedure)
	}
	if q.status != 0 {
		where = append(where, `d.status = ?`)
		args = append(args, q.status)
	}
	if !q.from.IsZero() {
		where = append(where, `d.received_ms >= ?`)
		args = append(args, q.from.UnixMilli())
	}
	if !q.to.IsZero() {
		where = append(where, `d.received_ms < ?`)
		args = append(args, q.to.UnixMilli())
	}
	if q.overdue {
		where = append(where, `d.finished_ms = 0 AND d.status IN (2, 4) AND d.due_ms > 0 AND d.due_ms < ?`)
		args = append(args, s.now().UnixMilli())
	}
	for i, w := range where {
		if i == 0 {
			query += ` WHERE ` + w
		} else {
			query += ` AND ` + w
		}
	}
	query += ` ORDER BY d.received_ms DESC, d.code DESC LIMIT ? OFFSET ?`
	args = append(args, q.limit, q.offset)
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(query), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*dossier
	for rows.Next() {
		d, err := scanDossier(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// prefixed qualifies each column of a comma-separated list.
func prefixed(p, cols string) string {
	out := make([]byte, 0, len(cols)+64)
	start := true
	for i := 0; i < len(cols); i++ {
		ch := cols[i]
		if start && ch != ' ' && ch != '\n' && ch != '\t' {
			out = append(out, p...)
			start = false
		}
		if ch == ',' {
			start = true
		}
		out = append(out, ch)
	}
	return string(out)
}

// Paging tokens are offsets.
func pageOffset(tok string) (int, error) {
	if tok == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(tok)
	if err != nil || n < 0 {
		return 0, errBadPage
	}
	return n, nil
}

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return 50
	case n > 500:
		return 500
	}
	return int(n)
}
