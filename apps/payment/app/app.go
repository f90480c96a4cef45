// Package app charges and refunds registration fees: it records each step in the payment
// store before and after talking to the gateway, so that a repeated or concurrent request
// for one registration never charges twice, and announces every outcome as an event.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/registrar-edu/registrar/apps/payment/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Topic is the pub/sub topic of payment events.
const Topic = "payments"

// ErrConflict is what a Payments store returns when a write lost a race (the record changed
// since it was read); Mutate retries on it.
var ErrConflict = errors.New("payment record changed concurrently")

// ErrTransient marks gateway trouble worth retrying: a 5xx, a timeout, an unreachable
// binding. The charge may or may not have happened; the same idempotency key finds out.
var ErrTransient = errors.New("payment gateway unavailable")

// Payments stores payment records by registration id.
type Payments interface {
	// Get returns the record, or nil if there is none.
	Get(ctx context.Context, registrationID string) (*domain.Payment, error)
	// Mutate reads the record (nil if none), passes a copy to change and writes what change
	// returns, but only if the record is unchanged since the read (ETag, or first-write for a
	// new record); on a lost race it reads again and re-runs change. change returning nil
	// writes nothing. Mutate returns the record as stored afterwards.
	Mutate(ctx context.Context, registrationID string, change func(*domain.Payment) (*domain.Payment, error)) (*domain.Payment, error)
}

// GatewayCharge is one charge request to the gateway.
type GatewayCharge struct {
	IdempotencyKey string
	RegistrationID string
	AmountMinor    int64
	Currency       string
	PaymentMethod  string
}

// ChargeOutcome is the gateway's answer to a charge: succeeded, or declined with a code.
type ChargeOutcome struct {
	Succeeded   bool
	ChargeID    string
	DeclineCode string
	Message     string
}

// GatewayRefund is one refund request to the gateway.
type GatewayRefund struct {
	IdempotencyKey string
	ChargeID       string
	AmountMinor    int64
}

// Gateway is the payment gateway. Errors wrapping ErrTransient may be retried with the
// same idempotency key; other errors are the gateway refusing the request for good.
type Gateway interface {
	Charge(ctx context.Context, c GatewayCharge) (ChargeOutcome, error)
	Refund(ctx context.Context, r GatewayRefund) (refundID string, err error)
}

// Publisher publishes an event with a given CloudEvent id and type.
type Publisher interface {
	Publish(ctx context.Context, topic, id, eventType string, data []byte) error
}

