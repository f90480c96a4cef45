package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"go.mongodb.org/mongo-driver/v2/bson"

	"github.com/registrar-edu/registrar/internal/platform/mongodb"
)

// The read-model feeds are what the registration app fills its own read models from, by
// service invocation (Dapr access control admits only it). There is no registration caller
// to test that path with here, so these tests read each feed on its app's port and page
// through the seeded campus.

type feedPage struct {
	Items []json.RawMessage `json:"items"`
	Next  *string           `json:"next"`
}

// pageThrough follows next from the start with the given limit, checks the paging contract
// (items strictly ordered by key, next the last key of a full page, "" on the last one) and
// returns every item.
func pageThrough[T any](t *testing.T, base string, limit int, key func(T) string) []T {
	t.Helper()
	var out []T
	after := ""
	for pages := 0; ; pages++ {
		if pages > 1000 {
			t.Fatalf("%s: still paging after %d pages", base, pages)
		}
		u := fmt.Sprintf("%s?limit=%d&after=%s", base, limit, url.QueryEscape(after))
		status, hdr, body := call(t, http.MethodGet, u, nil)
		if status != http.StatusOK || !strings.HasPrefix(hdr.Get("Content-Type"), "application/json") {
			t.Fatalf("GET %s: %d %s", u, status, body)
		}
		p := decode[feedPage](t, body)
		if p.Items == nil || p.Next == nil {
			t.Fatalf("GET %s: items and next are both required: %s", u, body)
		}
		if len(p.Items) > limit {
			t.Fatalf("GET %s: %d items, over the limit", u, len(p.Items))
		}
		last := after
		for _, raw := range p.Items {
			var x T
			if err := json.Unmarshal(raw, &x); err != nil {
				t.Fatalf("GET %s: item %s: %v", u, raw, err)
			}
			if k := key(x); k <= last {
				t.Fatalf("GET %s: key %q does not sort after %q", u, k, last)
			} else {
				last = k
			}
			out = append(out, x)
		}
		if *p.Next == "" {
			return out
		}
		if len(p.Items) != limit || *p.Next != last {
			t.Fatalf("GET %s: next %q after %d items ending at %q", u, *p.Next, len(p.Items), last)
		}
		after = *p.Next
	}
}

