package sqlstore

import (
	"context"

	"github.com/google/uuid"
	"github.com/igny8/igny8"
)

// newestFirst runs q (a SELECT that already has its WHERE clause) as one
// page of a list ordered by idCol, newest first. Ids are UUIDv7, so id
// order is creation order and the last id of a page is the next cursor.
// Errors: validation_failed for a cursor that is no id.
func newestFirst[T any](ctx context.Context, c conn, q, idCol string, args []any, page igny8.PageRequest,
	scan func(scanner) (T, error), idOf func(*T) string) (*igny8.Page[T], error) {
	page = page.Normalized()
	if page.Cursor != "" {
		if _, err := uuid.Parse(page.Cursor); err != nil {
			return nil, igny8.InvalidField("cursor", "must be the next_cursor of a previous page")
		}
		q += ` AND ` + idCol + ` < ?`
		args = append(args, page.Cursor)
	}
	q += ` ORDER BY ` + idCol + ` DESC LIMIT ?`
	args = append(args, page.Limit+1)
	rows, err := c.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := &igny8.Page[T]{Items: []T{}}
	for rows.Next() {
		item, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out.Items = append(out.Items, item)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out.Items) > page.Limit {
		out.Items = out.Items[:page.Limit]
		next := idOf(&out.Items[page.Limit-1])
		out.NextCursor = &next
	}
	return out, nil
}