// Service is the payment application.
type Service struct {
	Payments  Payments
	Gateway   Gateway
	Publisher Publisher
	Log       *slog.Logger
	// Lease is how long one attempt may talk to the gateway before another caller may try
	// again; it must exceed the gateway timeout.
	Lease   time.Duration
	Now     func() time.Time
	NewID   func() string
	Metrics *Metrics
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// ChargeKey and RefundKey are the gateway idempotency keys of a registration: one charge
// and one refund per registration, whatever re-runs.
func ChargeKey(registrationID string) string { return "charge:" + registrationID }

// RefundKey is the gateway idempotency key of a registration's refund.
func RefundKey(registrationID string) string { return "refund:" + registrationID }

// ChargeFee charges a registration's fee once. A recorded outcome is returned without
// calling the gateway; otherwise this call takes the attempt lease and calls the gateway
// with the registration's idempotency key. Transient gateway trouble is errs.Unavailable:
// the caller retries, and the retry reuses the key, so the gateway never charges twice.
func (s *Service) ChargeFee(ctx context.Context, c domain.Charge) (*domain.Payment, error) {
	if err := c.Validate(); err != nil {
		return nil, errs.Wrap(errs.Invalid, err, err.Error())
	}
	attempt := s.NewID()
	claimed := false
	p, err := s.Payments.Mutate(ctx, c.RegistrationID, func(cur *domain.Payment) (*domain.Payment, error) {
		now := s.now()
		claimed = false
		if cur == nil {
			p, err := domain.NewPayment(c, now)
			if err != nil {
				return nil, errs.Wrap(errs.Invalid, err, err.Error())
			}
			p.TakeLease(attempt, now, s.Lease)
			claimed = true
			return &p, nil
		}
		switch {
		case !cur.Matches(c):
			return nil, errs.E(errs.Conflict, "registration %s already has a payment with other details", c.RegistrationID)
		case cur.Decided():
			return nil, nil
		case cur.HoldsLease(now, attempt): // our own write, seen again after a lost reply
			claimed = true
			return nil, nil
		case cur.Leased(now, attempt):
			return nil, nil
		}
		cur.TakeLease(attempt, now, s.Lease)
		claimed = true
		return cur, nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	if p.Decided() {
		return s.settle(ctx, p)
	}
	if !claimed {
		s.Metrics.gateway("charge", "lease-busy")
		return nil, errs.E(errs.Unavailable, "a charge for registration %s is in progress; retry shortly", c.RegistrationID)
	}

	out, gerr := s.Gateway.Charge(ctx, GatewayCharge{IdempotencyKey: ChargeKey(p.RegistrationID),
		RegistrationID: p.RegistrationID, AmountMinor: p.AmountMinor, Currency: p.Currency, PaymentMethod: p.PaymentMethod})
	if gerr != nil {
		return nil, s.gatewayFailed(ctx, "charge", p.RegistrationID, attempt, gerr)
	}
	s.Metrics.gateway("charge", map[bool]string{true: "succeeded", false: "declined"}[out.Succeeded])
	p, err = s.Payments.Mutate(ctx, c.RegistrationID, func(cur *domain.Payment) (*domain.Payment, error) {
		if cur == nil {
			return nil, fmt.Errorf("payment %s vanished during its charge", c.RegistrationID)
		}
		if cur.Decided() {
			return nil, nil
		}
		now := s.now()
		var err error
		if out.Succeeded {
			err = cur.Succeed(out.ChargeID, now)
		} else {
			err = cur.Decline(out.ChargeID, out.DeclineCode, out.Message, now)
		}
		return cur, err
	})
	if err != nil {
		return nil, storeError(err)
	}
	s.Log.InfoContext(ctx, "charge decided", "registration_id", p.RegistrationID, "status", p.Status,
		"charge_id", p.ChargeID, "decline_code", p.DeclineCode, "attempts", p.Attempts)
	return s.settle(ctx, p)
}

// RefundFee refunds a registration's charged fee once. Refunding what was never charged is
// a conflict; a repeated refund returns the recorded one.
func (s *Service) RefundFee(ctx context.Context, registrationID string, amountMinor int64, currency, reason string) (*domain.Payment, error) {
	attempt := s.NewID()
	claimed := false
	p, err := s.Payments.Mutate(ctx, registrationID, func(cur *domain.Payment) (*domain.Payment, error) {
		now := s.now()
		claimed = false
		switch {
		case cur == nil || !cur.Charged():
			return nil, errs.E(errs.Conflict, "nothing was charged for registration %s", registrationID)
		case cur.Status == domain.Refunded:
			if cur.RefundedMinor != amountMinor || cur.Currency != currency {
				return nil, errs.E(errs.Conflict, "registration %s was already refunded %d %s", registrationID, cur.RefundedMinor, cur.Currency)
			}
			return nil, nil
		}
		if err := cur.RequestRefund(amountMinor, currency, reason, now); err != nil {
			if cur.Refund != nil {
				return nil, errs.Wrap(errs.Conflict, err, err.Error())
			}
			return nil, errs.Wrap(errs.Invalid, err, err.Error())
		}
		switch {
		case cur.HoldsLease(now, attempt):
			claimed = true
			return nil, nil
		case cur.Leased(now, attempt):
			return cur, nil // the request is pinned; the lease holder makes it
		}
		cur.TakeLease(attempt, now, s.Lease)
		claimed = true
		return cur, nil
	})
	if err != nil {
		return nil, storeError(err)
	}
	if p.Status == domain.Refunded {
		return s.settle(ctx, p)
	}
	if !claimed {
		s.Metrics.gateway("refund", "lease-busy")
		return nil, errs.E(errs.Unavailable, "a refund for registration %s is in progress; retry shortly", registrationID)
	}
	refundID, gerr := s.Gateway.Refund(ctx, GatewayRefund{IdempotencyKey: RefundKey(registrationID),
		ChargeID: p.ChargeID, AmountMinor: p.Refund.AmountMinor})
	if gerr != nil {
		return nil, s.gatewayFailed(ctx, "refund", registrationID, attempt, gerr)
	}
	s.Metrics.gateway("refund", "succeeded")
	p, err = s.Payments.Mutate(ctx, registrationID, func(cur *domain.Payment) (*domain.Payment, error) {
		if cur == nil {
			return nil, fmt.Errorf("payment %s vanished during its refund", registrationID)
		}
		if cur.Status == domain.Refunded {
			return nil, nil
		}
		return cur, cur.Refunded(refundID, s.now())
	})
	if err != nil {
		return nil, storeError(err)
	}
	s.Log.InfoContext(ctx, "refund recorded", "registration_id", registrationID, "refund_id", p.RefundID,
		"amount_minor", p.RefundedMinor)
	return s.settle(ctx, p)
}

// Payment returns the record of a registration's payment.
func (s *Service) Payment(ctx context.Context, registrationID string) (*domain.Payment, error) {
	p, err := s.Payments.Get(ctx, registrationID)
	if err != nil {
		return nil, storeError(err)
	}
	if p == nil {
		return nil, errs.E(errs.NotFound, "no payment for registration %s", registrationID)
	}
	return p, nil
}

// gatewayFailed releases the attempt's lease so that the caller's retry can go straight
// back to the gateway, and classifies the failure.
func (s *Service) gatewayFailed(ctx context.Context, op, registrationID, attempt string, gerr error) error {
	_, rerr := s.Payments.Mutate(context.WithoutCancel(ctx), registrationID, func(cur *domain.Payment) (*domain.Payment, error) {
		if cur == nil || !cur.ReleaseLease(attempt, s.now()) {
			return nil, nil
		}
		return cur, nil
	})
	if rerr != nil {
		s.Log.WarnContext(ctx, "attempt lease not released; it expires by itself", "registration_id", registrationID, "err", rerr)
	}
	if errors.Is(gerr, ErrTransient) {
		s.Metrics.gateway(op, "transient")
		return errs.Wrap(errs.Unavailable, gerr, "the payment gateway is unavailable; retry")
	}
	s.Metrics.gateway(op, "refused")
	return fmt.Errorf("%s %s refused by the gateway: %w", op, registrationID, gerr)
}

// settle publishes the outcome events not yet published and records that they were. An
// event the broker did not take makes the call fail as unavailable, so the caller retries
// and the retry publishes again (with the same CloudEvent id).
func (s *Service) settle(ctx context.Context, p *domain.Payment) (*domain.Payment, error) {
	for _, e := range p.Unpublished() {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return nil, err
		}
		if err := s.Publisher.Publish(ctx, Topic, e.ID, e.Type, data); err != nil {
			return nil, errs.Wrap(errs.Unavailable, err, "the payment outcome is recorded but its event was not published; retry")
		}
		s.Metrics.published(e.Type)
		typ := e.Type
		np, err := s.Payments.Mutate(ctx, p.RegistrationID, func(cur *domain.Payment) (*domain.Payment, error) {
			if !cur.MarkPublished(typ, s.now()) {
				return nil, nil
			}
			return cur, nil
		})
		if err != nil {
			// Published but not marked: a later call publishes it again under the same id.
			s.Log.WarnContext(ctx, "event published but not marked", "event_id", e.ID, "err", err)
			continue
		}
		p = np
	}
	return p, nil
}

func storeError(err error) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Wrap(errs.Unavailable, err, "the payment store is unavailable; retry")
}
