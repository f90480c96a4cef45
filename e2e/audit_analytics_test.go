package e2e

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

type auditReport struct {
	Intact      bool  `json:"intact"`
	Entries     int64 `json:"entries"`
	FirstBroken *struct {
		Seq     int64  `json:"seq"`
		EventID string `json:"eventId"`
		Reason  string `json:"reason"`
	} `json:"firstBroken"`
}

type auditEntry struct {
	Seq     int64  `json:"seq"`
	EventID string `json:"eventId"`
	Type    string `json:"type"`
}

type sectionFigures struct {
	SectionID  string   `json:"sectionId"`
	Capacity   *int64   `json:"capacity"`
	Confirmed  int64    `json:"confirmed"`
	Waitlisted int64    `json:"waitlisted"`
	FillRate   *float64 `json:"fillRate"`
}

type analyticsSummary struct {
	Confirmed     int64 `json:"confirmed"`
	Registrations int64 `json:"registrations"`
	TimeToConfirm struct {
		Samples int64 `json:"samples"`
	} `json:"timeToConfirm"`
}

func staffGet[T any](t *testing.T, path string) T {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("gateway")+path, nil, bearer(users.token(t, "registry"))...)
	if status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, status, body)
	}
	return decode[T](t, body)
}

// auditEntries pages through the whole audit log through the gateway.
func auditEntries(t *testing.T) []auditEntry {
	t.Helper()
	var all []auditEntry
	after := ""
	for {
		p := staffGet[struct {
			Items []auditEntry `json:"items"`
			Next  string       `json:"next"`
		}](t, "/api/v1/audit/events?limit=1000&after="+url.QueryEscape(after))
		all = append(all, p.Items...)
		if p.Next == "" {
			return all
		}
		after = p.Next
	}
}

func analyticsSection(t *testing.T, id string) (sectionFigures, bool) {
	t.Helper()
	v := staffGet[struct {
		Sections []sectionFigures `json:"sections"`
	}](t, "/api/v1/analytics/sections?semester="+semester)
	for _, s := range v.Sections {
		if s.SectionID == id {
			return s, true
		}
	}
	return sectionFigures{}, false
}

// tappedIDsOf is the distinct ids of the domain events on the broker whose data names
// registration id. The notification app's live updates (topic notifications) repeat facts
// of those events for the students' browsers; the audit log records the facts themselves.
func tappedIDsOf(id string) map[string]string {
	ids := map[string]string{}
	for _, e := range tap.Events() {
		if e.Topic == "notifications" {
			continue
		}
		if strings.Contains(string(e.Data), `"`+id+`"`) {
			ids[e.CE.ID] = e.CE.Type
		}
	}
	return ids
}

