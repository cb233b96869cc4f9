package registry

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/lgsp-vn/lgsp/platform/sqlstore"
)

// listQuery collects WHERE conditions for a paged list.
type listQuery struct {
	conds []string
	args  []any
	// desc lists newest first: by descending key.
	desc bool
}

func (l *listQuery) where(cond string, args ...any) {
	l.conds = append(l.conds, cond)
	l.args = append(l.args, args...)
}

// pageKey is the type of the column a list is ordered by.
type pageKey interface{ string | int64 }

// listPage runs a keyset-paged query: base (a SELECT without WHERE) ordered
// by the column key and continued after the key the page token carries.
// scan consumes one row and returns its key; it returns the next page token,
// empty on the last page.
func listPage[K pageKey](ctx context.Context, db *sqlstore.DB, l *listQuery, base, key string, size int32, token string, scan func(scanner) (K, error)) (string, error) {
	op, order := " > ?", " ORDER BY "+key
	if l.desc {
		op, order = " < ?", order+" DESC"
	}
	if token != "" {
		after, err := decodeKey[K](token)
		if err != nil {
			return "", err
		}
		l.where(key+op, after)
	}
	n := pageSize(size)
	q := base
	if len(l.conds) > 0 {
		q += " WHERE " + strings.Join(l.conds, " AND ")
	}
	q += order + " LIMIT " + strconv.Itoa(n+1)
	rows, err := db.QueryContext(ctx, db.Rebind(q), l.args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var last K
	for i := 0; rows.Next(); i++ {
		if i == n {
			return encodeKey(last), rows.Close()
		}
		if last, err = scan(rows); err != nil {
			return "", err
		}
	}
	return "", rows.Err()
}

// Paging: opaque tokens carry the last key of the previous page.
const (
	defaultPageSize = 50
	maxPageSize     = 500
)

func pageSize(n int32) int {
	switch {
	case n <= 0:
		return defaultPageSize
	case n > maxPageSize:
		return maxPageSize
	}
	return int(n)
}

func encodeKey[K pageKey](k K) string {
	return base64.RawURLEncoding.EncodeToString([]byte("k1:" + fmt.Sprint(k)))
}

func decodeKey[K pageKey](token string) (K, error) {
	var k K
	b, err := base64.RawURLEncoding.DecodeString(token)
	text, ok := strings.CutPrefix(string(b), "k1:")
	if err != nil || !ok {
		return k, errPageToken
	}
	switch p := any(&k).(type) {
	case *int64:
		if *p, err = strconv.ParseInt(text, 10, 64); err != nil {
			return k, errPageToken
		}
	case *string:
		*p = text
	}
	return k, nil
}
