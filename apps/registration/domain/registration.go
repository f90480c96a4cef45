// Package domain holds the registration aggregate, its statuses and the eligibility rules.
// It imports only the standard library.
package domain

import (
	"errors"
	"time"
)

// Status is where a registration stands.
type Status string

// The statuses of a registration.
const (
	PendingPayment Status = "PENDING_PAYMENT" // seat held, payment pending
	Confirmed      Status = "CONFIRMED"
	Waitlisted     Status = "WAITLISTED"
	Offered        Status = "OFFERED" // a freed seat is held for a waitlisted student until a deadline
	Failed         Status = "FAILED"
	Dropped        Status = "DROPPED"
	Expired        Status = "EXPIRED"
)

// Active reports whether a registration still takes (or waits for) a place.
func (s Status) Active() bool {
	return s == PendingPayment || s == Confirmed || s == Waitlisted || s == Offered
}

// Terminal reports whether nothing more happens to the registration.
func (s Status) Terminal() bool { return s == Confirmed || s == Failed || s == Dropped || s == Expired }

// Money is an amount in minor units of a currency.
type Money struct {
	Minor    int64  `json:"amountMinor"`
	Currency string `json:"currency"`
}

// Registration is one student's registration for one section.
type Registration struct {
	ID             string
	BasketID       string
	StudentID      string
	SectionID      string
	ModuleCode     string
	Semester       string
	Status         Status
	Reason         string
	Fee            Money
	HoldExpiresAt  *time.Time
	OfferExpiresAt *time.Time
	Position       int    // waitlist position while WAITLISTED
	SwapFrom       string // the registration this one replaces once CONFIRMED ("" unless a swap)
	Version        int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ErrTransition refuses a status change the lifecycle does not allow.
var ErrTransition = errors.New("registration cannot change that way")

var allowed = map[Status][]Status{
	PendingPayment: {Confirmed, Failed, Expired, Dropped},
	Waitlisted:     {Offered, Dropped},
	Offered:        {PendingPayment, Confirmed, Failed, Expired, Dropped},
	Confirmed:      {Dropped},
}

// MoveTo changes the status, recording why, if the lifecycle allows it. Moving to the
// status it already has is a no-op (activities run at least once).
func (r *Registration) MoveTo(to Status, reason string, now time.Time) (changed bool, err error) {
	if r.Status == to {
		return false, nil
	}
	for _, s := range allowed[r.Status] {
		if s == to {
			r.Status, r.Reason, r.UpdatedAt = to, reason, now.UTC()
			r.Version++
			return true, nil
		}
	}
	return false, errors.Join(ErrTransition, errors.New(string(r.Status)+" → "+string(to)))
}

// Event types and topic of the registration aggregate. Events carry ids and facts.
const (
	TopicRegistrations          = "registrations"
	EventRegistrationRequested  = "registration.requested.v1"
	EventRegistrationConfirmed  = "registration.confirmed.v1"
	EventRegistrationFailed     = "registration.failed.v1"
	EventRegistrationExpired    = "registration.expired.v1"
	EventRegistrationDropped    = "registration.dropped.v1"
	EventRegistrationWaitlisted = "registration.waitlisted.v1"
	EventWaitlistOffered        = "waitlist.offered.v1"
)

// Changed is the data of every registration event.
type Changed struct {
	RegistrationID   string `json:"registrationId"`
	BasketID         string `json:"basketId"`
	StudentID        string `json:"studentId"`
	SectionID        string `json:"sectionId"`
	ModuleCode       string `json:"moduleCode"`
	Semester         string `json:"semester"`
	Status           Status `json:"status"`
	Reason           string `json:"reason,omitempty"`
	FeeMinor         int64  `json:"feeMinor"`
	Currency         string `json:"currency"`
	Position         int    `json:"position,omitempty"`
	AggregateVersion int    `json:"aggregateVersion"`
	OccurredAt       string `json:"occurredAt"`
}

// Changed returns the event data for the registration's current state.
func (r Registration) Changed() Changed {
	return Changed{RegistrationID: r.ID, BasketID: r.BasketID, StudentID: r.StudentID, SectionID: r.SectionID,
		ModuleCode: r.ModuleCode, Semester: r.Semester, Status: r.Status, Reason: r.Reason, FeeMinor: r.Fee.Minor,
		Currency: r.Fee.Currency, Position: r.Position, AggregateVersion: r.Version, OccurredAt: r.UpdatedAt.Format(time.RFC3339Nano)}
}

// EventType names the event that announces the registration's current status.
func (r Registration) EventType() string {
	switch r.Status {
	case Confirmed:
		return EventRegistrationConfirmed
	case Failed:
		return EventRegistrationFailed
	case Expired:
		return EventRegistrationExpired
	case Dropped:
		return EventRegistrationDropped
	case Waitlisted:
		return EventRegistrationWaitlisted
	case Offered:
		return EventWaitlistOffered
	default:
		return EventRegistrationRequested
	}
}
