package page

import (
	"net/url"
	"slices"
	"testing"

	"github.com/registrar-edu/registrar/internal/platform/errs"
)

func TestParse(t *testing.T) {
	for _, c := range []struct {
		query   string
		want    Request
		invalid bool
	}{
		{"", Request{Limit: DefaultLimit}, false},
		{"after=x&limit=0", Request{After: "x", Limit: DefaultLimit}, false},
		{"limit=7", Request{Limit: 7}, false},
		{"limit=1000", Request{Limit: 1000}, false},
		{"limit=5000", Request{Limit: MaxLimit}, false},
		{"limit=-1", Request{}, true},
		{"limit=ten", Request{}, true},
	} {
		q, _ := url.ParseQuery(c.query)
		got, err := Parse(q)
		if c.invalid {
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("%q: %v, want invalid", c.query, err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q: %+v %v, want %+v", c.query, got, err, c.want)
		}
	}
}

func TestOf(t *testing.T) {
	id := func(s string) string { return s }
	r := Request{Limit: 2}
	if p := Of(r, []string{"a", "b", "c"}, id); !slices.Equal(p.Items, []string{"a", "b"}) || p.Next != "b" {
		t.Fatalf("more follow: %+v", p)
	}
	if p := Of(r, []string{"a", "b"}, id); len(p.Items) != 2 || p.Next != "" {
		t.Fatalf("exactly the last page: %+v", p)
	}
	if p := Of(r, nil, id); p.Items == nil || len(p.Items) != 0 || p.Next != "" {
		t.Fatalf("empty page must encode items as []: %+v", p)
	}
	m := Map(Of(r, []string{"a", "b", "c"}, id), func(s string) int { return len(s) })
	if !slices.Equal(m.Items, []int{1, 1}) || m.Next != "b" {
		t.Fatalf("map: %+v", m)
	}
}
