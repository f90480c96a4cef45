// Package domain holds what the notification app decides: which event becomes which
// message, the delivery log entry of each message with its lifecycle, and the per-student
// send rate. It imports only the standard library.
package domain

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Template names one kind of message a student receives.
type Template string

// The messages of Registrar.
const (
	Welcome               Template = "welcome"
	RegistrationConfirmed Template = "registration-confirmed"
	PaymentFailed         Template = "payment-failed"
	WaitlistOffer         Template = "waitlist-offer"
	OfferLapsed           Template = "offer-lapsed"
	DropConfirmed         Template = "drop-confirmed"
)

// Templates lists every message template.
var Templates = []Template{Welcome, RegistrationConfirmed, PaymentFailed, WaitlistOffer, OfferLapsed, DropConfirmed}

// Source event types the app consumes (the types other apps publish).
const (
	EventStudentCreated         = "student.created.v1"
	EventRegistrationRequested  = "registration.requested.v1"
	EventRegistrationConfirmed  = "registration.confirmed.v1"
	EventRegistrationFailed     = "registration.failed.v1"
	EventRegistrationExpired    = "registration.expired.v1"
	EventRegistrationDropped    = "registration.dropped.v1"
	EventRegistrationWaitlisted = "registration.waitlisted.v1"
	EventWaitlistOffered        = "waitlist.offered.v1"
)

// TopicNotifications and EventUpdate are what the app publishes: one update per
// user-facing event, which the gateway streams to the student's open browsers.
const (
	TopicNotifications = "notifications"
	EventUpdate        = "notification.update.v1"
)

// templateOf maps the source events that send a message to their template. Events that
// only update the student's live view (requested, waitlisted) are absent.
var templateOf = map[string]Template{
	EventStudentCreated:        Welcome,
	EventRegistrationConfirmed: RegistrationConfirmed,
	EventRegistrationFailed:    PaymentFailed,
	EventWaitlistOffered:       WaitlistOffer,
	EventRegistrationExpired:   OfferLapsed,
	EventRegistrationDropped:   DropConfirmed,
}

// UserFacing reports whether an event of this type concerns a student directly (a live
// update at least), and the template of its message, if it sends one.
func UserFacing(eventType string) (Template, bool) {
	if t, ok := templateOf[eventType]; ok {
		return t, true
	}
	return "", eventType == EventRegistrationRequested || eventType == EventRegistrationWaitlisted
}

// Notice is one user-facing fact, decoded from a source event: ids and facts only.
type Notice struct {
	EventID        string // the source CloudEvent id
	SourceType     string // the source event type
	StudentID      string
	RegistrationID string // empty for student events
	SectionID      string
	ModuleCode     string
	Semester       string
	Status         string // the registration status after the event
	Reason         string
	FeeMinor       int64
	Currency       string
	Version        int // the source aggregate's version
	OccurredAt     time.Time
}

// ErrInvalidNotice refuses a notice that cannot be delivered to anybody.
var ErrInvalidNotice = errors.New("invalid notice")

// Validate checks what every notice needs.
func (n Notice) Validate() error {
	switch {
	case n.StudentID == "":
		return fmt.Errorf("%w: no student id", ErrInvalidNotice)
	case n.SourceType == "":
		return fmt.Errorf("%w: no event type", ErrInvalidNotice)
	case n.SourceType != EventStudentCreated && n.RegistrationID == "":
		return fmt.Errorf("%w: %s without a registration id", ErrInvalidNotice, n.SourceType)
	}
	return nil
}

// subject is what the notice is about: the registration, or the student for student events.
func (n Notice) subject() string {
	if n.RegistrationID != "" {
		return n.RegistrationID
	}
	return n.StudentID
}

// DeliveryKey is the business key of the message a notice sends: one message per template
// and registration (or student), whatever the event id. A republished event finds it.
func DeliveryKey(t Template, n Notice) string { return "email:" + string(t) + ":" + n.subject() }

// UpdateID is the deterministic CloudEvent id of the live update a notice publishes, so a
// re-run publishes the same update again, never a second one.
func UpdateID(n Notice) string { return "update:" + n.SourceType + ":" + n.subject() }

// Update is the data of notification.update.v1 (contracts/events): ids and facts only.
type Update struct {
	StudentID      string `json:"studentId"`
	RegistrationID string `json:"registrationId,omitempty"`
	SectionID      string `json:"sectionId,omitempty"`
	ModuleCode     string `json:"moduleCode,omitempty"`
	Status         string `json:"status,omitempty"`
	Reason         string `json:"reason,omitempty"`
	SourceType     string `json:"sourceType"`
	Version        int    `json:"aggregateVersion"`
	OccurredAt     string `json:"occurredAt"`
}

// Update is the live update announcing the notice.
func (n Notice) Update() Update {
	return Update{StudentID: n.StudentID, RegistrationID: n.RegistrationID, SectionID: n.SectionID,
		ModuleCode: n.ModuleCode, Status: n.Status, Reason: n.Reason, SourceType: n.SourceType, Version: max(n.Version, 1),
		OccurredAt: n.OccurredAt.UTC().Format(time.RFC3339Nano)}
}

