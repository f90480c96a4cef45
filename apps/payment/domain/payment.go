// Package domain holds the payment of one registration's fee: its charge at the gateway,
// the outcome, an optional refund, and the events each outcome announces. Money is always
// integer minor units plus an ISO 4217 currency code.
package domain

import (
	"errors"
	"fmt"
	"regexp"
	"time"
)

// Status is where a payment stands.
type Status string

// The statuses of a payment. Pending means a charge was asked for and its outcome is not
// known yet (the gateway may or may not have charged: a retry with the same idempotency key
// finds out). Succeeded, Declined and Refunded are outcomes and never change back.
const (
	Pending   Status = "pending"
	Succeeded Status = "succeeded"
	Declined  Status = "declined"
	Refunded  Status = "refunded"
)

// Event types the payment app publishes on topic "payments".
const (
	TypeConfirmed = "payment.confirmed.v1"
	TypeFailed    = "payment.failed.v1"
	TypeRefunded  = "payment.refunded.v1"
)

// ErrInvalid marks a refused constructor or transition argument.
var ErrInvalid = errors.New("invalid payment")

var (
	currencyRE      = regexp.MustCompile(`^[A-Z]{3}$`)
	paymentMethodRE = regexp.MustCompile(`^pm_[A-Za-z0-9_]{1,64}$`)
)

// RefundRequest is a refund asked for and not yet confirmed by the gateway.
type RefundRequest struct {
	AmountMinor int64     `json:"amountMinor"`
	Reason      string    `json:"reason"`
	RequestedAt time.Time `json:"requestedAt"`
}

