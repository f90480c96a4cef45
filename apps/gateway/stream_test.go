package main

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/internal/platform/authz"
)

func newTestStreamer(t *testing.T, keepAlive time.Duration) (*streamer, *httptest.Server) {
	t.Helper()
	s := newStreamer(newHub(8), slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry(),
		keepAlive, time.Hour, 2, "sidecar-token")
	mux := http.NewServeMux()
	mux.HandleFunc("GET /stream/{student}", func(w http.ResponseWriter, r *http.Request) {
		p := authz.Principal{UserID: "u", Role: authz.Student, StudentID: r.PathValue("student")}
		s.Stream(w, r.WithContext(withPrincipal(r.Context(), p)))
	})
	mux.HandleFunc("POST /events", s.OnUpdate)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return s, srv
}

// openTestStream returns a reader of the stream's lines, past the ready event.
func openTestStream(t *testing.T, url string) (*bufio.Reader, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
		t.Fatalf("%d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	rd := bufio.NewReader(resp.Body)
	if got := readEvent(t, rd); !strings.Contains(got, "event: ready\ndata: {}") {
		t.Fatalf("first event %q", got)
	}
	return rd, func() { cancel(); resp.Body.Close() }
}

// readEvent reads up to the blank line that ends an SSE message (or comment).
func readEvent(t *testing.T, rd *bufio.Reader) string {
	t.Helper()
	var b strings.Builder
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended: %v (read %q)", err, b.String())
		}
		if line == "\n" {
			return b.String()
		}
		b.WriteString(line)
	}
}

func postUpdate(t *testing.T, url, token, body string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/cloudevents+json")
	if token != "" {
		req.Header.Set("dapr-api-token", token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

const update = `{"id":"update:registration.confirmed.v1:r1","type":"notification.update.v1","data":{"studentId":"s1","registrationId":"r1","sectionId":"x1","moduleCode":"CS101","status":"CONFIRMED","sourceType":"registration.confirmed.v1","aggregateVersion":4,"occurredAt":"2027-01-11T09:00:00Z"}}`

func TestStreamFansOutToTheStudentOnly(t *testing.T) {
	s, srv := newTestStreamer(t, time.Hour)
	mine, closeMine := openTestStream(t, srv.URL+"/stream/s1")
	defer closeMine()
	theirs, closeTheirs := openTestStream(t, srv.URL+"/stream/s2")
	defer closeTheirs()

	if code := postUpdate(t, srv.URL+"/events", "", update); code != http.StatusUnauthorized {
		t.Fatalf("update without the sidecar's token: %d", code)
	}
	if code := postUpdate(t, srv.URL+"/events", "wrong", update); code != http.StatusUnauthorized {
		t.Fatalf("update with a wrong token: %d", code)
	}
	if code := postUpdate(t, srv.URL+"/events", "sidecar-token", update); code != http.StatusOK {
		t.Fatalf("update: %d", code)
	}
	got := readEvent(t, mine)
	want := "id: update:registration.confirmed.v1:r1\nevent: update\n" +
		`data: {"type":"registration.confirmed.v1","registrationId":"r1","sectionId":"x1","moduleCode":"CS101","status":"CONFIRMED","aggregateVersion":4,"occurredAt":"2027-01-11T09:00:00Z"}` + "\n"
	if got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	// A redelivered update reaches nobody again; the other student never sees any.
	postUpdate(t, srv.URL+"/events", "sidecar-token", update)
	other := strings.Replace(strings.Replace(update, `"s1"`, `"s2"`, 1), "r1", "r2", -1)
	postUpdate(t, srv.URL+"/events", "sidecar-token", other)
	if got := readEvent(t, theirs); !strings.Contains(got, `"registrationId":"r2"`) {
		t.Fatalf("the other student's first update: %q", got)
	}
	// Nothing more reached the first student: the hub counted a duplicate and no leak.
	if n := s.hub.publish("s1", "probe", frame("id: probe\nevent: update\ndata: {}\n\n")); n != 1 {
		t.Fatalf("probe reached %d streams", n)
	}
	if got := readEvent(t, mine); !strings.HasPrefix(got, "id: probe\n") {
		t.Fatalf("after the duplicate and the other student's update, the first stream read %q", got)
	}
}

func TestStreamKeepAliveLimitAndShutdown(t *testing.T) {
	s, srv := newTestStreamer(t, 20*time.Millisecond)
	rd, closeA := openTestStream(t, srv.URL+"/stream/s1")
	defer closeA()
	if got := readEvent(t, rd); got != ": keep-alive\n" {
		t.Fatalf("keep-alive %q", got)
	}
	_, closeB := openTestStream(t, srv.URL+"/stream/s1")
	defer closeB()
	resp, err := http.Get(srv.URL + "/stream/s1") // a third stream for one student
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusTooManyRequests {
		t.Fatalf("third stream: %d", resp.StatusCode)
	}
	s.hub.shutdown()
	for {
		if _, err := rd.ReadString('\n'); err != nil {
			break // the stream ended
		}
	}
}
