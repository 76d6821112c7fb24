package igny8

// Page limits for list endpoints.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// PageRequest asks for one page of a list: at most Limit items after the
// opaque Cursor of the previous page.
type PageRequest struct {
	Limit  int
	Cursor string
}

// Normalized returns r with Limit brought into 1..MaxPageSize.
func (r PageRequest) Normalized() PageRequest {
	if r.Limit <= 0 {
		r.Limit = DefaultPageSize
	}
	if r.Limit > MaxPageSize {
		r.Limit = MaxPageSize
	}
	return r
}

// Page is one page of a list; NextCursor is nil on the last page.
type Page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor" max:"200"`
}

// AppendJSON appends p as encoding/json would. When T (or *T) is a
// JSONAppender the items append themselves, without reflection; for any
// other T the whole page goes through encoding/json.
func (p *Page[T]) AppendJSON(b []byte) ([]byte, error) {
	if p == nil {
		return append(b, "null"...), nil
	}
	if _, ok := any((*T)(nil)).(JSONAppender); !ok {
		return appendMarshal(b, p)
	}
	if p.Items == nil {
		b = append(b, `{"items":null`...)
	} else {
		b = append(b, `{"items":[`...)
		for i := range p.Items {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = any(&p.Items[i]).(JSONAppender).AppendJSON(b); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	}
	b = append(b, `,"next_cursor":`...)
	b = appendJSONStringPtr(b, p.NextCursor)
	return append(b, '}'), nil
}
