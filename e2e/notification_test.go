package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/quotedprintable"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The run's own SMTP sink: MailHog on the +1000 ports, memory only, started by TestMain
// through the same script `make setup` uses.
const (
	mailSMTPPort = 21025 + portOffset
	mailHTTPPort = 21026 + portOffset
)

var mailPIDFile string

func startMailHog() error {
	stopMailHog() // a sink left by an interrupted run: start empty
	cmd := exec.Command("bash", filepath.Join(repoRoot, "scripts", "start-mailhog.sh"))
	cmd.Env = append(os.Environ(), fmt.Sprintf("MAILHOG_SMTP_PORT=%d", mailSMTPPort),
		fmt.Sprintf("MAILHOG_HTTP_PORT=%d", mailHTTPPort), "MAILHOG_PIDFILE="+mailPIDFile,
		"MAILHOG_LOG="+filepath.Join(filepath.Dir(mailPIDFile), "e2e-mailhog.log"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("start the e2e MailHog: %w\n%s", err, out)
	}
	return nil
}

// stopMailHog stops the run's sink (only the process its pid file names) and waits until
// its SMTP port is closed.
func stopMailHog() {
	b, err := os.ReadFile(mailPIDFile)
	if err != nil {
		return
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid <= 1 {
		return
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	for range 50 {
		if !portOpen(fmt.Sprintf("127.0.0.1:%d", mailSMTPPort)) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = os.Remove(mailPIDFile)
}

// mail is one message in MailHog's API (/api/v2).
type mail struct {
	ID      string `json:"ID"`
	Content struct {
		Headers map[string][]string `json:"Headers"`
		Body    string              `json:"Body"`
	} `json:"Content"`
}

// body is the message's body, decoded from quoted-printable (as gomail sends HTML).
func (m mail) body() string {
	if enc := m.Content.Headers["Content-Transfer-Encoding"]; len(enc) > 0 && strings.EqualFold(enc[0], "quoted-printable") {
		if b, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(m.Content.Body))); err == nil {
			return string(b)
		}
	}
	return m.Content.Body
}

func (m mail) subject() string {
	if s := m.Content.Headers["Subject"]; len(s) > 0 {
		return s[0]
	}
	return ""
}

// mailTo returns the messages MailHog holds for address whose subject starts with prefix.
func mailTo(t *testing.T, address, prefix string) []mail {
	t.Helper()
	q := url.Values{"kind": {"to"}, "query": {address}, "limit": {"250"}}
	status, _, body := call(t, http.MethodGet, fmt.Sprintf("http://127.0.0.1:%d/api/v2/search?%s", mailHTTPPort, q.Encode()), nil)
	if status != http.StatusOK {
		t.Fatalf("MailHog search: %d %s", status, body)
	}
	var res struct {
		Items []mail `json:"items"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("MailHog search: %v", err)
	}
	var out []mail
	for _, m := range res.Items {
		if strings.HasPrefix(m.subject(), prefix) {
			out = append(out, m)
		}
	}
	return out
}

// delivery is one record of the notification app's delivery log.
type delivery struct {
	Key            string   `json:"key"`
	Template       string   `json:"template"`
	StudentID      string   `json:"studentId"`
	RegistrationID string   `json:"registrationId"`
	EventID        string   `json:"eventId"`
	Received       int      `json:"received"`
	EventIDs       []string `json:"eventIds"`
	Status         string   `json:"status"`
	Attempts       int      `json:"attempts"`
	LastError      string   `json:"lastError"`
	UpdateSent     bool     `json:"updatePublished"`
}

// deliveriesOf reads a student's delivery log through the gateway as registry staff.
func deliveriesOf(t *testing.T, studentID string) []delivery {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/notifications/deliveries?studentId="+studentID, nil,
		bearer(users.token(t, "registry"))...)
	if status != http.StatusOK {
		t.Fatalf("delivery log of %s: %d %s", studentID, status, body)
	}
	return decode[struct {
		Items []delivery `json:"items"`
	}](t, body).Items
}

// deliveryOf finds the record of a template (and registration, if given) in the log.
func deliveryOf(t *testing.T, studentID, template, registrationID string) (delivery, bool) {
	t.Helper()
	for _, d := range deliveriesOf(t, studentID) {
		if d.Template == template && (registrationID == "" || d.RegistrationID == registrationID) {
			return d, true
		}
	}
	return delivery{}, false
}

// metricSeries reads an app's /metrics: each series (name with its labels) and its value.
func metricSeries(t *testing.T, app string) map[string]float64 {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL(app)+"/metrics", nil)
	if status != http.StatusOK {
		t.Fatalf("%s /metrics: %d", app, status)
	}
	series := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, " "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s /metrics: %q: %v", app, line, err)
			}
			series[k] = f
		}
	}
	return series
}

// metricValue reads one counter of an app's /metrics (0 if absent).
func metricValue(t *testing.T, app, series string) float64 {
	t.Helper()
	return metricSeries(t, app)[series]
}

// metricSum adds up the series of a metric whose labels include every given `name="value"`.
func metricSum(t *testing.T, app, metric string, labels ...string) float64 {
	t.Helper()
	var sum float64
	for k, v := range metricSeries(t, app) {
		if strings.HasPrefix(k, metric+"{") && !slices.ContainsFunc(labels, func(l string) bool { return !strings.Contains(k, l) }) {
			sum += v
		}
	}
	return sum
}

// confirmedRegistration registers an enrolled student for a fresh section with a good card
// and waits for the confirmation.
func confirmedRegistration(t *testing.T, tok string) (regID, sectionID string) {
	t.Helper()
	section, _ := newSection(t, 5)
	status, body := register(t, tok, "notify-"+strconv.FormatInt(time.Now().UnixNano(), 36), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	id := decode[accepted](t, body).Registrations[0].ID
	waitStatus(t, tok, id, "CONFIRMED")
	return id, section
}

// tappedEvent finds the event of a type about a registration among what the run published.
func tappedEventOf(t *testing.T, eventType, registrationID string) tappedEvent {
	t.Helper()
	var found tappedEvent
	eventually(t, 30*time.Second, eventType+" of "+registrationID+" on the broker", func() bool {
		for _, e := range tap.Events() {
			if e.CE.Type == eventType && strings.Contains(string(e.Data), registrationID) {
				found = e
				return true
			}
		}
		return false
	})
	return found
}

func TestNotificationConfirmedRegistrationSendsExactlyOneEmailEvenWhenRedelivered(t *testing.T) {
	s, tok := enrolled(t)
	regID, _ := confirmedRegistration(t, tok)

	var mails []mail
	eventually(t, 60*time.Second, "the confirmation email at "+s.Email, func() bool {
		mails = mailTo(t, s.Email, "Registration confirmed")
		return len(mails) > 0
	})
	m := mails[0]
	if body := m.body(); !strings.Contains(body, "Dear Grace,") || !strings.Contains(body, regID) {
		t.Fatalf("the confirmation does not name the student and the registration:\n%s", body)
	}
	d, ok := deliveryOf(t, s.ID, "registration-confirmed", regID)
	if !ok || d.Status != "sent" || d.Attempts != 1 || !d.UpdateSent || d.Key != "email:registration-confirmed:"+regID {
		t.Fatalf("delivery log: %+v (found %v)", d, ok)
	}
	// The student may read their own log, and no one else's.
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/notifications/deliveries?studentId="+s.ID, nil, bearer(tok)...)
	if status != http.StatusOK || !strings.Contains(string(body), regID) {
		t.Fatalf("the owner reading their delivery log: %d %s", status, body)
	}
	_, otherTok := enrolled(t)
	status, _, body = call(t, http.MethodGet, appURL("gateway")+"/api/v1/notifications/deliveries?studentId="+s.ID, nil, bearer(otherTok)...)
	if status != http.StatusNotFound {
		t.Fatalf("another student reading the log: %d %s, want 404", status, body)
	}

	// The same CloudEvent three more times, as a redelivering broker would.
	ev := tappedEventOf(t, "registration.confirmed.v1", regID)
	series := `registrar_events_processed_total{duplicate="true",type="registration.confirmed.v1"}`
	before := metricValue(t, "notification", series)
	q := url.Values{"metadata.cloudevent.id": {ev.CE.ID}, "metadata.cloudevent.type": {ev.CE.Type}}
	for range 3 {
		u := sidecarURL("notification") + "/v1.0/publish/pubsub/registrations?" + q.Encode()
		if status, _, body := call(t, http.MethodPost, u, ev.Data); status != http.StatusNoContent {
			t.Fatalf("republish: %d %s", status, body)
		}
	}
	eventually(t, 60*time.Second, "the three repeats at the notification app", func() bool {
		return metricValue(t, "notification", series) >= before+3
	})
	if n := len(mailTo(t, s.Email, "Registration confirmed")); n != 1 {
		t.Fatalf("%d confirmation emails after the repeats, want 1", n)
	}
	if d, _ := deliveryOf(t, s.ID, "registration-confirmed", regID); d.Attempts != 1 || d.Status != "sent" || d.Received != 1 {
		t.Fatalf("the repeats changed the delivery log: %+v", d)
	}
	// The welcome went out once too.
	if n := len(mailTo(t, s.Email, "Welcome")); n != 1 {
		t.Fatalf("%d welcome emails, want 1", n)
	}
}

// sseEvent is one server-sent event.
type sseEvent struct {
	ID, Event, Data string
}

// openStream opens GET /api/v1/stream with the student's token and returns its events
// (closed when the stream ends) after the `ready` event arrived.
func openStream(t *testing.T, tok string) <-chan sseEvent {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, appURL("gateway")+"/api/v1/stream", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := (&http.Client{}).Do(req) // no client timeout: the stream is long-lived
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	out := make(chan sseEvent, 64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		sc := bufio.NewScanner(resp.Body)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Event != "" || ev.Data != "" {
					out <- ev
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = strings.TrimPrefix(line, "id: ")
			case strings.HasPrefix(line, "event: "):
				ev.Event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				ev.Data = strings.TrimPrefix(line, "data: ")
			}
		}
	}()
	select {
	case ev := <-out:
		if ev.Event != "ready" || ev.Data != "{}" {
			t.Fatalf("first stream event %+v, want ready {}", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no ready event on the stream")
	}
	return out
}

type streamUpdate struct {
	Type           string `json:"type"`
	RegistrationID string `json:"registrationId"`
	SectionID      string `json:"sectionId"`
	ModuleCode     string `json:"moduleCode"`
	Status         string `json:"status"`
	OccurredAt     string `json:"occurredAt"`
}

func TestStreamSendsAStudentOnlyTheirOwnUpdates(t *testing.T) {
	_, tok := enrolled(t)
	_, otherTok := enrolled(t)
	mine, theirs := openStream(t, tok), openStream(t, otherTok)

	regID, section := confirmedRegistration(t, tok)
	var got streamUpdate
	deadline := time.After(60 * time.Second)
	for got.Type != "registration.confirmed.v1" {
		select {
		case ev, ok := <-mine:
			if !ok {
				t.Fatal("the student's stream ended")
			}
			if ev.Event != "update" || ev.ID == "" {
				t.Fatalf("unexpected stream event %+v", ev)
			}
			var u streamUpdate
			if err := json.Unmarshal([]byte(ev.Data), &u); err != nil {
				t.Fatalf("update data %q: %v", ev.Data, err)
			}
			if u.RegistrationID != regID {
				t.Fatalf("the stream carried an update about registration %s, not the student's %s", u.RegistrationID, regID)
			}
			got = u
		case <-deadline:
			published := 0
			for _, e := range tap.Events() {
				if e.CE.Type == "notification.update.v1" && strings.Contains(string(e.Data), regID) {
					published++
				}
			}
			t.Fatalf("no confirmation update on the student's stream (%d updates about the registration on the broker)", published)
		}
	}
	if got.Status != "CONFIRMED" || got.SectionID != section || got.ModuleCode == "" || got.OccurredAt == "" {
		t.Fatalf("confirmation update %+v", got)
	}
	// The other student's stream saw nothing of it (the update reached the gateway: the
	// first stream got it, so a leak would have arrived by now; wait a little anyway).
	select {
	case ev, ok := <-theirs:
		if ok {
			t.Fatalf("another student's stream received %+v", ev)
		}
		t.Fatal("another student's stream ended")
	case <-time.After(3 * time.Second):
	}

	// Only students have a stream, and only with a valid token.
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/stream", nil)
	if status != http.StatusUnauthorized {
		t.Fatalf("stream without a token: %d %s", status, body)
	}
	status, _, body = call(t, http.MethodGet, appURL("gateway")+"/api/v1/stream", nil, bearer(users.token(t, "registry"))...)
	if status != http.StatusForbidden {
		t.Fatalf("stream for staff: %d %s", status, body)
	}
	// The gateway's port is public: an update posted to it directly is refused.
	forged := fmt.Sprintf(`{"id":"forged-%d","type":"notification.update.v1","specversion":"1.0","source":"x","data":{"studentId":"%s","sourceType":"registration.confirmed.v1","occurredAt":"2027-01-01T00:00:00Z"}}`,
		time.Now().UnixNano(), regID)
	status, _, body = call(t, http.MethodPost, appURL("gateway")+"/events/notification-updates", forged)
	if status != http.StatusUnauthorized {
		t.Fatalf("a forged update posted to the gateway: %d %s, want 401", status, body)
	}
}
