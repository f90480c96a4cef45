package e2e

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

func countSections(t *testing.T) int {
	t.Helper()
	spec, _ := opts.App("schedule")
	pool, err := pgxpool.New(context.Background(), spec.Env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM sections`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func countModules(t *testing.T, tok string) int {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/subjects?limit=200", nil, bearer(tok)...)
	if status != http.StatusOK {
		t.Fatalf("list subjects: %d %s", status, body)
	}
	return len(decode[struct {
		Items []moduleView `json:"items"`
	}](t, body).Items)
}

func namesField(body []byte, field string) bool { return strings.Contains(string(body), `"field":"`+field) }

// Bad input to the catalogue and the timetable, through the gateway as registry staff:
// 400 or 422 problem+json naming the field, and nothing written.
func TestBadCatalogueAndTimetableInputWritesNothing(t *testing.T) {
	staff := users.token(t, "registry")
	gw := appURL("gateway")
	modulesBefore, sectionsBefore := countModules(t, staff), countSections(t)

	module := func(mod func(map[string]any)) map[string]any {
		m := map[string]any{"code": "ZZ101", "title": "Test Module", "credits": 15,
			"fee": map[string]any{"amountMinor": 138750, "currency": "GBP"}, "level": 1,
			"programmes": []string{"CS"}, "termsOffered": []string{"AUTUMN"}}
		mod(m)
		return m
	}
	room := seeded.Campus.Rooms[0]
	busy := seeded.Campus.Sections[0]
	section := func(mod func(map[string]any)) map[string]any {
		s := map[string]any{"moduleCode": busy.Module, "semester": busy.Semester, "capacity": 10, "roomCode": busy.Room,
			"timeslots": []map[string]string{{"day": "MON", "start": "07:00", "end": "07:50"}}}
		mod(s)
		return s
	}
	cases := []struct {
		name, path string
		body       any
		status     int
		field      string
	}{
		{"module: unknown field", "/api/v1/subjects", module(func(m map[string]any) { m["discount"] = 50 }), 400, "discount"},
		{"module: missing title", "/api/v1/subjects", module(func(m map[string]any) { delete(m, "title") }), 400, "title"},
		{"module: credits wrong type", "/api/v1/subjects", module(func(m map[string]any) { m["credits"] = "fifteen" }), 400, "credits"},
		{"module: unknown prerequisite", "/api/v1/subjects", module(func(m map[string]any) {
			m["prerequisites"] = map[string]any{"module": "NOPE999", "minGrade": "C"}
		}), 422, "prerequisites"},
		{"section: larger than its room", "/api/v1/sections", section(func(s map[string]any) {
			s["roomCode"] = room.Code
			s["capacity"] = room.Capacity + 1
		}), 422, "capacity"},
		{"section: room double-booked", "/api/v1/sections", section(func(s map[string]any) {
			s["timeslots"] = []map[string]string{{"day": busy.Slots[0].Day, "start": busy.Slots[0].Start, "end": busy.Slots[0].End}}
		}), 422, "roomCode"},
		{"section: malformed timeslot", "/api/v1/sections", section(func(s map[string]any) {
			s["timeslots"] = []map[string]string{{"day": "SUN", "start": "25:00", "end": "09:00"}}
		}), 0, "timeslots"},
		{"section: unknown field", "/api/v1/sections", section(func(s map[string]any) { s["vip"] = true }), 400, "vip"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, hdr, body := call(t, http.MethodPost, gw+c.path, c.body, bearer(staff)...)
			if (c.status != 0 && status != c.status) || (c.status == 0 && status != 400 && status != 422) {
				t.Fatalf("%d %s, want %d", status, body, c.status)
			}
			if hdr.Get("Content-Type") != "application/problem+json" || !namesField(body, c.field) {
				t.Fatalf("problem does not name %q: %s", c.field, body)
			}
		})
	}
	if m, s := countModules(t, staff), countSections(t); m != modulesBefore || s != sectionsBefore {
		t.Fatalf("bad input wrote: modules %d→%d, sections %d→%d", modulesBefore, m, sectionsBefore, s)
	}
}
