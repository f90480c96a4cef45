package adapters_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/schedule/adapters"
	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// outboxData returns the payloads of the outbox rows of one event type, oldest first.
func (e *env) outboxData(t *testing.T, eventType string) []map[string]any {
	t.Helper()
	rows, err := e.pool.Query(e.ctx, `SELECT aggregate_id, payload FROM outbox WHERE event_type = $1 ORDER BY created_at`, eventType)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var agg string
		var payload map[string]any
		if err := rows.Scan(&agg, &payload); err != nil {
			t.Fatal(err)
		}
		payload["_aggregate"] = agg
		out = append(out, payload)
	}
	return out
}

// A created semester and section are announced by an event written in their transaction,
// carrying the facts registration's read model needs; a refused section announces nothing.
func TestCreatesAreAnnouncedInTheirTransaction(t *testing.T) {
	e := newEnv(t)
	sems := e.outboxData(t, domain.EventSemesterCreatedV1)
	if len(sems) != 1 {
		t.Fatalf("semester events: %v", sems)
	}
	s := sems[0]
	want := map[string]any{"_aggregate": "2026-AUT", "code": "2026-AUT", "term": "AUTUMN", "startsOn": "2026-09-21",
		"endsOn": "2027-01-29", "addDropDeadline": "2026-10-03T00:00:00Z", "aggregateVersion": 1.0,
		"windows": []any{map[string]any{"yearOfStudy": 1.0, "opensAt": "2026-08-01T00:00:00Z", "closesAt": "2026-10-02T00:00:00Z"}}}
	for k, v := range want {
		if got, _ := json.Marshal(s[k]); string(got) != mustJSON(t, v) {
			t.Errorf("semester event %s = %s, want %s", k, got, mustJSON(t, v))
		}
	}

	e.room(t, "ENG-101", 30)
	lect := e.lecturer(t, slot("MON", "09:00", "12:00"))
	id := e.mustSection(t, 25, lect, "ENG-101", slot("MON", "09:00", "09:50"), slot("MON", "11:00", "11:50"))
	unassigned := e.mustSection(t, 10, "", "ENG-101", slot("TUE", "09:00", "09:50"))
	// Refused (double-booked room): no section, no event.
	if _, err := e.section(10, "", "ENG-101", slot("TUE", "09:30", "10:00")); errs.KindOf(err) != errs.Unprocessable {
		t.Fatalf("double booking: %v", err)
	}
	secs := e.outboxData(t, domain.EventSectionCreatedV1)
	if len(secs) != 2 {
		t.Fatalf("section events: %d, want 2 (the refused one must write none)", len(secs))
	}
	got := secs[0]
	want = map[string]any{"_aggregate": id, "sectionId": id, "moduleCode": "CS101", "semester": "2026-AUT", "capacity": 25.0,
		"lecturerId": lect, "roomCode": "ENG-101", "aggregateVersion": 1.0,
		"timeslots": []any{map[string]any{"day": "MON", "start": "09:00", "end": "09:50"},
			map[string]any{"day": "MON", "start": "11:00", "end": "11:50"}}}
	for k, v := range want {
		if g, _ := json.Marshal(got[k]); string(g) != mustJSON(t, v) {
			t.Errorf("section event %s = %s, want %s", k, g, mustJSON(t, v))
		}
	}
	if secs[1]["sectionId"] != unassigned || secs[1]["lecturerId"] != "" {
		t.Errorf("unassigned section event: %v", secs[1])
	}
	if at, err := time.Parse(time.RFC3339Nano, got["occurredAt"].(string)); err != nil || time.Since(at) > time.Minute {
		t.Errorf("occurredAt %v %v", got["occurredAt"], err)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// The section feed pages through every section in id order, with timeslots, and says when
// it is done.
func TestSectionFeedPagesInIDOrder(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	var ids []string
	days := []string{"MON", "TUE", "WED", "THU", "FRI"}
	for i := range 7 {
		ids = append(ids, e.mustSection(t, 5+i, "", "ENG-101", slot(days[i%5], []string{"09:00", "13:00"}[i/5], []string{"09:50", "13:50"}[i/5])))
	}
	slices.Sort(ids)

	var got []domain.Section
	var nexts []string
	after := ""
	for range 10 {
		p, err := e.svc.SectionFeed(e.ctx, page.Request{After: after, Limit: 3})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Items...)
		nexts = append(nexts, p.Next)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	if !slices.Equal(nexts, []string{ids[2], ids[5], ""}) {
		t.Fatalf("next cursors %v, want %v", nexts, []string{ids[2], ids[5], ""})
	}
	gotIDs := make([]string, len(got))
	for i, s := range got {
		gotIDs[i] = s.ID
		if len(s.Timeslots) != 1 || s.Semester != "2026-AUT" || s.RoomCode != "ENG-101" || s.Capacity < 5 {
			t.Errorf("feed item %+v", s)
		}
	}
	if !slices.Equal(gotIDs, ids) {
		t.Fatalf("feed order %v, want %v", gotIDs, ids)
	}

	// Exactly a full last page: next is "" at once, not one empty page later.
	p, err := e.svc.SectionFeed(e.ctx, page.Request{After: ids[3], Limit: 3})
	if err != nil || len(p.Items) != 3 || p.Next != "" {
		t.Fatalf("full last page: %d items, next %q, %v", len(p.Items), p.Next, err)
	}
	// After the last id: empty, done.
	p, err = e.svc.SectionFeed(e.ctx, page.Request{After: ids[6], Limit: 3})
	if err != nil || len(p.Items) != 0 || p.Items == nil || p.Next != "" {
		t.Fatalf("after the last: %+v %v", p, err)
	}
	// An unknown id still pages from its place in the order.
	p, err = e.svc.SectionFeed(e.ctx, page.Request{After: "00000000-0000-0000-0000-000000000000"})
	if err != nil || len(p.Items) != 7 || p.Next != "" {
		t.Fatalf("default limit from the start: %d %q %v", len(p.Items), p.Next, err)
	}
	if _, err := e.svc.SectionFeed(e.ctx, page.Request{After: "CS101"}); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("malformed after: %v", err)
	}
	// The adapter honours the limit it is given.
	raw, err := (&adapters.PostgresTimetable{Pool: e.pool}).SectionsAfter(e.ctx, "", 2)
	if err != nil || len(raw) != 2 || raw[0].ID != ids[0] {
		t.Fatalf("adapter limit: %d %v", len(raw), err)
	}
	if _, err := uuid.Parse(raw[1].ID); err != nil || strings.ToLower(raw[1].ID) != raw[1].ID {
		t.Fatalf("ids must be canonical lower-case UUIDs: %q", raw[1].ID)
	}
}
