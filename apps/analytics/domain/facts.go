// Package domain reads the facts analytics counts out of the events it consumes: section
// capacities, registration states with their versions, payment outcomes.
package domain

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// The event types analytics counts; every other event is only recorded as processed.
const (
	SectionCreated         = "section.created.v1"
	RegistrationRequested  = "registration.requested.v1"
	RegistrationConfirmed  = "registration.confirmed.v1"
	RegistrationWaitlisted = "registration.waitlisted.v1"
	RegistrationFailed     = "registration.failed.v1"
	RegistrationExpired    = "registration.expired.v1"
	RegistrationDropped    = "registration.dropped.v1"
	WaitlistOffered        = "waitlist.offered.v1"
	PaymentConfirmed       = "payment.confirmed.v1"
	PaymentFailed          = "payment.failed.v1"
)

// Registration statuses that count as waiting for a seat.
var Waiting = []string{"WAITLISTED", "OFFERED"}

// ErrMalformed marks an event whose data lacks what its type promises: poison.
var ErrMalformed = errors.New("malformed event data")

// Section is a section's capacity, from section.created.v1.
type Section struct {
	SectionID        string `json:"sectionId"`
	ModuleCode       string `json:"moduleCode"`
	Semester         string `json:"semester"`
	Capacity         int    `json:"capacity"`
	AggregateVersion int64  `json:"aggregateVersion"`
}

// RegistrationFact is one state of a registration, from any registration event.
type RegistrationFact struct {
	Type             string    `json:"-"`
	RegistrationID   string    `json:"registrationId"`
	SectionID        string    `json:"sectionId"`
	ModuleCode       string    `json:"moduleCode"`
	Semester         string    `json:"semester"`
	Status           string    `json:"status"`
	AggregateVersion int64     `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// PaymentOutcome is a charge's result, from payment.confirmed.v1 or payment.failed.v1.
type PaymentOutcome struct {
	Type             string    `json:"-"`
	RegistrationID   string    `json:"registrationId"`
	AggregateVersion int64     `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// Failed reports whether the outcome is a failed payment.
func (p PaymentOutcome) Failed() bool { return p.Type == PaymentFailed }

// Fact is what one event means to analytics: exactly one field is set, or none for events
// analytics does not count.
type Fact struct {
	Section      *Section
	Registration *RegistrationFact
	Payment      *PaymentOutcome
}

// Parse reads the fact of an event of type typ.
func Parse(typ string, data []byte) (Fact, error) {
	bad := func(err error) (Fact, error) { return Fact{}, fmt.Errorf("%s: %w: %v", typ, ErrMalformed, err) }
	switch typ {
	case SectionCreated:
		var s Section
		if err := json.Unmarshal(data, &s); err != nil {
			return bad(err)
		}
		if s.SectionID == "" || s.Capacity < 0 {
			return bad(errors.New("no section id or a negative capacity"))
		}
		return Fact{Section: &s}, nil
	case RegistrationRequested, RegistrationConfirmed, RegistrationWaitlisted, RegistrationFailed,
		RegistrationExpired, RegistrationDropped, WaitlistOffered:
		r := RegistrationFact{Type: typ}
		if err := json.Unmarshal(data, &r); err != nil {
			return bad(err)
		}
		if r.RegistrationID == "" || r.SectionID == "" || r.Status == "" || r.OccurredAt.IsZero() {
			return bad(errors.New("registration id, section id, status and occurredAt are required"))
		}
		return Fact{Registration: &r}, nil
	case PaymentConfirmed, PaymentFailed:
		p := PaymentOutcome{Type: typ}
		if err := json.Unmarshal(data, &p); err != nil {
			return bad(err)
		}
		if p.RegistrationID == "" || p.OccurredAt.IsZero() {
			return bad(errors.New("registration id and occurredAt are required"))
		}
		return Fact{Payment: &p}, nil
	}
	return Fact{}, nil
}

// Ratio is part/whole, or 0 when there is no whole.
func Ratio(part, whole int64) float64 {
	if whole <= 0 {
		return 0
	}
	return float64(part) / float64(whole)
}
