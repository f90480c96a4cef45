// Package page is the keyset paging of the internal read-model feeds
// (GET /internal/v1/read-model/…?after=&limit=): a consumer fills its own copy of another
// service's data by following Next until it is empty.
package page

import (
	"net/url"
	"strconv"

	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Limits of one page.
const (
	DefaultLimit = 500
	MaxLimit     = 1000
)

// Request asks for up to Limit items whose key sorts after After ("" = from the start).
type Request struct {
	After string
	Limit int
}

// Page is one page of a feed. Next is the key of the last item when more may follow, and ""
// once the feed is exhausted; it is the After of the next request.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

// Parse reads after and limit from a query. A missing or zero limit is DefaultLimit, a
// larger one than MaxLimit is MaxLimit; a limit that is not a non-negative integer is
// Invalid.
func Parse(q url.Values) (Request, error) {
	r := Request{After: q.Get("after")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return Request{}, errs.InvalidFields("the query has invalid parameters",
				errs.FieldError{Field: "limit", Message: "must be a non-negative integer"})
		}
		r.Limit = n
	}
	return r.Normalised(), nil
}

// Normalised returns r with its limit brought into 1..MaxLimit (0 means DefaultLimit).
func (r Request) Normalised() Request {
	switch {
	case r.Limit <= 0:
		r.Limit = DefaultLimit
	case r.Limit > MaxLimit:
		r.Limit = MaxLimit
	}
	return r
}

// Of builds a page from rows read with a limit of r.Limit+1: the extra row, if present, only
// tells that more follow (so Next is "" exactly when the feed is done, never one empty page
// late). key gives an item's paging key.
func Of[T any](r Request, rows []T, key func(T) string) Page[T] {
	p := Page[T]{Items: rows}
	if len(rows) > r.Limit {
		p.Items = rows[:r.Limit]
		p.Next = key(p.Items[len(p.Items)-1])
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}

// Map converts a page's items, keeping Next.
func Map[T, U any](p Page[T], f func(T) U) Page[U] {
	out := Page[U]{Items: make([]U, len(p.Items)), Next: p.Next}
	for i, x := range p.Items {
		out.Items[i] = f(x)
	}
	return out
}
