package e2e

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

var studentSeq atomic.Int64

// newStudent returns a valid create-student body with a unique student number.
func newStudent() map[string]any {
	n := studentSeq.Add(1)
	return map[string]any{
		"studentNumber": fmt.Sprintf("E2E%d%05d", time.Now().Unix()%100000, n),
		"givenName":     "Grace", "familyName": "Hopper",
		// Unique per run too: the SMTP sink's search finds a student's mail by address.
		"email": fmt.Sprintf("grace.%d.%d@example.ac.uk", time.Now().UnixNano()%1e9, n), "programme": "CS", "yearOfStudy": 1,
	}
}

type student struct {
	ID            string `json:"id"`
	StudentNumber string `json:"studentNumber"`
	Email         string `json:"email"`
}

type welcome struct {
	StudentID  string `json:"studentId"`
	EventID    string `json:"eventId"`
	Deliveries int    `json:"deliveries"`
}

func createStudent(t *testing.T) student {
	t.Helper()
	status, hdr, body := call(t, http.MethodPost, appURL("gateway")+"/api/v1/students", newStudent(),
		bearer(users.token(t, "registry"))...)
	if status != http.StatusCreated {
		t.Fatalf("create student: %d %s", status, body)
	}
	s := decode[student](t, body)
	if hdr.Get("Location") != "/api/v1/students/"+s.ID {
		t.Errorf("Location = %q", hdr.Get("Location"))
	}
	return s
}

// welcomeOf returns the notification app's welcome record for a student, if it has one.
func welcomeOf(t *testing.T, studentID string) (welcome, bool) {
	d, ok := deliveryOf(t, studentID, "welcome", "")
	return welcome{StudentID: d.StudentID, EventID: d.EventID, Deliveries: d.Received}, ok
}

func TestCreateStudentThroughGatewayIsReceivedByNotification(t *testing.T) {
	s := createStudent(t)

	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/students/"+s.ID, nil,
		bearer(users.token(t, "registry"))...)
	if status != http.StatusOK || decode[student](t, body).StudentNumber != s.StudentNumber {
		t.Fatalf("read back: %d %s", status, body)
	}

	var w welcome
	eventually(t, 30*time.Second, "StudentCreated at the notification app", func() bool {
		var ok bool
		w, ok = welcomeOf(t, s.ID)
		return ok
	})
	var outboxID string
	if err := studentDB.QueryRow(context.Background(),
		`SELECT id::text FROM outbox WHERE aggregate_id = $1`, s.ID).Scan(&outboxID); err != nil {
		t.Fatal(err)
	}
	if w.EventID != outboxID {
		t.Errorf("event id %q is not the outbox row id %q", w.EventID, outboxID)
	}
	if w.Deliveries != 1 {
		t.Errorf("deliveries = %d, want 1", w.Deliveries)
	}
}

func TestGatewayReadinessReportsDependencies(t *testing.T) {
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/readyz", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"sidecar":"ok"`) {
		t.Fatalf("/readyz: %d %s", status, body)
	}
	status, _, body = call(t, http.MethodGet, appURL("student")+"/readyz", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"database":"ok"`) {
		t.Fatalf("student /readyz: %d %s", status, body)
	}
}

type problem struct {
	Type   string `json:"type"`
	Status int    `json:"status"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

func counts(t *testing.T) (students, outbox int) {
	t.Helper()
	ctx := context.Background()
	if err := studentDB.QueryRow(ctx, `SELECT count(*) FROM students`).Scan(&students); err != nil {
		t.Fatal(err)
	}
	if err := studentDB.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&outbox); err != nil {
		t.Fatal(err)
	}
	return students, outbox
}

func TestBadStudentInputIsRefusedAndWritesNothing(t *testing.T) {
	with := func(k string, v any) map[string]any { b := newStudent(); b[k] = v; return b }
	without := func(k string) map[string]any { b := newStudent(); delete(b, k); return b }
	huge := newStudent()
	huge["givenName"] = strings.Repeat("x", 70<<10)

	cases := []struct {
		name   string
		body   any
		status int
		field  string
	}{
		{"unknown field", with("isAdmin", true), http.StatusBadRequest, "isAdmin"},
		{"missing field", without("email"), http.StatusBadRequest, "email"},
		{"wrong type", with("yearOfStudy", "first"), http.StatusBadRequest, "yearOfStudy"},
		{"out of range", with("yearOfStudy", 12), http.StatusBadRequest, "yearOfStudy"},
		{"not an email", with("email", "grace"), http.StatusBadRequest, "email"},
		{"not JSON", "{nope", http.StatusBadRequest, ""},
		{"oversized body", huge, http.StatusRequestEntityTooLarge, ""},
	}
	beforeStudents, beforeOutbox := counts(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, hdr, body := call(t, http.MethodPost, appURL("gateway")+"/api/v1/students", c.body,
				bearer(users.token(t, "registry"))...)
			if status != c.status {
				t.Fatalf("status %d, want %d: %s", status, c.status, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("content type %q", ct)
			}
			p := decode[problem](t, body)
			if p.Status != c.status || !strings.HasPrefix(p.Type, "https://") {
				t.Errorf("problem %+v", p)
			}
			if c.field == "" {
				return
			}
			for _, f := range p.Errors {
				if f.Field == c.field {
					return
				}
			}
			t.Errorf("problem does not name field %q: %s", c.field, body)
		})
	}
	afterStudents, afterOutbox := counts(t)
	if afterStudents != beforeStudents || afterOutbox != beforeOutbox {
		t.Errorf("bad input wrote rows: students %d→%d, outbox %d→%d", beforeStudents, afterStudents, beforeOutbox, afterOutbox)
	}
}
