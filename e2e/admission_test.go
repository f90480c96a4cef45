package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/couchbase/gocb/v2"
	"github.com/google/uuid"
)

// admissionView is GET /api/v1/admission/me.
type admissionView struct {
	StudentID string `json:"studentId"`
	Name      string `json:"name"`
	Programme string `json:"programme"`
	Status    string `json:"status"`
	Modules   []struct {
		RegistrationID string `json:"registrationId"`
		ModuleCode     string `json:"moduleCode"`
		ModuleTitle    string `json:"moduleTitle"`
		SectionID      string `json:"sectionId"`
		Credits        int    `json:"credits"`
	} `json:"modules"`
	Version int64 `json:"version"`
	Form    *struct {
		URL         string    `json:"url"`
		ExpiresAt   time.Time `json:"expiresAt"`
		ContentType string    `json:"contentType"`
	} `json:"form"`
}

// admissionDoc is the record as the admission app stores it in Couchbase.
type admissionDoc struct {
	StudentID string `json:"studentId"`
	Name      string `json:"name"`
	Modules   []struct {
		RegistrationID string `json:"registrationId"`
		ModuleCode     string `json:"moduleCode"`
	} `json:"modules"`
	Form *struct {
		Key    string `json:"key"`
		SHA256 string `json:"sha256"`
	} `json:"form"`
	Pending []json.RawMessage `json:"pending"`
	Version int64             `json:"version"`
}

// admissionBucket opens the admission app's Couchbase bucket (the e2e one) with gocb.
func admissionBucket(t *testing.T) *gocb.Collection {
	t.Helper()
	spec, _ := opts.App("admission")
	cluster, err := gocb.Connect(spec.Env["COUCHBASE_URL"], gocb.ClusterOptions{
		Authenticator: gocb.PasswordAuthenticator{Username: spec.Env["COUCHBASE_USERNAME"], Password: spec.Env["COUCHBASE_PASSWORD"]}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cluster.Close(nil) })
	b := cluster.Bucket(spec.Env["COUCHBASE_BUCKET"])
	if err := b.WaitUntilReady(20*time.Second, &gocb.WaitUntilReadyOptions{ServiceTypes: []gocb.ServiceType{gocb.ServiceTypeKeyValue}}); err != nil {
		t.Fatal(err)
	}
	return b.DefaultCollection()
}

func admissionDocOf(t *testing.T, coll *gocb.Collection, studentID string) (admissionDoc, gocb.Cas) {
	t.Helper()
	res, err := coll.Get("admission::"+studentID, nil)
	if err != nil {
		t.Fatalf("admission record of %s: %v", studentID, err)
	}
	var d admissionDoc
	if err := res.Content(&d); err != nil {
		t.Fatal(err)
	}
	return d, res.Cas()
}

// formObjects lists the form objects of a student through the admission app's S3 binding
// (on its sidecar), i.e. in the bucket the e2e stack uses.
func formObjects(t *testing.T, studentID string) []string {
	t.Helper()
	status, _, body := call(t, http.MethodPost, sidecarURL("admission")+"/v1.0/bindings/admission-forms",
		map[string]any{"operation": "list", "data": map[string]any{"prefix": "forms/" + studentID + "/"}})
	if status != http.StatusOK {
		t.Fatalf("list forms: %d %s", status, body)
	}
	var res struct {
		Contents []struct {
			Key string `json:"Key"`
		} `json:"Contents"`
	}
	if err := json.Unmarshal(body, &res); err != nil {
		t.Fatalf("list forms: %v: %s", err, body)
	}
	var keys []string
	for _, c := range res.Contents {
		keys = append(keys, c.Key)
	}
	return keys
}

// admissionEvents reads the admission app's count of registration events by outcome.
func admissionEvents(t *testing.T, outcome string) float64 {
	t.Helper()
	return metricSum(t, "admission", "registrar_admission_events_total",
		`outcome="`+outcome+`"`, `type="registration.confirmed.v1"`)
}

