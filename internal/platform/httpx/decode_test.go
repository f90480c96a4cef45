package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

type dto struct {
	Name  string `json:"name" validate:"required,max=5"`
	Count int    `json:"count" validate:"gte=0"`
}

func TestDecodeNamesTheFieldAtFault(t *testing.T) {
	v := httpx.NewValidator()
	cases := []struct {
		name, body string
		kind       errs.Kind
		field      string
	}{
		{"valid", `{"name":"ada","count":1}`, -1, ""},
		{"unknown field", `{"name":"ada","admin":true}`, errs.Invalid, "admin"},
		{"missing required", `{"count":1}`, errs.Invalid, "name"},
		{"wrong type", `{"name":"ada","count":"many"}`, errs.Invalid, "count"},
		{"rule broken", `{"name":"adaada"}`, errs.Invalid, "name"},
		{"trailing data", `{"name":"ada"} {"name":"bob"}`, errs.Invalid, ""},
		{"malformed", `{"name":`, errs.Invalid, ""},
		{"empty", ``, errs.Invalid, ""},
		{"too large", `{"name":"` + strings.Repeat("a", 100) + `"}`, errs.TooLarge, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(c.body))
			r.Header.Set("Content-Type", "application/json")
			var d dto
			err := v.Decode(r, httptest.NewRecorder(), &d, 64)
			if c.kind == -1 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			e, ok := errs.As(err)
			if !ok || e.Kind != c.kind {
				t.Fatalf("error %v, want kind %v", err, c.kind)
			}
			if c.field != "" && (len(e.Fields) == 0 || e.Fields[0].Field != c.field) {
				t.Fatalf("fields %+v, want %q", e.Fields, c.field)
			}
		})
	}
}

func TestWriteErrorHidesInternalDetails(t *testing.T) {
	w := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodGet, "/x", nil)
	httpx.WriteError(w, r, quietLogger(), errs.Wrap(errs.Internal, errFake("pq: relation secret_table"), "boom"))
	if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "secret_table") {
		t.Fatalf("%d %s", w.Code, w.Body)
	}
	if w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("content type %q", w.Header().Get("Content-Type"))
	}
}
