package sqlstore

import (
	"context"

	"github.com/igny8/igny8"
)

// queryAll runs q on c and scans every row with scan, in order. It closes
// the rows and returns the first query, scan or iteration error; no rows
// give a nil slice.
func queryAll[T any](ctx context.Context, c conn, scan func(scanner) (*T, error), q string, args ...any) ([]T, error) {
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *item)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// cutPage makes a page of items read with LIMIT limit+1: the extra row,
// when there is one, is dropped and the last item kept gives the next
// cursor. Items is never nil.
func cutPage[T any](items []T, limit int, cursor func(*T) string) *igny8.Page[T] {
	page := &igny8.Page[T]{Items: items}
	if page.Items == nil {
		page.Items = []T{}
	}
	if len(items) > limit {
		page.Items = items[:limit]
		next := cursor(&items[limit-1])
		page.NextCursor = &next
	}
	return page
}

// newestFirst runs q (a SELECT that already has its WHERE clause) as one
// page of a list ordered by idCol, newest first. Ids are UUIDv7, so id
// order is creation order and the last id of a page is the next cursor.
// Errors: validation_failed for a cursor that is no id.
func newestFirst[T any](ctx context.Context, c conn, q, idCol string, args []any, page igny8.PageRequest,
	scan func(scanner) (*T, error), idOf func(*T) string) (*igny8.Page[T], error) {
	page = page.Normalized()
	if page.Cursor != "" {
		if !igny8.IsID(page.Cursor) {
			return nil, igny8.InvalidField("cursor", "must be the next_cursor of a previous page")
		}
		q += ` AND ` + idCol + ` < ?`
		args = append(args, page.Cursor)
	}
	q += ` ORDER BY ` + idCol + ` DESC LIMIT ?`
	args = append(args, page.Limit+1)
	items, err := queryAll(ctx, c, scan, q, args...)
	if err != nil {
		return nil, err
	}
	return cutPage(items, page.Limit, idOf), nil
}
