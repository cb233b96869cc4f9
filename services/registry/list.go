package registry

import (
	"context"
	"strconv"
	"strings"
)

// listQuery collects WHERE conditions for a paged list.
type listQuery struct {
	conds []string
	args  []any
}

func (l *listQuery) where(cond string, args ...any) {
	l.conds = append(l.conds, cond)
	l.args = append(l.args, args...)
}

// list runs a keyset-paged query ordered by the text column key. scan
// consumes one row and returns its key.
func (s *Service) list(ctx context.Context, l *listQuery, base, key string, size int32, token string, scan func(scanner) (string, error)) (string, error) {
	if token != "" {
		after, err := decodePageToken(token)
		if err != nil {
			return "", err
		}
		l.where(key+" > ?", after)
	}
	n := pageSize(size)
	q := base
	if len(l.conds) > 0 {
		q += " WHERE " + strings.Join(l.conds, " AND ")
	}
	q += " ORDER BY " + key + " LIMIT " + strconv.Itoa(n+1)
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(q), l.args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var last string
	for i := 0; rows.Next(); i++ {
		if i == n {
			return encodePageToken(last), rows.Close()
		}
		if last, err = scan(rows); err != nil {
			return "", err
		}
	}
	return "", rows.Err()
}

// listNumeric is list for an integer key.
func (s *Service) listNumeric(ctx context.Context, l *listQuery, base, key string, size int32, token string, scan func(scanner) (int64, error)) (string, error) {
	if token != "" {
		after, err := decodePageToken(token)
		if err != nil {
			return "", err
		}
		v, err := strconv.ParseInt(after, 10, 64)
		if err != nil {
			return "", errPageToken
		}
		l.where(key+" > ?", v)
	}
	n := pageSize(size)
	q := base
	if len(l.conds) > 0 {
		q += " WHERE " + strings.Join(l.conds, " AND ")
	}
	q += " ORDER BY " + key + " LIMIT " + strconv.Itoa(n+1)
	rows, err := s.db.QueryContext(ctx, s.db.Rebind(q), l.args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var last int64
	for i := 0; rows.Next(); i++ {
		if i == n {
			return encodePageToken(strconv.FormatInt(last, 10)), rows.Close()
		}
		if last, err = scan(rows); err != nil {
			return "", err
		}
	}
	return "", rows.Err()
}
