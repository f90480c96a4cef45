package ports_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// The module feed pages through the whole catalogue in code order, tombstones included, in
// the shape registration's read model keeps.
func TestModuleFeedPagesThroughTheCatalogueWithTombstones(t *testing.T) {
	f := newFixture(t)
	for _, c := range []struct{ code, prereq string }{{"CS101", ""}, {"MA101", ""}, {"CS201", "CS101"}, {"CS102", ""}, {"EE101", ""}} {
		if code, body := f.call(t, http.MethodPost, "/api/v1/subjects", moduleJSON(c.code, c.prereq)); code != http.StatusCreated {
			t.Fatalf("create %s: %d %v", c.code, code, body)
		}
	}
	if code, body := f.call(t, http.MethodDelete, "/api/v1/subjects/CS102", ""); code != http.StatusNoContent {
		t.Fatalf("delete: %d %v", code, body)
	}

	type item struct {
		Code    string `json:"code"`
		Version int    `json:"version"`
		Deleted bool   `json:"deleted"`
	}
	var items []item
	var raw []map[string]any
	var nexts []string
	after := ""
	for range 10 {
		code, body := f.call(t, http.MethodGet, "/internal/v1/read-model/modules?limit=2&after="+after, "")
		if code != http.StatusOK {
			t.Fatalf("feed: %d %v", code, body)
		}
		b, _ := json.Marshal(body)
		var p struct {
			Items []map[string]any `json:"items"`
			Next  *string          `json:"next"`
		}
		if err := json.Unmarshal(b, &p); err != nil || p.Next == nil || p.Items == nil {
			t.Fatalf("page shape %s: %v", b, err)
		}
		for _, x := range p.Items {
			var it item
			xb, _ := json.Marshal(x)
			_ = json.Unmarshal(xb, &it)
			items = append(items, it)
			raw = append(raw, x)
		}
		nexts = append(nexts, *p.Next)
		if *p.Next == "" {
			break
		}
		after = *p.Next
	}
	want := []item{{"CS101", 1, false}, {"CS102", 2, true}, {"CS201", 1, false}, {"EE101", 1, false}, {"MA101", 1, false}}
	if !slices.Equal(items, want) {
		t.Fatalf("feed %+v, want %+v", items, want)
	}
	if !slices.Equal(nexts, []string{"CS102", "EE101", ""}) {
		t.Fatalf("next cursors %q", nexts)
	}

	fields := func(m map[string]any) []string {
		var ks []string
		for k := range m {
			ks = append(ks, k)
		}
		slices.Sort(ks)
		return ks
	}
	wantFields := []string{"antiRequisites", "code", "coRequisites", "credits", "deleted", "fee", "level", "prerequisites",
		"programmes", "termsOffered", "title", "version"}
	slices.Sort(wantFields)
	for _, x := range raw {
		if got := fields(x); !slices.Equal(got, wantFields) {
			t.Fatalf("item fields %v, want %v", got, wantFields)
		}
	}
	cs201, _ := json.Marshal(raw[2])
	for _, part := range []string{`"prerequisites":{"minGrade":"C","module":"CS101"}`, `"fee":{"amountMinor":90000,"currency":"GBP"}`,
		`"termsOffered":["AUTUMN"]`, `"coRequisites":[]`, `"programmes":["BSCCS"]`} {
		if !strings.Contains(string(cs201), part) {
			t.Errorf("CS201 %s lacks %s", cs201, part)
		}
	}
	if raw[0]["prerequisites"] != nil {
		t.Errorf("a module without prerequisites: %v, want null", raw[0]["prerequisites"])
	}

	// The public listing still hides the tombstone.
	_, body := f.call(t, http.MethodGet, "/api/v1/subjects", "")
	if n := len(body["items"].([]any)); n != 4 {
		t.Fatalf("public listing: %d modules, want the 4 live ones", n)
	}
	// Paging parameters.
	if code, body := f.call(t, http.MethodGet, "/internal/v1/read-model/modules?limit=x", ""); code != http.StatusBadRequest ||
		!slices.Contains(fieldsOf(body), "limit") {
		t.Fatalf("bad limit: %d %v", code, body)
	}
	_, body = f.call(t, http.MethodGet, "/internal/v1/read-model/modules?after=MA101", "")
	if len(body["items"].([]any)) != 0 || body["next"] != "" {
		t.Fatalf("after the last: %v", body)
	}
	_, body = f.call(t, http.MethodGet, "/internal/v1/read-model/modules", "")
	if len(body["items"].([]any)) != 5 || body["next"] != "" {
		t.Fatalf("default limit: %v", body)
	}
}
