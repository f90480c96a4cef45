package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

// consumerEffects is everything one confirmed registration leaves behind in the consumers'
// own stores, read from those stores (and the SMTP server's API), not from the apps' answers.
type consumerEffects struct {
	Emails        int
	AdmissionCAS  uint64
	AdmissionMods int
	Forms         []string
	AuditRows     int
	ERPEnrolments []string
	ERPStudents   []string
	Analytics     sectionFigures
}

// TestOneConfirmationReachesEveryConsumerOnceEvenWhenRedelivered is issue 5's first two
// must-shows on a single registration: one confirmation → one email, one admission record,
// one form, one audit row, one ERP row, analytics +1; then the same CloudEvent three more
// times changes nothing anywhere.
func TestOneConfirmationReachesEveryConsumerOnceEvenWhenRedelivered(t *testing.T) {
	section, module := newSection(t, 3)
	var before sectionFigures
	eventually(t, 60*time.Second, "analytics to learn the new section", func() bool {
		var ok bool
		before, ok = analyticsSection(t, section)
		return ok && before.Capacity != nil
	})
	s, tok := enrolled(t)
	status, body := register(t, tok, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	reg := decode[accepted](t, body).Registrations[0]
	if done := waitStatus(t, tok, reg.ID, "CONFIRMED", "FAILED", "EXPIRED"); done.Status != "CONFIRMED" {
		t.Fatalf("registration ended %s (%s)", done.Status, done.Reason)
	}
	confirmed := tappedEventOf(t, "registration.confirmed.v1", reg.ID)

	coll := admissionBucket(t)
	erp := openERP(t)
	effects := func() consumerEffects {
		doc, cas := admissionDocOf(t, coll, s.ID)
		audit := 0
		for _, e := range auditEntries(t) {
			if e.EventID == confirmed.CE.ID {
				audit++
			}
		}
		a, _ := analyticsSection(t, section)
		return consumerEffects{
			Emails:        len(mailTo(t, s.Email, "Registration confirmed")),
			AdmissionCAS:  uint64(cas),
			AdmissionMods: len(doc.Modules),
			Forms:         formObjects(t, s.ID),
			AuditRows:     audit,
			ERPEnrolments: erpRows(t, erp, `SELECT * FROM ENROLMENT WHERE STUDENT_ID = ?`, s.ID),
			ERPStudents:   erpRows(t, erp, `SELECT * FROM STUDENT_MASTER WHERE STUDENT_ID = ?`, s.ID),
			Analytics:     a,
		}
	}
	// Wait for the slowest consumer, then take the picture everything is compared with.
	eventually(t, 90*time.Second, "every consumer to act on the confirmation", func() bool {
		if len(mailTo(t, s.Email, "Registration confirmed")) == 0 || len(formObjects(t, s.ID)) == 0 ||
			len(erpRows(t, erp, `SELECT * FROM ENROLMENT WHERE REG_ID = ?`, reg.ID)) == 0 {
			return false
		}
		st, _, _ := call(t, http.MethodGet, appURL("gateway")+"/api/v1/admission/me", nil, bearer(tok)...)
		a, _ := analyticsSection(t, section)
		return st == http.StatusOK && a.Confirmed == before.Confirmed+1 &&
			slices.ContainsFunc(auditEntries(t), func(e auditEntry) bool { return e.EventID == confirmed.CE.ID })
	})
	first := effects()
	if first.Emails != 1 || first.AdmissionMods != 1 || len(first.Forms) != 1 || first.AuditRows != 1 ||
		len(first.ERPEnrolments) != 1 || len(first.ERPStudents) != 1 || first.Analytics.Confirmed != before.Confirmed+1 {
		t.Fatalf("one confirmed registration of %s left: %+v", module.Code, first)
	}
	if rep := staffGet[auditReport](t, "/api/v1/audit/verify"); !rep.Intact {
		t.Fatalf("audit chain: %+v (first broken %+v)", rep, rep.FirstBroken)
	}

	// Three more deliveries of the very same CloudEvent, as a redelivering broker makes them.
	repeats := map[string]string{
		"notification": `registrar_events_processed_total{duplicate="true",type="registration.confirmed.v1"}`,
		"analytics":    `registrar_events_processed_total{duplicate="true",type="registration.confirmed.v1"}`,
		"audit":        `registrar_audit_events_total{duplicate="true",topic="` + confirmed.Topic + `"}`,
		"erp-sync":     `registrar_erp_sync_events_total{outcome="duplicate",type="registration.confirmed.v1"}`,
	}
	counted := map[string]float64{"admission": admissionEvents(t, "duplicate")}
	for app, series := range repeats {
		counted[app] = metricValue(t, app, series)
	}
	q := url.Values{"metadata.cloudevent.id": {confirmed.CE.ID}, "metadata.cloudevent.type": {confirmed.CE.Type}}
	for range 3 {
		u := sidecarURL("registration") + "/v1.0/publish/pubsub/" + confirmed.Topic + "?" + q.Encode()
		if status, _, body := call(t, http.MethodPost, u, confirmed.Data); status != http.StatusNoContent {
			t.Fatalf("republish: %d %s", status, body)
		}
	}
	eventually(t, 60*time.Second, "every consumer to receive the three repeats", func() bool {
		if admissionEvents(t, "duplicate") < counted["admission"]+3 {
			return false
		}
		for app, series := range repeats {
			if metricValue(t, app, series) < counted[app]+3 {
				return false
			}
		}
		return true
	})
	again := effects()
	if again.Emails != first.Emails || again.AdmissionCAS != first.AdmissionCAS || again.AuditRows != first.AuditRows ||
		!slices.Equal(again.Forms, first.Forms) || !slices.Equal(again.ERPEnrolments, first.ERPEnrolments) ||
		!slices.Equal(again.ERPStudents, first.ERPStudents) || again.Analytics.Confirmed != first.Analytics.Confirmed {
		t.Fatalf("the repeats changed something\nbefore %+v\n after %+v", first, again)
	}
	if rep := staffGet[auditReport](t, "/api/v1/audit/verify"); !rep.Intact {
		t.Fatalf("audit chain after the repeats: %+v", rep)
	}
	t.Logf("one confirmation of %s: %s", module.Code, strings.Join([]string{"1 email", "1 admission record",
		"1 form", "1 audit row", "1 ERP enrolment", "analytics +1", "3 repeats changed nothing"}, ", "))
}
