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