// count runs a count query on one app's PostgreSQL database.
func count(t *testing.T, appID, sql string) int {
	t.Helper()
	spec, _ := opts.App(appID)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := pgxpool.New(ctx, spec.Env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	if err := pool.QueryRow(ctx, sql).Scan(&n); err != nil {
		t.Fatalf("%s: %s: %v", appID, sql, err)
	}
	return n
}

type slotView struct{ Day, Start, End string }

func TestReadModelFeedOfSections(t *testing.T) {
	type section struct {
		ID         string     `json:"id"`
		ModuleCode string     `json:"moduleCode"`
		Semester   string     `json:"semester"`
		Capacity   int        `json:"capacity"`
		LecturerID string     `json:"lecturerId"`
		RoomCode   string     `json:"roomCode"`
		Timeslots  []slotView `json:"timeslots"`
	}
	items := pageThrough(t, appURL("schedule")+"/internal/v1/read-model/sections", 25, func(s section) string { return s.ID })
	byID := map[string]section{}
	for _, s := range items {
		byID[s.ID] = s
	}
	want := seeded.Campus.Sections
	for _, w := range want {
		s, ok := byID[w.ID]
		if !ok {
			t.Fatalf("seeded section %s of %s is missing from the feed", w.ID, w.Module)
		}
		if s.ModuleCode != w.Module || s.Semester != w.Semester || s.Capacity != w.Capacity || s.LecturerID != w.Lecturer ||
			s.RoomCode != w.Room || len(s.Timeslots) != len(w.Slots) {
			t.Fatalf("section %s: %+v, seeded %+v", w.ID, s, w)
		}
		// The feed orders timeslots by day and time; the campus lists them as generated.
		for _, ts := range w.Slots {
			if !slices.Contains(s.Timeslots, slotView{ts.Day, ts.Start, ts.End}) {
				t.Fatalf("section %s timeslots %+v, seeded %+v", w.ID, s.Timeslots, w.Slots)
			}
		}
	}
	if n := count(t, "schedule", `SELECT count(*) FROM sections`); len(items) != n || n < len(want) {
		t.Fatalf("feed has %d sections, the schedule database %d, the seeded campus %d", len(items), n, len(want))
	}
	t.Logf("sections: %d in the feed, %d seeded", len(items), len(want))
}

func TestReadModelFeedOfSemesters(t *testing.T) {
	type window struct {
		YearOfStudy int       `json:"yearOfStudy"`
		OpensAt     time.Time `json:"opensAt"`
		ClosesAt    time.Time `json:"closesAt"`
	}
	type semester struct {
		Code            string    `json:"code"`
		Term            string    `json:"term"`
		StartsOn        string    `json:"startsOn"`
		EndsOn          string    `json:"endsOn"`
		AddDropDeadline time.Time `json:"addDropDeadline"`
		Windows         []window  `json:"windows"`
	}
	status, _, body := call(t, http.MethodGet, appURL("schedule")+"/internal/v1/read-model/semesters", nil)
	if status != http.StatusOK {
		t.Fatalf("semesters: %d %s", status, body)
	}
	items := decode[struct {
		Items []semester `json:"items"`
	}](t, body).Items
	byCode := map[string]semester{}
	for _, s := range items {
		byCode[s.Code] = s
	}
	for _, w := range seeded.Campus.Semesters {
		s, ok := byCode[w.Code]
		if !ok {
			t.Fatalf("seeded semester %s missing: %s", w.Code, body)
		}
		// The deadline is kept as a date whose whole day counts: add/drop closes at the
		// following midnight (UTC).
		y, m, d := w.AddDropDeadline.Date()
		closes := time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
		if s.Term != w.Term || s.StartsOn != w.Starts.Format(time.DateOnly) || s.EndsOn != w.Ends.Format(time.DateOnly) ||
			!s.AddDropDeadline.Equal(closes) || len(s.Windows) != len(w.Windows) {
			t.Fatalf("semester %s: %+v, seeded %+v", w.Code, s, w)
		}
		for i, win := range w.Windows {
			got := s.Windows[i]
			if got.YearOfStudy != win.Year || !got.OpensAt.Equal(win.OpensAt) || !got.ClosesAt.Equal(win.ClosesAt) {
				t.Fatalf("semester %s window %d: %+v, seeded %+v", w.Code, i, got, win)
			}
		}
	}
	if n := count(t, "schedule", `SELECT count(*) FROM semesters`); len(items) != n || n < len(seeded.Campus.Semesters) {
		t.Fatalf("feed has %d semesters, the schedule database %d, the seeded campus %d", len(items), n, len(seeded.Campus.Semesters))
	}
}

func TestReadModelFeedOfModules(t *testing.T) {
	type module struct {
		Code    string `json:"code"`
		Credits int    `json:"credits"`
		Fee     struct {
			AmountMinor *int64 `json:"amountMinor"`
			Currency    string `json:"currency"`
		} `json:"fee"`
		Level          int             `json:"level"`
		Programmes     []string        `json:"programmes"`
		TermsOffered   []string        `json:"termsOffered"`
		Prerequisites  json.RawMessage `json:"prerequisites"`
		CoRequisites   []string        `json:"coRequisites"`
		AntiRequisites []string        `json:"antiRequisites"`
		Version        int             `json:"version"`
		Deleted        *bool           `json:"deleted"`
	}
	items := pageThrough(t, appURL("subject")+"/internal/v1/read-model/modules", 7, func(m module) string { return m.Code })
	byCode := map[string]module{}
	for _, m := range items {
		if m.Deleted == nil || m.Fee.AmountMinor == nil || m.Version < 1 || len(m.TermsOffered) == 0 ||
			m.Programmes == nil || m.CoRequisites == nil || m.AntiRequisites == nil || len(m.Prerequisites) == 0 {
			t.Fatalf("module %s lacks fields of the read-model shape: %+v", m.Code, m)
		}
		byCode[m.Code] = m
	}
	for _, w := range seeded.Campus.Modules {
		m, ok := byCode[w.Code]
		if !ok {
			t.Fatalf("seeded module %s is missing from the feed", w.Code)
		}
		hasPrereq := string(m.Prerequisites) != "null"
		if *m.Deleted || m.Credits != w.Credits || hasPrereq != (w.Prerequisites != nil) {
			t.Fatalf("module %s: %+v, seeded %+v", w.Code, m, w)
		}
	}

	spec, _ := opts.App("subject")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := mongodb.Connect(ctx, spec.Env["MONGODB_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = c.Disconnect(ctx) }()
	n, err := c.Database(spec.Env["MONGODB_DATABASE"]).Collection("modules").CountDocuments(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(items)) != n || len(items) < len(seeded.Campus.Modules) {
		t.Fatalf("feed has %d modules, the catalogue %d documents, the seeded campus %d", len(items), n, len(seeded.Campus.Modules))
	}
	t.Logf("modules: %d in the feed, %d seeded", len(items), len(seeded.Campus.Modules))
}

func TestReadModelFeedOfStudents(t *testing.T) {
	type completed struct {
		ModuleCode string `json:"moduleCode"`
		Grade      string `json:"grade"`
		Term       string `json:"term"`
		Credits    int    `json:"credits"`
	}
	type summary struct {
		StudentID     string      `json:"studentId"`
		Programme     string      `json:"programme"`
		YearOfStudy   int         `json:"yearOfStudy"`
		Completed     []completed `json:"completed"`
		BlockingHolds int         `json:"blockingHolds"`
		WarningHolds  int         `json:"warningHolds"`
		Version       int         `json:"version"`
	}
	base := appURL("student") + "/internal/v1/read-model/students"
	items := pageThrough(t, base, 64, func(s summary) string { return s.StudentID })
	byID := map[string]summary{}
	for _, s := range items {
		byID[s.StudentID] = s
	}
	for _, w := range seeded.Campus.Students {
		s, ok := byID[w.ID]
		if !ok {
			t.Fatalf("seeded student %s is missing from the feed", w.Number)
		}
		blocking, warning := 0, 0
		for _, h := range w.Holds {
			if h.Kind == "blocking" {
				blocking++
			} else {
				warning++
			}
		}
		if s.Programme != w.Programme || s.YearOfStudy != w.Year || len(s.Completed) != len(w.History) ||
			s.BlockingHolds != blocking || s.WarningHolds != warning || s.Version < 1 {
			t.Fatalf("student %s: %+v, seeded %+v", w.Number, s, w)
		}
		got := map[string]completed{}
		for _, c := range s.Completed {
			got[c.ModuleCode+"/"+c.Term] = c
		}
		for _, h := range w.History {
			if c := got[h.Module+"/"+h.Term]; c.Grade != h.Grade || c.Credits != h.Credits {
				t.Fatalf("student %s history %+v, seeded %+v", w.Number, s.Completed, w.History)
			}
		}
	}
	if n := count(t, "student", `SELECT count(*) FROM students`); len(items) != n || n < len(seeded.Campus.Students) {
		t.Fatalf("feed has %d students, the student database %d, the seeded campus %d", len(items), n, len(seeded.Campus.Students))
	}
	t.Logf("students: %d in the feed, %d seeded", len(items), len(seeded.Campus.Students))

	// No personal data: a whole page, read raw, names none of the seeded students' details.
	_, _, body := call(t, http.MethodGet, base+"?limit=1000", nil)
	for _, w := range seeded.Campus.Students[:20] {
		for _, personal := range []string{w.Email, w.FamilyName, w.Phone, w.Address, w.Number} {
			if personal != "" && strings.Contains(string(body), personal) {
				t.Fatalf("the student feed carries personal data of %s: %q", w.ID, personal)
			}
		}
	}
	// A malformed cursor or limit is the caller's mistake, named.
	for _, q := range []string{"?after=s2026000", "?limit=many"} {
		status, _, body := call(t, http.MethodGet, base+q, nil)
		if status != http.StatusBadRequest {
			t.Fatalf("GET %s: %d %s, want 400", q, status, body)
		}
	}
}

// The gateway is the public entry: it never forwards /internal paths, whoever asks.
func TestGatewayDoesNotExposeTheReadModelFeeds(t *testing.T) {
	staff := users.token(t, "registry")
	for _, path := range []string{"/internal/v1/read-model/students", "/internal/v1/read-model/sections",
		"/internal/v1/read-model/semesters", "/internal/v1/read-model/modules"} {
		status, _, body := call(t, http.MethodGet, appURL("gateway")+path, nil, bearer(staff)...)
		if status == http.StatusOK || strings.Contains(string(body), `"items"`) {
			t.Fatalf("gateway GET %s: %d %s", path, status, body)
		}
	}
}
