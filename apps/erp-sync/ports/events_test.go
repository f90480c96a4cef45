package ports

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/erp-sync/app"
	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

type fakeStudents struct{ err error }

func (f fakeStudents) Record(_ context.Context, id string) (domain.StudentRecord, error) {
	return domain.StudentRecord{ID: id, StudentNumber: "S1", GivenName: "Ada", FamilyName: "King", Programme: "CS",
		YearOfStudy: 1, Version: 1}, f.err
}

type fakeERP struct{ writes int }

func (f *fakeERP) UpsertStudent(context.Context, domain.StudentMaster) error { f.writes++; return nil }
func (f *fakeERP) UpsertEnrolment(context.Context, domain.Enrolment) error   { f.writes++; return nil }

// memInbox is an in-memory inbox with the real one's contract.
type memInbox map[string]bool

func (m memInbox) Process(ctx context.Context, id string, effect func(context.Context) error) (bool, error) {
	if id == "" {
		return false, dedupe.ErrEmptyID
	}
	if m[id] {
		return true, nil
	}
	if err := effect(ctx); err != nil {
		return false, err
	}
	m[id] = true
	return false, nil
}

const studentCreated = `{"id":"ev-1","type":"student.created.v1","topic":"students",
  "data":{"studentId":"0b6f4c1e-8d0e-4a51-9c55-3f2d2f8f2a10","programme":"CS","yearOfStudy":1,"aggregateVersion":1,"occurredAt":"2026-09-01T10:00:00Z"}}`

func deliver(t *testing.T, h http.HandlerFunc, body string) string {
	t.Helper()
	w := httptest.NewRecorder()
	h(w, httptest.NewRequest(http.MethodPost, "/events", strings.NewReader(body)))
	var reply struct{ Status string }
	if err := json.NewDecoder(w.Body).Decode(&reply); err != nil || w.Code != http.StatusOK {
		t.Fatalf("reply %d: %v", w.Code, err)
	}
	return reply.Status
}

func newEvents(students fakeStudents, erp *fakeERP) *Events {
	return NewEvents(&app.Sync{Students: students, ERP: erp}, memInbox{}, slog.New(slog.NewTextHandler(io.Discard, nil)),
		prometheus.NewRegistry())
}

func TestDeliveriesAreWrittenOnceRetriedOrDropped(t *testing.T) {
	erp := &fakeERP{}
	h := newEvents(fakeStudents{}, erp)
	for range 3 {
		if got := deliver(t, h.OnStudentCreated, studentCreated); got != "SUCCESS" {
			t.Fatalf("student.created answered %s", got)
		}
	}
	if erp.writes != 1 {
		t.Fatalf("three deliveries of one event wrote %d times, want 1", erp.writes)
	}

	cases := map[string]struct {
		students fakeStudents
		body     string
		want     string
	}{
		"not a CloudEvent":   {body: `{`, want: "DROP"},
		"no student id":      {body: `{"id":"ev-2","data":{}}`, want: "DROP"},
		"no event id":        {body: strings.Replace(studentCreated, `"ev-1"`, `""`, 1), want: "DROP"},
		"unknown student":    {students: fakeStudents{errs.E(errs.NotFound, "student not found")}, body: studentCreated, want: "DROP"},
		"student app down":   {students: fakeStudents{errs.E(errs.Unavailable, "student is unreachable")}, body: studentCreated, want: "RETRY"},
		"unmappable student": {body: strings.Replace(studentCreated, "0b6f4c1e", "NOT-A-UUID", 1), want: "DROP"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			if got := deliver(t, newEvents(c.students, &fakeERP{}).OnStudentCreated, c.body); got != c.want {
				t.Fatalf("answered %s, want %s", got, c.want)
			}
		})
	}
}

func TestAMalformedConfirmationIsDropped(t *testing.T) {
	erp := &fakeERP{}
	body := `{"id":"ev-3","type":"registration.confirmed.v1","data":{"registrationId":"r","studentId":"s","status":"CONFIRMED"}}`
	if got := deliver(t, newEvents(fakeStudents{}, erp).OnRegistrationConfirmed, body); got != "DROP" || erp.writes != 0 {
		t.Fatalf("answered %s after %d writes, want DROP after none", got, erp.writes)
	}
}
