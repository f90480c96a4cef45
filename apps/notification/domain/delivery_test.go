package domain

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)

func confirmed() Notice {
	return Notice{EventID: "e1", SourceType: EventRegistrationConfirmed, StudentID: "s1", RegistrationID: "r1",
		ModuleCode: "CS101", Status: "CONFIRMED", Version: 3, OccurredAt: t0}
}

func TestUserFacingAndKeys(t *testing.T) {
	tests := []struct {
		typ    string
		tmpl   Template
		facing bool
	}{
		{EventStudentCreated, Welcome, true},
		{EventRegistrationConfirmed, RegistrationConfirmed, true},
		{EventRegistrationFailed, PaymentFailed, true},
		{EventWaitlistOffered, WaitlistOffer, true},
		{EventRegistrationExpired, OfferLapsed, true},
		{EventRegistrationDropped, DropConfirmed, true},
		{EventRegistrationRequested, "", true},
		{EventRegistrationWaitlisted, "", true},
		{"seat.held.v1", "", false},
		{"student.updated.v1", "", false},
	}
	for _, tt := range tests {
		tmpl, facing := UserFacing(tt.typ)
		if tmpl != tt.tmpl || facing != tt.facing {
			t.Errorf("%s: %q %v, want %q %v", tt.typ, tmpl, facing, tt.tmpl, tt.facing)
		}
	}
	n := confirmed()
	if k := DeliveryKey(RegistrationConfirmed, n); k != "email:registration-confirmed:r1" {
		t.Errorf("key %s", k)
	}
	n.EventID = "another id for the same fact"
	if k := DeliveryKey(RegistrationConfirmed, n); k != "email:registration-confirmed:r1" {
		t.Errorf("the key depends on the event id: %s", k)
	}
	w := Notice{EventID: "e", SourceType: EventStudentCreated, StudentID: "s9"}
	if k := DeliveryKey(Welcome, w); k != "email:welcome:s9" {
		t.Errorf("welcome key %s", k)
	}
	if id := UpdateID(n); id != "update:registration.confirmed.v1:r1" {
		t.Errorf("update id %s", id)
	}
	if u := n.Update(); u.Version != 3 || u.StudentID != "s1" || u.SourceType != EventRegistrationConfirmed || u.OccurredAt == "" {
		t.Errorf("update %+v", u)
	}
}

func TestNoticeValidate(t *testing.T) {
	bad := []Notice{
		{SourceType: EventRegistrationConfirmed, RegistrationID: "r"},
		{StudentID: "s", RegistrationID: "r"},
		{StudentID: "s", SourceType: EventRegistrationConfirmed},
	}
	for _, n := range bad {
		if err := n.Validate(); !errors.Is(err, ErrInvalidNotice) {
			t.Errorf("%+v: %v", n, err)
		}
	}
	if err := (Notice{StudentID: "s", SourceType: EventStudentCreated}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestDeliveryLifecycle(t *testing.T) {
	d, err := NewDelivery(RegistrationConfirmed, confirmed(), t0)
	if err != nil || d.Status != Queued || d.Received != 1 || d.Attempts != 0 {
		t.Fatalf("%+v %v", d, err)
	}
	if d.Receive("e1", t0) || d.Received != 1 {
		t.Fatal("the same event counted twice")
	}
	if !d.Receive("e2", t0) || d.Received != 2 {
		t.Fatal("a republished fact not counted")
	}
	if err := d.StartAttempt("a1", t0, 30*time.Second); err != nil || d.Attempts != 1 {
		t.Fatal(err)
	}
	// A concurrent delivery of the same event cannot send while a1 holds the lease ...
	if err := d.StartAttempt("a2", t0.Add(time.Second), 30*time.Second); !errors.Is(err, ErrLeased) {
		t.Fatalf("second attempt during the lease: %v", err)
	}
	dead, err := d.MarkFailed("connection refused", false, 3, t0.Add(2*time.Second))
	if err != nil || dead || d.Status != Failed || d.LastError != "connection refused" {
		t.Fatalf("%+v %v %v", d, dead, err)
	}
	// ... but may once the failed attempt released it.
	if err := d.StartAttempt("a2", t0.Add(3*time.Second), 30*time.Second); err != nil || d.Attempts != 2 {
		t.Fatal(err)
	}
	if err := d.MarkSent(t0.Add(4 * time.Second)); err != nil || d.Status != Sent || d.SentAt == nil || d.LastError != "" {
		t.Fatalf("%+v %v", d, err)
	}
	if err := d.StartAttempt("a3", t0.Add(5*time.Second), 30*time.Second); !errors.Is(err, ErrFinal) {
		t.Fatalf("attempt after sent: %v", err)
	}
}

func TestDeliveryLeaseLapses(t *testing.T) {
	d, _ := NewDelivery(Welcome, Notice{EventID: "e", SourceType: EventStudentCreated, StudentID: "s"}, t0)
	_ = d.StartAttempt("crashed", t0, 30*time.Second)
	if err := d.StartAttempt("next", t0.Add(31*time.Second), 30*time.Second); err != nil || d.Attempts != 2 {
		t.Fatalf("a lapsed lease blocks: %v", err)
	}
}

func TestDeliveryDeadLetters(t *testing.T) {
	d, _ := NewDelivery(PaymentFailed, confirmed(), t0)
	for i := 1; i <= 3; i++ {
		_ = d.StartAttempt("a", t0, time.Second)
		dead, _ := d.MarkFailed("boom", false, 3, t0)
		if dead != (i == 3) {
			t.Fatalf("attempt %d: dead-lettered %v", i, dead)
		}
	}
	if d.Status != DeadLettered || !d.Status.Final() {
		t.Fatalf("%+v", d)
	}
	if err := d.MarkSent(t0); !errors.Is(err, ErrFinal) {
		t.Fatal("a dead-lettered message was marked sent")
	}
	p, _ := NewDelivery(PaymentFailed, confirmed(), t0)
	_ = p.StartAttempt("a", t0, time.Second)
	if dead, _ := p.MarkFailed("no such student", true, 10, t0); !dead {
		t.Fatal("a permanent failure did not dead-letter")
	}
}
