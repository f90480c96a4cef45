// Package app holds the registration service's commands: register (with idempotency,
// eligibility, seat hold or waitlist), pay, drop, leave a waitlist, and the steps the saga
// and the waitlist promotion run. It declares the ports it needs; adapters provide them.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/registration/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Answer is a stored reply to a registration request (replayed for a repeated key).
type Answer struct {
	Status   int             `json:"status"`
	Body     json.RawMessage `json:"body"`
	Location string          `json:"location,omitempty"`
}

// StoredAnswer is an idempotency record.
type StoredAnswer struct {
	RequestHash string
	Answer      Answer
}

// AcceptTx is the transaction a registration request runs in: the idempotency key, the
// student's registrations and the new rows are all in it.
type AcceptTx interface {
	StoredAnswer(ctx context.Context) (*StoredAnswer, error)
	Eligibility(ctx context.Context, studentID, semester string, sectionIDs []string) (domain.Request, error)
	WaitlistLength(ctx context.Context, sectionID string) (int, error)
	// Insert writes a new registration, its timeline entry and its events; a pending one
	// also gets its saga started by the outbox relay; a waitlisted one gets its position.
	Insert(ctx context.Context, r *domain.Registration, paymentMethod string) error
	StoreAnswer(ctx context.Context, hash string, a Answer) error
}

// TimelineEntry is one step in a registration's history.
type TimelineEntry struct {
	At     time.Time     `json:"at"`
	Status domain.Status `json:"status"`
	Note   string        `json:"note,omitempty"`
}

// Registrations stores registrations, waitlists, idempotency keys and read models.
type Registrations interface {
	// Accept runs fn in one transaction holding the student's key; ErrInProgress when
	// another request holds the same key right now.
	Accept(ctx context.Context, studentID, key string, fn func(AcceptTx) error) error
	Get(ctx context.Context, id string) (domain.Registration, []TimelineEntry, error)
	ListByStudent(ctx context.Context, studentID string) ([]domain.Registration, error)
	// Transition moves a registration to a status (a repeat is a no-op) and records its event.
	Transition(ctx context.Context, id string, to domain.Status, reason string, now time.Time) (domain.Registration, error)
	// OfferNext, under the section's waitlist lock, asks hold to hold a seat for the first
	// waitlisted registration; on success it becomes OFFERED (saga started, positions
	// renumbered). It returns nil when nobody waits or no seat could be held.
	OfferNext(ctx context.Context, sectionID string, hold func(domain.Registration) (time.Time, bool, error), now time.Time) (*domain.Registration, error)
	// WaitlistedSections lists the sections someone waits for.
	WaitlistedSections(ctx context.Context) ([]string, error)
	// LeaveWaitlist drops a student's waitlist entry for a section and renumbers.
	LeaveWaitlist(ctx context.Context, studentID, sectionID string, now time.Time) (domain.Registration, error)
	AddOverride(ctx context.Context, studentID, module, rule, reason, by string, now time.Time) error
	SemesterDeadline(ctx context.Context, semester string) (time.Time, error)
}

// Seats is the schedule service's seat inventory.
type Seats interface {
	Hold(ctx context.Context, sectionID, registrationID string, ttl time.Duration) (expires time.Time, held bool, err error)
	Confirm(ctx context.Context, registrationID string) error
	Release(ctx context.Context, registrationID string) error
	// AddSeat grows a full section by one seat (a registry capacity override), up to its
	// room's capacity.
	AddSeat(ctx context.Context, sectionID string) error
}

// ChargeResult is a payment's outcome.
type ChargeResult struct {
	Status      string `json:"status"` // succeeded or declined
	ChargeID    string `json:"chargeId"`
	DeclineCode string `json:"declineCode"`
	Message     string `json:"message"`
}

// Payments is the payment service.
type Payments interface {
	Charge(ctx context.Context, registrationID, studentID string, fee domain.Money, paymentMethod string) (ChargeResult, error)
	Refund(ctx context.Context, registrationID string, fee domain.Money, reason string) error
}