func TestConfirmedRegistrationIsAuditedOnceAndCounted(t *testing.T) {
	section, _ := newSection(t, 3)
	var before sectionFigures
	eventually(t, 60*time.Second, "analytics to learn the new section's capacity", func() bool {
		s, ok := analyticsSection(t, section)
		before = s
		return ok && s.Capacity != nil
	})
	if *before.Capacity != 3 || before.Confirmed != 0 || *before.FillRate != 0 {
		t.Fatalf("a new section in analytics: %+v", before)
	}
	sumBefore := staffGet[analyticsSummary](t, "/api/v1/analytics/summary")

	_, tok := enrolled(t)
	status, body := register(t, tok, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	reg := decode[accepted](t, body).Registrations[0]
	if done := waitStatus(t, tok, reg.ID, "CONFIRMED", "FAILED", "EXPIRED"); done.Status != "CONFIRMED" {
		t.Fatalf("registration ended %s (%s)", done.Status, done.Reason)
	}

	// Every event of the registration on the broker is in the audit log exactly once.
	var want map[string]string
	eventually(t, 60*time.Second, "the tap to see the registration's events", func() bool {
		want = tappedIDsOf(reg.ID)
		var types []string
		for _, typ := range want {
			types = append(types, typ)
		}
		return slices.Contains(types, "registration.requested.v1") && slices.Contains(types, "registration.confirmed.v1") &&
			slices.Contains(types, "payment.confirmed.v1") && slices.Contains(types, "seat.confirmed.v1")
	})
	var confirmedEntry auditEntry
	eventually(t, 60*time.Second, "the audit log to hold the registration's events", func() bool {
		seen := map[string]int{}
		for _, e := range auditEntries(t) {
			if _, ok := want[e.EventID]; ok {
				seen[e.EventID]++
				if e.Type == "registration.confirmed.v1" {
					confirmedEntry = e
				}
			}
		}
		for id := range want {
			if seen[id] > 1 {
				t.Fatalf("event %s (%s) is in the audit log %d times", id, want[id], seen[id])
			}
		}
		return len(seen) == len(want)
	})
	if rep := staffGet[auditReport](t, "/api/v1/audit/verify"); !rep.Intact || rep.Entries == 0 {
		t.Fatalf("audit chain after the registration: %+v (first broken %+v)", rep, rep.FirstBroken)
	}

	// Analytics moved by one for the section, and counts the confirmation's timing.
	var after sectionFigures
	eventually(t, 60*time.Second, "analytics to count the confirmation", func() bool {
		after, _ = analyticsSection(t, section)
		return after.Confirmed == before.Confirmed+1
	})
	if after.Waitlisted != 0 || after.FillRate == nil || *after.FillRate < 0.33 || *after.FillRate > 0.34 {
		t.Fatalf("section after one confirmation: %+v", after)
	}
	sumAfter := staffGet[analyticsSummary](t, "/api/v1/analytics/summary")
	if sumAfter.Confirmed < sumBefore.Confirmed+1 || sumAfter.Registrations < sumBefore.Registrations+1 ||
		sumAfter.TimeToConfirm.Samples < sumBefore.TimeToConfirm.Samples+1 {
		t.Fatalf("summary before %+v, after %+v", sumBefore, sumAfter)
	}

	// Only staff read either.
	status, _, _ = call(t, http.MethodGet, appURL("gateway")+"/api/v1/audit/verify", nil, bearer(tok)...)
	if status != http.StatusForbidden {
		t.Fatalf("a student asked to verify the audit log: %d", status)
	}

	// Last: tamper with the confirmation's row as the database superuser (the app's own role
	// cannot), and verify names it; then put the original back so later runs stay intact.
	spec, _ := opts.App("audit")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	db, err := pgxpool.New(ctx, spec.Env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var original string
	if err := db.QueryRow(ctx, `SELECT data::text FROM audit_events WHERE seq = $1`, confirmedEntry.Seq).Scan(&original); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(ctx, `UPDATE audit_events SET data = jsonb_set(data, '{status}', '"FORGED"') WHERE seq = $1`, confirmedEntry.Seq); err != nil {
		t.Fatal(err)
	}
	restore := func() {
		if _, err := db.Exec(context.Background(), `UPDATE audit_events SET data = $2::jsonb WHERE seq = $1`, confirmedEntry.Seq, original); err != nil {
			t.Errorf("restore the tampered row: %v", err)
		}
	}
	rep := staffGet[auditReport](t, "/api/v1/audit/verify")
	if rep.Intact || rep.FirstBroken == nil || rep.FirstBroken.Seq != confirmedEntry.Seq || rep.FirstBroken.EventID != confirmedEntry.EventID {
		restore()
		t.Fatalf("verify after tampering with seq %d (%s): %+v, first broken %+v", confirmedEntry.Seq, confirmedEntry.EventID, rep, rep.FirstBroken)
	}
	restore()
	if rep := staffGet[auditReport](t, "/api/v1/audit/verify"); !rep.Intact {
		t.Fatalf("after restoring the row the chain is %+v (first broken %+v)", rep, rep.FirstBroken)
	}
}