func download(t *testing.T, u string) (int, []byte) {
	t.Helper()
	resp, err := client.Get(u)
	if err != nil {
		t.Fatalf("download %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// admissionLogsOnFailure shows the admission app's and its sidecar's warnings when the test
// fails (the run directory is gone once the next run starts).
func admissionLogsOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, name := range []string{"admission.log", "daprd-admission.log"} {
			b, err := os.ReadFile(filepath.Join(opts.RunDir, "logs", name))
			if err != nil {
				continue
			}
			var lines []string
			for _, l := range strings.Split(string(b), "\n") {
				if strings.Contains(l, "WARN") || strings.Contains(l, "ERROR") || strings.Contains(l, "level=warn") ||
					strings.Contains(l, "level=error") || strings.Contains(l, "level=fatal") {
					lines = append(lines, l)
				}
			}
			if len(lines) > 30 {
				lines = lines[len(lines)-30:]
			}
			t.Logf("%s, warnings and errors:\n%s", name, strings.Join(lines, "\n"))
		}
	})
}

func TestAdmissionFormForAConfirmedRegistration(t *testing.T) {
	admissionLogsOnFailure(t)
	section, module := newSection(t, 3)
	s, tok := enrolled(t)
	status, body := register(t, tok, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	reg := decode[accepted](t, body).Registrations[0]
	if done := waitStatus(t, tok, reg.ID, "CONFIRMED", "FAILED", "EXPIRED"); done.Status != "CONFIRMED" {
		t.Fatalf("registration ended %s (%s)", done.Status, done.Reason)
	}

	// The owner reads their record through the gateway, with a link to the form.
	var view admissionView
	eventually(t, 60*time.Second, "the admission record with its form", func() bool {
		st, _, b := call(t, http.MethodGet, appURL("gateway")+"/api/v1/admission/me", nil, bearer(tok)...)
		if st == http.StatusNotFound {
			return false
		}
		if st != http.StatusOK {
			t.Fatalf("GET /api/v1/admission/me: %d %s", st, b)
		}
		view = decode[admissionView](t, b)
		return view.Form != nil
	})
	if view.StudentID != s.ID || view.Name != "Grace Hopper" || view.Programme != "CS" || view.Status != "ADMITTED" ||
		len(view.Modules) != 1 {
		t.Fatalf("admission record: %+v", view)
	}
	m := view.Modules[0]
	if m.RegistrationID != reg.ID || m.ModuleCode != module.Code || m.SectionID != section || m.ModuleTitle != module.Title ||
		m.Credits != module.Credits {
		t.Fatalf("module on the plan: %+v; want registration %s, module %s %q (%d credits), section %s",
			m, reg.ID, module.Code, module.Title, module.Credits, section)
	}
	if view.Form.ContentType != "application/pdf" || time.Until(view.Form.ExpiresAt) > 10*time.Minute ||
		time.Until(view.Form.ExpiresAt) < time.Minute {
		t.Fatalf("form link: %+v", view.Form)
	}

	// Exactly one record in Couchbase, keyed by the student id, all its events published.
	coll := admissionBucket(t)
	var doc admissionDoc
	var cas gocb.Cas
	eventually(t, 30*time.Second, "the record's pending events to be published", func() bool {
		doc, cas = admissionDocOf(t, coll, s.ID)
		return len(doc.Pending) == 0
	})
	if doc.StudentID != s.ID || doc.Version != 1 || len(doc.Modules) != 1 || doc.Modules[0].RegistrationID != reg.ID ||
		doc.Form == nil {
		t.Fatalf("record in Couchbase: %+v", doc)
	}
	var updated []tappedEvent
	eventually(t, 30*time.Second, "admission.updated.v1 on the broker", func() bool {
		updated = nil
		for _, e := range tap.Events() {
			if e.CE.Type == "admission.updated.v1" && strings.Contains(string(e.Data), s.ID) {
				updated = append(updated, e)
			}
		}
		return len(updated) > 0
	})
	eventually(t, 30*time.Second, "the audit log to record admission.updated.v1", func() bool {
		for _, e := range auditEntries(t) {
			if e.EventID == updated[0].CE.ID && e.Type == "admission.updated.v1" {
				return true
			}
		}
		return false
	})

	// One PDF object in S3, showing the student's name and the module.
	keys := formObjects(t, s.ID)
	if len(keys) != 1 || keys[0] != doc.Form.Key {
		t.Fatalf("form objects of the student: %v; the record points at %s", keys, doc.Form.Key)
	}
	st, pdf := download(t, view.Form.URL)
	if st != http.StatusOK {
		t.Fatalf("owner's download: %d %s", st, pdf)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("Grace Hopper")) ||
		!bytes.Contains(pdf, []byte(module.Code)) {
		t.Fatalf("the form (%d bytes) is not a PDF showing the student and %s: %.200q", len(pdf), module.Code, pdf)
	}
	if sum := sha256.Sum256(pdf); fmt.Sprintf("%x", sum) != doc.Form.SHA256 {
		t.Fatal("the downloaded form differs from the one the record describes")
	}

	// Without its signature the link is refused by S3.
	u, _ := url.Parse(view.Form.URL)
	u.RawQuery = ""
	if st, _ := download(t, u.String()); st != http.StatusForbidden {
		t.Fatalf("the form without the signature answered %d", st)
	}
	// Another student gets only their own (absent) record; there is no way to name another.
	_, other := studentWithLogin(t)
	st, _, b := call(t, http.MethodGet, appURL("gateway")+"/api/v1/admission/me", nil,
		append(bearer(other), "X-Registrar-Student", s.ID)...)
	if st != http.StatusNotFound || bytes.Contains(b, []byte(s.ID)) || bytes.Contains(b, []byte("Grace")) {
		t.Fatalf("another student asked for an admission record: %d %s", st, b)
	}
	for _, path := range []string{"/api/v1/admission/" + s.ID, "/api/v1/admission/me?studentId=" + s.ID} {
		st, _, b := call(t, http.MethodGet, appURL("gateway")+path, nil, bearer(other)...)
		if st != http.StatusNotFound || bytes.Contains(b, []byte("Grace")) {
			t.Fatalf("another student asked for %s: %d %s", path, st, b)
		}
	}
	if st, _, _ := call(t, http.MethodGet, appURL("gateway")+"/api/v1/admission/me", nil); st != http.StatusUnauthorized {
		t.Fatalf("anonymous GET /api/v1/admission/me: %d", st)
	}
	if st, _, _ := call(t, http.MethodGet, appURL("gateway")+"/api/v1/admission/me", nil, bearer(users.token(t, "registry"))...); st != http.StatusForbidden {
		t.Fatalf("registry staff GET /api/v1/admission/me: %d", st)
	}

	// The same CloudEvent delivered three more times, and the same fact three times under new
	// ids (a re-run activity): nothing changes, no new object, no new event.
	var confirmed *tappedEvent
	for _, e := range tap.Events() {
		if e.CE.Type == "registration.confirmed.v1" && strings.Contains(string(e.Data), reg.ID) {
			confirmed = &e
			break
		}
	}
	if confirmed == nil {
		t.Fatal("the tap did not see the registration.confirmed.v1")
	}
	dupBefore, appliedBefore := admissionEvents(t, "duplicate"), admissionEvents(t, "applied")
	publish := func(id string) {
		q := url.Values{"metadata.cloudevent.id": {id}, "metadata.cloudevent.type": {confirmed.CE.Type}}
		u := sidecarURL("registration") + "/v1.0/publish/pubsub/registrations?" + q.Encode()
		if status, _, body := call(t, http.MethodPost, u, string(confirmed.Data)); status != http.StatusNoContent {
			t.Fatalf("republish: %d %s", status, body)
		}
	}
	for range 3 {
		publish(confirmed.CE.ID)
	}
	for range 3 {
		publish("rerun-" + uuid.NewString())
	}
	eventually(t, 60*time.Second, "admission to receive the six repeats", func() bool {
		return admissionEvents(t, "duplicate") >= dupBefore+3 && admissionEvents(t, "applied") >= appliedBefore+3
	})
	after, casAfter := admissionDocOf(t, coll, s.ID)
	if casAfter != cas || after.Version != doc.Version || len(after.Modules) != 1 || after.Form.Key != doc.Form.Key {
		t.Fatalf("the repeats changed the record: before %+v, after %+v", doc, after)
	}
	if keys := formObjects(t, s.ID); len(keys) != 1 || keys[0] != doc.Form.Key {
		t.Fatalf("form objects after the repeats: %v", keys)
	}
	st, again := download(t, view.Form.URL)
	if st != http.StatusOK || !bytes.Equal(again, pdf) {
		t.Fatalf("the form after the repeats: %d, same content %v", st, bytes.Equal(again, pdf))
	}
	time.Sleep(2 * time.Second) // a stray republish would have reached the tap by now
	n := 0
	for _, e := range tap.Events() {
		if e.CE.Type == "admission.updated.v1" && strings.Contains(string(e.Data), s.ID) {
			n++
		}
	}
	if n != len(updated) {
		t.Fatalf("admission.updated.v1 for the student: %d before the repeats, %d after", len(updated), n)
	}
}

// admittedRegistration registers a new student on a new section and waits until it is
// confirmed and admission shows it with a form.
func admittedRegistration(t *testing.T) (student, string, registrationView, admissionView) {
	t.Helper()
	section, _ := newSection(t, 3)
	s, tok := enrolled(t)
	status, body := register(t, tok, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	reg := decode[accepted](t, body).Registrations[0]
	if done := waitStatus(t, tok, reg.ID, "CONFIRMED", "FAILED", "EXPIRED"); done.Status != "CONFIRMED" {
		t.Fatalf("registration ended %s (%s)", done.Status, done.Reason)
	}
	var view admissionView
	eventually(t, 60*time.Second, "the admission record with its form", func() bool {
		st, _, b := call(t, http.MethodGet, appURL("gateway")+"/api/v1/admission/me", nil, bearer(tok)...)
		if st != http.StatusOK {
			return false
		}
		view = decode[admissionView](t, b)
		return view.Form != nil && len(view.Modules) == 1
	})
	return s, tok, reg, view
}

func TestAdmissionDropTakesTheModuleOffThePlan(t *testing.T) {
	admissionLogsOnFailure(t)
	s, tok, reg, before := admittedRegistration(t)
	st, _, body := call(t, http.MethodDelete, appURL("gateway")+"/api/v1/registrations/"+reg.ID, nil, bearer(tok)...)
	if st != http.StatusAccepted {
		t.Fatalf("drop: %d %s", st, body)
	}
	waitStatus(t, tok, reg.ID, "DROPPED")
	// The record of the new plan, once its form is rendered and its event published.
	coll := admissionBucket(t)
	var doc admissionDoc
	eventually(t, 60*time.Second, "admission to take the dropped module off the plan and render its form", func() bool {
		doc, _ = admissionDocOf(t, coll, s.ID)
		return doc.Version > before.Version && doc.Form != nil && len(doc.Pending) == 0 &&
			strings.HasSuffix(doc.Form.Key, fmt.Sprintf("-v%d.pdf", doc.Version))
	})
	st, _, b := call(t, http.MethodGet, appURL("gateway")+"/api/v1/admission/me", nil, bearer(tok)...)
	if st != http.StatusOK {
		t.Fatalf("GET /api/v1/admission/me after the drop: %d %s", st, b)
	}
	after := decode[admissionView](t, b)
	if len(after.Modules) != 0 || after.Version != before.Version+1 || after.Form == nil {
		t.Fatalf("the plan after the drop: %+v", after)
	}
	// The new form replaced the old one: one object, the old link leads nowhere.
	if keys := formObjects(t, s.ID); len(keys) != 1 || keys[0] != doc.Form.Key {
		t.Fatalf("form objects after the drop: %v (record points at %s)", keys, doc.Form.Key)
	}
	if st, _ := download(t, before.Form.URL); st == http.StatusOK {
		t.Fatal("the form of the dropped plan can still be downloaded")
	}
	st, pdf := download(t, after.Form.URL)
	if st != http.StatusOK || !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("No modules on the plan.")) {
		t.Fatalf("the new form: %d %.120q", st, pdf)
	}
	eventually(t, 30*time.Second, "admission.updated.v1 MODULE_REMOVED on the broker", func() bool {
		for _, e := range tap.Events() {
			if e.CE.Type == "admission.updated.v1" && strings.Contains(string(e.Data), s.ID) &&
				strings.Contains(string(e.Data), `"MODULE_REMOVED"`) {
				return true
			}
		}
		return false
	})
}