// Sagas signals running registration sagas.
type Sagas interface {
	ProvidePayment(ctx context.Context, registrationID, paymentMethod string) error
	Cancel(ctx context.Context, registrationID string) error
}

// Config holds the policies of registration.
type Config struct {
	HoldTTL    time.Duration // how long a seat is held for payment
	OfferTTL   time.Duration // how long a waitlist offer may be claimed
	MaxCredits int           // credit load per semester
}

// Service is the registration application service.
type Service struct {
	Store    Registrations
	Seats    Seats
	Payments Payments
	Sagas    Sagas
	Teaching Teaching
	Config   Config
	Log      *slog.Logger
	Now      func() time.Time
}

// Errors the HTTP port maps.
var (
	ErrInProgress = errs.E(errs.Conflict, "a request with this Idempotency-Key is still being processed")
	ErrNotFound   = errs.E(errs.NotFound, "registration not found")
)

// Register is the command behind POST /api/v1/registrations.
type Register struct {
	StudentID     string
	Key           string
	Semester      string
	SectionIDs    []string
	PaymentMethod string
}

// Hash is the request fingerprint an idempotency key is bound to.
func (c Register) Hash() string {
	b, _ := json.Marshal(struct {
		Semester      string   `json:"semester"`
		SectionIDs    []string `json:"sectionIds"`
		PaymentMethod string   `json:"paymentMethod"`
	}{c.Semester, c.SectionIDs, c.PaymentMethod})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// Accepted is the 202 body of a registration request.
type Accepted struct {
	BasketID      string             `json:"basketId"`
	Registrations []RegistrationView `json:"registrations"`
}

// RegistrationView is a registration as the API shows it.
type RegistrationView struct {
	ID             string          `json:"id"`
	BasketID       string          `json:"basketId"`
	SectionID      string          `json:"sectionId"`
	ModuleCode     string          `json:"moduleCode"`
	Semester       string          `json:"semester"`
	Status         domain.Status   `json:"status"`
	Message        string          `json:"message"`
	Reason         string          `json:"reason,omitempty"`
	Fee            domain.Money    `json:"fee"`
	Position       int             `json:"position,omitempty"`
	HoldExpiresAt  *time.Time      `json:"holdExpiresAt,omitempty"`
	OfferExpiresAt *time.Time      `json:"offerExpiresAt,omitempty"`
	SwapFrom       string          `json:"swapFrom,omitempty"`
	Location       string          `json:"location"`
	Timeline       []TimelineEntry `json:"timeline,omitempty"`
}

// View renders a registration with a human message for its status.
func View(r domain.Registration) RegistrationView {
	msg := map[domain.Status]string{
		domain.PendingPayment: "seat held, payment pending",
		domain.Confirmed:      "confirmed",
		domain.Waitlisted:     fmt.Sprintf("waitlisted, position %d", r.Position),
		domain.Offered:        "a seat is offered to you: pay before the offer expires",
		domain.Failed:         "failed: " + r.Reason,
		domain.Dropped:        "dropped",
		domain.Expired:        "expired: " + r.Reason,
	}[r.Status]
	return RegistrationView{ID: r.ID, BasketID: r.BasketID, SectionID: r.SectionID, ModuleCode: r.ModuleCode,
		Semester: r.Semester, Status: r.Status, Message: msg, Reason: r.Reason, Fee: r.Fee, Position: r.Position,
		HoldExpiresAt: r.HoldExpiresAt, OfferExpiresAt: r.OfferExpiresAt, SwapFrom: r.SwapFrom, Location: "/api/v1/registrations/" + r.ID}
}

// NotEligible is the 422 refusal listing every failed rule.
type NotEligible struct{ Violations []domain.Violation }

func (e *NotEligible) Error() string {
	return fmt.Sprintf("not eligible: %d rules failed", len(e.Violations))
}

// Register accepts a registration request: replays a repeated key, refuses an ineligible
// basket with every reason, holds a seat per section (or joins its waitlist) and records
// everything — registrations, key, events, saga starts — in one transaction.
func (s *Service) Register(ctx context.Context, cmd Register) (Answer, error) {
	return s.accept(ctx, cmd.StudentID, cmd.Key, cmd.Hash(), func(tx AcceptTx, held *[]string) (Answer, error) {
		req, err := s.eligible(ctx, tx, cmd.StudentID, cmd.Semester, cmd.SectionIDs, "")
		if err != nil {
			return Answer{}, err
		}
		now := s.Now()
		basket := uuid.NewString()
		out := Accepted{BasketID: basket}
		for _, sec := range req.Sections {
			r := newRegistration(basket, cmd.StudentID, sec, req.Modules[sec.ModuleCode], now)
			over := req.Overridden(sec.ModuleCode, domain.RuleCapacity)
			if _, err := s.holdSeat(ctx, tx, &r, held, over); err != nil {
				return Answer{}, err
			}
			if err := tx.Insert(ctx, &r, cmd.PaymentMethod); err != nil {
				return Answer{}, err
			}
			out.Registrations = append(out.Registrations, View(r))
		}
		body, _ := json.Marshal(out)
		return Answer{Status: 202, Body: body, Location: out.Registrations[0].Location}, nil
	})
}

// accept runs decide under the student's idempotency key: a repeated key replays the
// stored answer (or is refused when the request differs); a new one stores decide's answer
// in the same transaction. Seats decide held are given back if nothing commits.
func (s *Service) accept(ctx context.Context, studentID, key, hash string, decide func(tx AcceptTx, held *[]string) (Answer, error)) (Answer, error) {
	var answer Answer
	var held []string
	err := s.Store.Accept(ctx, studentID, key, func(tx AcceptTx) error {
		held = held[:0] // the store may run fn again
		stored, err := tx.StoredAnswer(ctx)
		if err != nil {
			return err
		}
		if stored != nil {
			if stored.RequestHash != hash {
				return errs.E(errs.Unprocessable, "this Idempotency-Key was used with a different request")
			}
			answer = stored.Answer
			return nil
		}
		if answer, err = decide(tx, &held); err != nil {
			return err
		}
		return tx.StoreAnswer(ctx, hash, answer)
	})
	if err != nil {
		s.releaseAll(ctx, held)
		return Answer{}, err
	}
	return answer, nil
}

// eligible gathers the request's facts and refuses it with every failed rule; except names
// a registration to judge the request without (the one a swap gives up), or is "".
func (s *Service) eligible(ctx context.Context, tx AcceptTx, studentID, semester string, sectionIDs []string, except string) (domain.Request, error) {
	req, err := tx.Eligibility(ctx, studentID, semester, sectionIDs)
	if err != nil {
		return req, err
	}
	if except != "" {
		req = req.Without(except)
	}
	req.Now, req.MaxCredits = s.Now(), s.Config.MaxCredits
	if v := domain.Check(req); len(v) > 0 {
		return req, &NotEligible{Violations: v}
	}
	return req, nil
}

// newRegistration is a waitlisted registration for a section until holdSeat finds a seat.
func newRegistration(basket, studentID string, sec domain.Section, m domain.Module, now time.Time) domain.Registration {
	return domain.Registration{ID: uuid.NewString(), BasketID: basket, StudentID: studentID, SectionID: sec.ID,
		ModuleCode: sec.ModuleCode, Semester: sec.Semester, Fee: m.Fee, Version: 1, CreatedAt: now, UpdatedAt: now,
		Status: domain.Waitlisted}
}

// holdSeat holds a seat of r's section for payment (r becomes PENDING_PAYMENT, its id is
// added to held) and reports whether it did; a full section, or one where somebody already
// waits (a freed seat is theirs, so newcomers queue behind them), leaves r as it was.
//
// With a registry capacity override the student skips the queue: a full section grows by a
// seat for them (up to its room's capacity).
func (s *Service) holdSeat(ctx context.Context, tx AcceptTx, r *domain.Registration, held *[]string, overCapacity bool) (bool, error) {
	waiting, err := tx.WaitlistLength(ctx, r.SectionID)
	if err != nil || (waiting > 0 && !overCapacity) {
		return false, err
	}
	expires, ok, err := s.Seats.Hold(ctx, r.SectionID, r.ID, s.Config.HoldTTL)
	if err == nil && !ok && overCapacity {
		if err = s.Seats.AddSeat(ctx, r.SectionID); err == nil {
			expires, ok, err = s.Seats.Hold(ctx, r.SectionID, r.ID, s.Config.HoldTTL)
		}
	}
	if err != nil {
		return false, fmt.Errorf("hold a seat in %s: %w", r.SectionID, err)
	}
	if ok {
		*held = append(*held, r.ID)
		r.Status, r.HoldExpiresAt = domain.PendingPayment, &expires
	}
	return ok, nil
}

// releaseAll gives back seats held for a request that did not commit (best effort: the
// schedule service would also reclaim them when the holds expire).
func (s *Service) releaseAll(ctx context.Context, regIDs []string) {
	for _, id := range regIDs {
		if err := s.Seats.Release(context.WithoutCancel(ctx), id); err != nil {
			s.Log.Warn("release after a failed request", "registration", id, "err", err)
		}
	}
}

// owned loads a registration of the caller (staff may see any).
func (s *Service) owned(ctx context.Context, id, studentID string, staff bool) (domain.Registration, []TimelineEntry, error) {
	if _, err := uuid.Parse(id); err != nil {
		return domain.Registration{}, nil, errs.InvalidFields("malformed id", errs.FieldError{Field: "id", Message: "must be a UUID"})
	}
	r, tl, err := s.Store.Get(ctx, id)
	if err != nil {
		return r, nil, err
	}
	if !staff && r.StudentID != studentID {
		return domain.Registration{}, nil, ErrNotFound
	}
	return r, tl, nil
}

// Get returns one registration with its timeline.
func (s *Service) Get(ctx context.Context, id, studentID string, staff bool) (RegistrationView, error) {
	r, tl, err := s.owned(ctx, id, studentID, staff)
	if err != nil {
		return RegistrationView{}, err
	}
	v := View(r)
	v.Timeline = tl
	return v, nil
}

// List returns the student's registrations.
func (s *Service) List(ctx context.Context, studentID string) ([]RegistrationView, error) {
	list, err := s.Store.ListByStudent(ctx, studentID)
	if err != nil {
		return nil, err
	}
	out := make([]RegistrationView, 0, len(list))
	for _, r := range list {
		out = append(out, View(r))
	}
	return out, nil
}

// Pay hands a payment method to a registration waiting for payment (held or offered).
func (s *Service) Pay(ctx context.Context, id, studentID, paymentMethod string) (RegistrationView, error) {
	r, _, err := s.owned(ctx, id, studentID, false)
	if err != nil {
		return RegistrationView{}, err
	}
	if r.Status != domain.PendingPayment && r.Status != domain.Offered {
		return RegistrationView{}, errs.E(errs.Conflict, "registration is %s: nothing to pay", r.Status)
	}
	if err := s.Sagas.ProvidePayment(ctx, id, paymentMethod); err != nil {
		return RegistrationView{}, errs.Wrap(errs.Unavailable, err, "payment could not be handed to the registration workflow, try again")
	}
	return View(r), nil
}

// Drop ends a registration: a pending or offered one through its saga (which releases the
// seat), a waitlisted one by leaving the queue, a confirmed one with a refund before the
// add/drop deadline (none after) and its seat released.
func (s *Service) Drop(ctx context.Context, id, studentID string, staff bool) (RegistrationView, error) {
	r, _, err := s.owned(ctx, id, studentID, staff)
	if err != nil {
		return RegistrationView{}, err
	}
	now := s.Now()
	switch r.Status {
	case domain.Dropped, domain.Failed, domain.Expired:
		return View(r), nil
	case domain.PendingPayment, domain.Offered:
		if err := s.Sagas.Cancel(ctx, id); err != nil {
			return RegistrationView{}, errs.Wrap(errs.Unavailable, err, "the drop could not reach the registration workflow, try again")
		}
		return View(r), nil
	case domain.Waitlisted:
		r, err = s.Store.LeaveWaitlist(ctx, r.StudentID, r.SectionID, now)
		return View(r), err
	}
	r, err = s.dropConfirmed(ctx, r, "dropped", now)
	return View(r), err
}

// dropConfirmed ends a confirmed registration: its fee refunded before the add/drop
// deadline (none after), its seat released, then DROPPED with why and the refund rule as
// the reason. Each step is safe to repeat (the payment service refunds once per registration).
func (s *Service) dropConfirmed(ctx context.Context, r domain.Registration, why string, now time.Time) (domain.Registration, error) {
	deadline, err := s.Store.SemesterDeadline(ctx, r.Semester)
	if err != nil {
		return r, err
	}
	reason := why + " after the add/drop deadline: no refund"
	if now.Before(deadline) {
		if err := s.Payments.Refund(ctx, r.ID, r.Fee, why+" before the add/drop deadline"); err != nil {
			return r, fmt.Errorf("refund %s: %w", r.ID, err)
		}
		reason = why + " before the add/drop deadline: fee refunded"
	}
	if err := s.Seats.Release(ctx, r.ID); err != nil {
		return r, fmt.Errorf("release seat of %s: %w", r.ID, err)
	}
	return s.Store.Transition(ctx, r.ID, domain.Dropped, reason, now)
}

// LeaveWaitlist removes the caller from a section's waitlist.
func (s *Service) LeaveWaitlist(ctx context.Context, studentID, sectionID string) error {
	_, err := s.Store.LeaveWaitlist(ctx, studentID, sectionID, s.Now())
	return err
}

// Waitlist returns the caller's waitlisted and offered registrations.
func (s *Service) Waitlist(ctx context.Context, studentID string) ([]RegistrationView, error) {
	all, err := s.List(ctx, studentID)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(all, func(v RegistrationView) bool {
		return v.Status != domain.Waitlisted && v.Status != domain.Offered
	}), nil
}

// OfferFreedSeat offers a seat of the section to the first waitlisted student, if any:
// called when the schedule service announces a released seat.
func (s *Service) OfferFreedSeat(ctx context.Context, sectionID string) (*domain.Registration, error) {
	return s.Store.OfferNext(ctx, sectionID, func(r domain.Registration) (time.Time, bool, error) {
		return s.Seats.Hold(ctx, sectionID, r.ID, s.Config.OfferTTL)
	}, s.Now())
}

// OfferFreedSeats offers every free seat of the section to the waitlist, first in line
// first, and reports how many offers it made.
func (s *Service) OfferFreedSeats(ctx context.Context, sectionID string) (int, error) {
	n := 0
	for {
		offered, err := s.OfferFreedSeat(ctx, sectionID)
		if err != nil || offered == nil {
			return n, err
		}
		n++
	}
}

// PromoteWaitlists is the safety net behind seat.released.v1: every interval it offers any
// free seat of a section with a waitlist (an event lost to a dead-letter queue, or a
// promotion that failed while the seat service was unavailable, leaves none stranded).
func (s *Service) PromoteWaitlists(ctx context.Context, every time.Duration) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
		sections, err := s.Store.WaitlistedSections(ctx)
		if err != nil {
			s.Log.Warn("waitlist sweep failed", "err", err)
			continue
		}
		for _, sec := range sections {
			if n, err := s.OfferFreedSeats(ctx, sec); err != nil {
				s.Log.Warn("waitlist sweep: offer failed", "section", sec, "err", err)
			} else if n > 0 {
				s.Log.Info("waitlist sweep offered freed seats", "section", sec, "offers", n)
			}
		}
	}
}

// GrantOverride records a registry override of one rule for one student and module.
func (s *Service) GrantOverride(ctx context.Context, studentID, module, rule, reason, by string) error {
	if !slices.Contains([]string{domain.RulePrerequisite, domain.RuleCapacity, domain.RuleTimeConflict}, rule) {
		return errs.InvalidFields("unknown rule", errs.FieldError{Field: "rule", Message: "must be prerequisite, capacity or time-conflict"})
	}
	return s.Store.AddOverride(ctx, studentID, module, rule, reason, by, s.Now())
}