// Status is where a message stands in the delivery log.
type Status string

// The statuses of a delivery.
const (
	Queued       Status = "queued"        // recorded, not sent yet (deferred or never tried)
	Sent         Status = "sent"          // the email binding accepted it
	Failed       Status = "failed"        // the last attempt failed; it will be retried
	DeadLettered Status = "dead-lettered" // given up: failed for good or too many attempts
)

// Final reports whether nothing more is sent for the delivery.
func (s Status) Final() bool { return s == Sent || s == DeadLettered }

// Delivery is one entry of the delivery log: one message to one student, with what
// happened to it. It holds no personal data (no address, no name).
type Delivery struct {
	Key            string     `json:"key"`
	Template       Template   `json:"template"`
	StudentID      string     `json:"studentId"`
	RegistrationID string     `json:"registrationId,omitempty"`
	SourceType     string     `json:"sourceType"`
	EventID        string     `json:"eventId"`  // the first event that asked for it
	Received       int        `json:"received"` // distinct events (by id) that asked for it
	EventIDs       []string   `json:"eventIds"` // the latest of those ids, to count repeats once
	Status         Status     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastError      string     `json:"lastError,omitempty"`
	DeferredUntil  *time.Time `json:"deferredUntil,omitempty"`
	UpdateSent     bool       `json:"updatePublished"`
	LeaseHolder    string     `json:"leaseHolder,omitempty"` // the attempt sending right now
	LeaseUntil     *time.Time `json:"leaseUntil,omitempty"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	SentAt         *time.Time `json:"sentAt,omitempty"`
}

// NewDelivery queues the message a notice asks for.
func NewDelivery(t Template, n Notice, now time.Time) (Delivery, error) {
	if err := n.Validate(); err != nil {
		return Delivery{}, err
	}
	now = now.UTC()
	return Delivery{Key: DeliveryKey(t, n), Template: t, StudentID: n.StudentID, RegistrationID: n.RegistrationID,
		SourceType: n.SourceType, EventID: n.EventID, Received: 1, EventIDs: []string{n.EventID}, Status: Queued,
		CreatedAt: now, UpdatedAt: now}, nil
}

// maxEventIDs bounds the ids a delivery remembers; repeats older than that count again.
const maxEventIDs = 20

// Receive counts an event asking for the delivery again; it reports whether the event id
// was new (a republished fact) rather than a repeat of one already counted.
func (d *Delivery) Receive(eventID string, now time.Time) bool {
	if slices.Contains(d.EventIDs, eventID) {
		return false
	}
	d.Received++
	d.EventIDs = append(d.EventIDs, eventID)
	if len(d.EventIDs) > maxEventIDs {
		d.EventIDs = d.EventIDs[len(d.EventIDs)-maxEventIDs:]
	}
	d.UpdatedAt = now.UTC()
	return true
}

// ErrLeased is returned when another attempt is sending the message right now.
var ErrLeased = errors.New("another attempt is sending this message")

// ErrFinal refuses to change a delivery that was sent or dead-lettered.
var ErrFinal = errors.New("delivery is final")

// Defer records that the send waits for the student's rate limit until at.
func (d *Delivery) Defer(at, now time.Time) error {
	if d.Status.Final() {
		return ErrFinal
	}
	at = at.UTC()
	d.DeferredUntil, d.UpdatedAt = &at, now.UTC()
	return nil
}

// StartAttempt takes the delivery's lease for attempt until now+lease and counts the
// attempt before it is made, so a crash mid-send still counts. Two deliveries of the same
// event at once cannot both send: the second finds the lease held (ErrLeased).
func (d *Delivery) StartAttempt(attempt string, now time.Time, lease time.Duration) error {
	if d.Status.Final() {
		return ErrFinal
	}
	now = now.UTC()
	if d.LeaseHolder != "" && d.LeaseHolder != attempt && d.LeaseUntil != nil && now.Before(*d.LeaseUntil) {
		return ErrLeased
	}
	until := now.Add(lease)
	d.Attempts++
	d.LeaseHolder, d.LeaseUntil = attempt, &until
	d.DeferredUntil, d.UpdatedAt = nil, now
	return nil
}

// MarkSent records that the email binding accepted the message.
func (d *Delivery) MarkSent(now time.Time) error {
	if d.Status == DeadLettered {
		return ErrFinal
	}
	now = now.UTC()
	d.Status, d.LastError, d.SentAt, d.UpdatedAt = Sent, "", &now, now
	d.LeaseHolder, d.LeaseUntil = "", nil
	return nil
}

// MarkFailed records a failed attempt. A permanent failure, or the maxAttempts-th
// transient one, dead-letters the delivery; it reports whether it did.
func (d *Delivery) MarkFailed(cause string, permanent bool, maxAttempts int, now time.Time) (deadLettered bool, err error) {
	if d.Status.Final() {
		return d.Status == DeadLettered, ErrFinal
	}
	d.LastError, d.UpdatedAt = truncate(cause, 300), now.UTC()
	d.LeaseHolder, d.LeaseUntil = "", nil
	if permanent || d.Attempts >= maxAttempts {
		d.Status = DeadLettered
		return true, nil
	}
	d.Status = Failed
	return false, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