// Payment is the fee payment of one registration; the registration id is its identity, so
// there is at most one charge per registration.
type Payment struct {
	RegistrationID string `json:"registrationId"`
	StudentID      string `json:"studentId"`
	AmountMinor    int64  `json:"amountMinor"`
	Currency       string `json:"currency"`
	// PaymentMethod is the gateway's token ("pm_card_visa"), never card data.
	PaymentMethod string `json:"paymentMethod"`
	Status        Status `json:"status"`

	ChargeID       string    `json:"chargeId,omitempty"`
	DeclineCode    string    `json:"declineCode,omitempty"`
	Message        string    `json:"message,omitempty"`
	DecidedAt      time.Time `json:"decidedAt,omitzero"`
	DecidedVersion int64     `json:"decidedVersion,omitempty"`

	Refund          *RefundRequest `json:"refund,omitempty"`
	RefundID        string         `json:"refundId,omitempty"`
	RefundedMinor   int64          `json:"refundedMinor,omitempty"`
	RefundedAt      time.Time      `json:"refundedAt,omitzero"`
	RefundedVersion int64          `json:"refundedVersion,omitempty"`

	// Attempt lease: while LeaseUntil is ahead, the attempt LeaseID is talking to the
	// gateway and other callers wait instead of calling it too.
	LeaseID    string    `json:"leaseId,omitempty"`
	LeaseUntil time.Time `json:"leaseUntil,omitzero"`
	Attempts   int       `json:"attempts"`

	// Published lists the event types already handed to the broker.
	Published []string  `json:"published,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// Charge is what a charge request asks for.
type Charge struct {
	RegistrationID string
	StudentID      string
	AmountMinor    int64
	Currency       string
	PaymentMethod  string
}

// Validate refuses a charge that could never be made.
func (c Charge) Validate() error {
	switch {
	case c.RegistrationID == "" || c.StudentID == "":
		return fmt.Errorf("%w: registration and student are required", ErrInvalid)
	case c.AmountMinor <= 0:
		return fmt.Errorf("%w: amount must be positive", ErrInvalid)
	case !currencyRE.MatchString(c.Currency):
		return fmt.Errorf("%w: currency must be an upper-case ISO 4217 code", ErrInvalid)
	case !paymentMethodRE.MatchString(c.PaymentMethod):
		return fmt.Errorf("%w: payment method must be a gateway token (pm_…)", ErrInvalid)
	}
	return nil
}

// NewPayment starts a pending payment for c at version 1.
func NewPayment(c Charge, now time.Time) (Payment, error) {
	if err := c.Validate(); err != nil {
		return Payment{}, err
	}
	return Payment{RegistrationID: c.RegistrationID, StudentID: c.StudentID, AmountMinor: c.AmountMinor,
		Currency: c.Currency, PaymentMethod: c.PaymentMethod, Status: Pending, Version: 1,
		CreatedAt: now, UpdatedAt: now}, nil
}

// Matches reports whether c asks for the charge p records (same student and money). The
// payment method may differ once an outcome is known: the outcome stands.
func (p *Payment) Matches(c Charge) bool {
	if p.StudentID != c.StudentID || p.AmountMinor != c.AmountMinor || p.Currency != c.Currency {
		return false
	}
	return p.Decided() || p.PaymentMethod == c.PaymentMethod
}

// Decided reports whether the charge has an outcome.
func (p *Payment) Decided() bool { return p.Status != Pending }

// Charged reports whether money was taken (whether or not it was refunded since).
func (p *Payment) Charged() bool { return p.Status == Succeeded || p.Status == Refunded }

// Leased reports whether an attempt other than attemptID holds the lease at now.
func (p *Payment) Leased(now time.Time, attemptID string) bool {
	return p.LeaseID != "" && p.LeaseID != attemptID && now.Before(p.LeaseUntil)
}

// HoldsLease reports whether attemptID holds a live lease.
func (p *Payment) HoldsLease(now time.Time, attemptID string) bool {
	return p.LeaseID == attemptID && now.Before(p.LeaseUntil)
}

// TakeLease gives attemptID the right to call the gateway until now+d.
func (p *Payment) TakeLease(attemptID string, now time.Time, d time.Duration) {
	p.LeaseID, p.LeaseUntil = attemptID, now.Add(d)
	p.Attempts++
	p.touch(now)
}

// ReleaseLease ends attemptID's lease early (its call failed); it reports whether it held it.
func (p *Payment) ReleaseLease(attemptID string, now time.Time) bool {
	if p.LeaseID != attemptID {
		return false
	}
	p.LeaseID, p.LeaseUntil = "", time.Time{}
	p.touch(now)
	return true
}

func (p *Payment) touch(now time.Time) {
	p.Version++
	p.UpdatedAt = now
}

// Succeed records the gateway's charge. Only a pending payment can succeed.
func (p *Payment) Succeed(chargeID string, now time.Time) error {
	if p.Status != Pending || chargeID == "" {
		return fmt.Errorf("%w: cannot record a charge on a %s payment", ErrInvalid, p.Status)
	}
	p.Status, p.ChargeID, p.DecidedAt = Succeeded, chargeID, now
	p.LeaseID, p.LeaseUntil = "", time.Time{}
	p.touch(now)
	p.DecidedVersion = p.Version
	return nil
}

// Decline records the gateway's refusal. Only a pending payment can be declined.
func (p *Payment) Decline(chargeID, code, message string, now time.Time) error {
	if p.Status != Pending || code == "" {
		return fmt.Errorf("%w: cannot record a decline on a %s payment", ErrInvalid, p.Status)
	}
	p.Status, p.ChargeID, p.DeclineCode, p.Message, p.DecidedAt = Declined, chargeID, code, message, now
	p.LeaseID, p.LeaseUntil = "", time.Time{}
	p.touch(now)
	p.DecidedVersion = p.Version
	return nil
}

// RequestRefund pins the refund to make: at most what was charged, in the charge's currency,
// and once per payment.
func (p *Payment) RequestRefund(amountMinor int64, currency, reason string, now time.Time) error {
	switch {
	case !p.Charged():
		return fmt.Errorf("%w: nothing was charged", ErrInvalid)
	case amountMinor <= 0 || amountMinor > p.AmountMinor:
		return fmt.Errorf("%w: refund must be between 1 and the %d charged", ErrInvalid, p.AmountMinor)
	case currency != p.Currency:
		return fmt.Errorf("%w: refund currency must be the charge's, %s", ErrInvalid, p.Currency)
	case p.Refund != nil && p.Refund.AmountMinor != amountMinor:
		return fmt.Errorf("%w: a refund of %d was already asked for", ErrInvalid, p.Refund.AmountMinor)
	}
	if p.Refund == nil {
		p.Refund = &RefundRequest{AmountMinor: amountMinor, Reason: reason, RequestedAt: now}
		p.touch(now)
	}
	return nil
}

// Refunded records the gateway's refund of the requested amount.
func (p *Payment) Refunded(refundID string, now time.Time) error {
	if p.Status != Succeeded || p.Refund == nil || refundID == "" {
		return fmt.Errorf("%w: cannot record a refund on a %s payment", ErrInvalid, p.Status)
	}
	p.Status, p.RefundID, p.RefundedMinor, p.RefundedAt = Refunded, refundID, p.Refund.AmountMinor, now
	p.LeaseID, p.LeaseUntil = "", time.Time{}
	p.touch(now)
	p.RefundedVersion = p.Version
	return nil
}

// Event is an event to publish: its deterministic id, its type and its data.
type Event struct {
	ID   string
	Type string
	Data EventData
}

// EventData is the CloudEvent data of every payment event: ids and money, no card data and
// no personal data.
type EventData struct {
	RegistrationID   string    `json:"registrationId"`
	StudentID        string    `json:"studentId"`
	AmountMinor      int64     `json:"amountMinor"`
	Currency         string    `json:"currency"`
	ChargeID         string    `json:"chargeId,omitempty"`
	RefundID         string    `json:"refundId,omitempty"`
	DeclineCode      string    `json:"declineCode,omitempty"`
	AggregateVersion int64     `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// Events are the events the payment's outcomes announce, oldest first, built only from
// recorded facts so that a republished event is identical to the first.
func (p *Payment) Events() []Event {
	var out []Event
	base := EventData{RegistrationID: p.RegistrationID, StudentID: p.StudentID, Currency: p.Currency}
	mk := func(typ string, d EventData) Event {
		return Event{ID: p.RegistrationID + ":" + typ, Type: typ, Data: d}
	}
	switch p.Status {
	case Succeeded, Refunded:
		d := base
		d.AmountMinor, d.ChargeID, d.AggregateVersion, d.OccurredAt = p.AmountMinor, p.ChargeID, p.DecidedVersion, p.DecidedAt
		out = append(out, mk(TypeConfirmed, d))
	case Declined:
		d := base
		d.AmountMinor, d.ChargeID, d.DeclineCode = p.AmountMinor, p.ChargeID, p.DeclineCode
		d.AggregateVersion, d.OccurredAt = p.DecidedVersion, p.DecidedAt
		out = append(out, mk(TypeFailed, d))
	}
	if p.Status == Refunded {
		d := base
		d.AmountMinor, d.ChargeID, d.RefundID = p.RefundedMinor, p.ChargeID, p.RefundID
		d.AggregateVersion, d.OccurredAt = p.RefundedVersion, p.RefundedAt
		out = append(out, mk(TypeRefunded, d))
	}
	return out
}

// Unpublished are the events not yet handed to the broker.
func (p *Payment) Unpublished() []Event {
	var out []Event
	for _, e := range p.Events() {
		if !p.published(e.Type) {
			out = append(out, e)
		}
	}
	return out
}

func (p *Payment) published(typ string) bool {
	for _, t := range p.Published {
		if t == typ {
			return true
		}
	}
	return false
}

// MarkPublished records that typ reached the broker; it reports whether that is news.
func (p *Payment) MarkPublished(typ string, now time.Time) bool {
	if p.published(typ) {
		return false
	}
	p.Published = append(p.Published, typ)
	p.touch(now)
	return true
}
