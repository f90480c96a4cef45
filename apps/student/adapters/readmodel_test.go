package adapters_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/student/adapters"
	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// queryCounter counts the statements a pool sends.
type queryCounter struct{ n atomic.Int64 }

func (c *queryCounter) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	c.n.Add(1)
	return ctx
}

func (c *queryCounter) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// The summary feed pages through every student in id order with their history and active
// holds, carries no personal data, and costs the same few queries per page whatever its size.
func TestSummaryFeedPagesInIDOrderWithoutPersonalData(t *testing.T) {
	ctx := context.Background()
	repo, pool := setup(t)
	now := time.Now()
	var ids []string
	for i := range 7 {
		s := student(t, "S02"+string(rune('0'+i))+"0", "feed"+string(rune('0'+i))+"@x.ac.uk")
		if err := repo.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, s.ID)
	}
	// ids[0]: two modules and a blocking hold; ids[1]: a lifted blocking hold and a warning.
	for _, c := range []struct{ module, grade, term string }{{"MA101", "A", "2025-AUT"}, {"CS101", "B", "2025-AUT"}} {
		done, _ := domain.NewCompleted(c.module, c.grade, c.term, 15, now)
		if _, err := repo.RecordCompleted(ctx, ids[0], done); err != nil {
			t.Fatal(err)
		}
	}
	hold := func(id string, kind domain.HoldKind) string {
		h, _ := domain.NewHold(uuid.NewString(), id, kind, "fees", "registry-1", now)
		if _, err := repo.PlaceHold(ctx, h); err != nil {
			t.Fatal(err)
		}
		return h.ID
	}
	hold(ids[0], domain.Blocking)
	lifted := hold(ids[1], domain.Blocking)
	if _, err := repo.LiftHold(ctx, ids[1], lifted, now); err != nil {
		t.Fatal(err)
	}
	hold(ids[1], domain.Warning)
	want := map[string]app.Summary{
		ids[0]: {StudentID: ids[0], Programme: "CS", YearOfStudy: 1, BlockingHolds: 1, Version: 4,
			Completed: []app.CompletedEntry{
				{ModuleCode: "CS101", Grade: "B", Term: "2025-AUT", Credits: 15},
				{ModuleCode: "MA101", Grade: "A", Term: "2025-AUT", Credits: 15}}},
		ids[1]: {StudentID: ids[1], Programme: "CS", YearOfStudy: 1, WarningHolds: 1, Version: 4, Completed: []app.CompletedEntry{}},
	}
	slices.Sort(ids)

	// A pool that counts statements, to show the cost does not grow with the page.
	cfg, err := pgxpool.ParseConfig(pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	counter := &queryCounter{}
	cfg.ConnConfig.Tracer = counter
	counted, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(counted.Close)
	svc := &app.Service{Students: &adapters.PostgresStudents{Pool: counted, Cipher: repo.Cipher}}

	var got []app.Summary
	var nexts []string
	var perPage []int64
	after := ""
	for range 10 {
		before := counter.n.Load()
		p, err := svc.SummaryFeed(ctx, page.Request{After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		perPage = append(perPage, counter.n.Load()-before)
		got = append(got, p.Items...)
		nexts = append(nexts, p.Next)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if !slices.Equal(nexts, []string{ids[2], ids[5], ""}) {
		t.Fatalf("next cursors %v", nexts)
	}
	for i, x := range got {
		if x.StudentID != ids[i] {
			t.Fatalf("item %d is %s, want %s (id order)", i, x.StudentID, ids[i])
		}
		if w, ok := want[x.StudentID]; ok {
			a, _ := json.Marshal(x)
			b, _ := json.Marshal(w)
			if string(a) != string(b) {
				t.Errorf("summary %s, want %s", a, b)
			}
		} else if x.Version != 1 || x.Completed == nil || len(x.Completed) != 0 || x.BlockingHolds+x.WarningHolds != 0 {
			t.Errorf("plain student %+v", x)
		}
	}
	if len(got) != 7 {
		t.Fatalf("%d summaries, want 7", len(got))
	}
	t.Logf("statements per page: %v", perPage)
	for i, n := range perPage {
		// begin, students, history, commit: the same for 3 students as for 1.
		if n > 4 {
			t.Errorf("page %d took %d statements, want at most 4 (no query per student)", i, n)
		}
	}
	body, _ := json.Marshal(got)
	for _, personal := range []string{"@x.ac.uk", "Ada", "Lovelace", "+44", "2004-12-10", "London"} {
		if strings.Contains(string(body), personal) {
			t.Fatalf("the feed carries personal data (%s): %s", personal, body)
		}
	}

	p, err := svc.SummaryFeed(ctx, page.Request{After: ids[6]})
	if err != nil || p.Items == nil || len(p.Items) != 0 || p.Next != "" {
		t.Fatalf("after the last: %+v %v", p, err)
	}
	if _, err := svc.SummaryFeed(ctx, page.Request{After: "S0200"}); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("malformed after: %v", err)
	}
}
