package app

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Seats is the seat inventory, one row per seat; PostgreSQL is its truth.
type Seats interface {
	// Hold claims one free seat of the section for the registration until now+ttl and records
	// SeatHeld in the same transaction. A registration that holds (or has confirmed) a seat
	// of this section gets that seat back with Repeat set; one that holds a seat of another
	// section is a Conflict. Full is set when no seat is free.
	Hold(ctx context.Context, sectionID, registrationID string, ttl time.Duration) (HoldOutcome, error)
	// Confirm makes a registration's unexpired hold its own (idempotent once confirmed).
	Confirm(ctx context.Context, registrationID string) (domain.Hold, error)
	// Release frees the registration's seat, held or confirmed, and records SeatReleased.
	// It reports false when the registration held nothing (a repeated release).
	Release(ctx context.Context, registrationID string) (domain.Hold, bool, error)
	// GetHold returns the seat a registration holds or has confirmed.
	GetHold(ctx context.Context, registrationID string) (domain.Hold, error)
	// ReapExpired frees up to limit holds whose time is up, recording SeatReleased (expired)
	// for each, and returns them. Several instances may reap at once without freeing a seat
	// twice.
	ReapExpired(ctx context.Context, limit int) ([]domain.Hold, error)
	// AddSeat grows a section by one free seat, up to its room's capacity (a registry
	// capacity override), and returns the new capacity.
	AddSeat(ctx context.Context, sectionID string) (int, error)
}

// HoldOutcome is what the inventory did with a hold request.
type HoldOutcome struct {
	Hold   domain.Hold
	Repeat bool // the registration held this seat already
	Full   bool // no seat was free
}

// SeatGate is the per-section "full" flag kept outside PostgreSQL so that, once a section is
// full, holds are refused without touching the database. PostgreSQL stays the truth: the gate
// may say "open" when the section is full (one wasted query), and must never keep saying
// "full" once a seat is free again — see the adapter for how that is ensured.
type SeatGate interface {
	// Check reports whether the section is flagged full for this registration — a
	// registration admitted earlier (which may hold a seat) is never refused by the flag —
	// and an epoch token to pass to MarkFull.
	Check(ctx context.Context, sectionID, registrationID string) (GateState, error)
	// Admit records, before the registration touches the inventory, that it may hold a seat
	// of the section, for ttl.
	Admit(ctx context.Context, sectionID, registrationID string, ttl time.Duration) error
	// MarkFull sets the flag only if no seat of the section became free since Check
	// returned epoch. It reports whether the flag was set.
	MarkFull(ctx context.Context, sectionID, epoch string) (bool, error)
	// Reopen clears the flag after a seat of the section became free.
	Reopen(ctx context.Context, sectionID string) error
}

// GateState is what SeatGate.Check found.
type GateState struct {
	Full  bool
	Epoch string
}

// AnsweredBy says which store decided a "full" answer.
type AnsweredBy string

// A "full" answer comes from the gate (no database work) or from PostgreSQL.
const (
	ByGate     AnsweredBy = "gate"
	ByDatabase AnsweredBy = "database"
)

// HoldResult is the answer to a hold request: a held seat, or "full".
type HoldResult struct {
	Full       bool
	AnsweredBy AnsweredBy // when Full
	Hold       domain.Hold
	Repeat     bool
}

// Metrics counts seat inventory outcomes.
type Metrics struct {
	holds  *prometheus.CounterVec
	reaped prometheus.Counter
}

// NewMetrics registers the seat metrics on reg (nil: a private registry).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m := &Metrics{
		holds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "registrar_seat_holds_total",
			Help: "Seat hold requests by outcome: held, repeat, full_gate (refused by the full flag), full_database, error.",
		}, []string{"outcome"}),
		reaped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "registrar_seat_holds_expired_total", Help: "Expired holds whose seats were freed by the reaper.",
		}),
	}
	reg.MustRegister(m.holds, m.reaped)
	return m
}

// HoldSeat is the command to hold a seat for a registration.
type HoldSeat struct {
	SectionID      string
	RegistrationID string
	TTL            time.Duration
}

// MaxHoldTTL bounds how long a seat may be held unpaid: a waitlist offer holds its seat
// for the claim deadline (24 h by default), so two days.
const MaxHoldTTL = 48 * time.Hour

// HoldSeat holds one seat of a section for a registration, or answers "full".
//
// The opening-minute surge is hundreds of holds on one section at once. Three things keep it
// cheap and correct: the gate refuses holds on a section flagged full without touching
// PostgreSQL; the holds that do go to PostgreSQL are limited per instance (holdSlots) and
// look at the gate again once admitted, so a queue that built up before the flag was set is
// answered by the flag rather than by one query each; and the claim itself uses
// FOR UPDATE SKIP LOCKED, so concurrent claims take different seats instead of queueing on
// one row. The gate is only an optimisation: when Redis fails we go to PostgreSQL.
func (s *Service) HoldSeat(ctx context.Context, cmd HoldSeat) (HoldResult, error) {
	res, err := s.holdSeat(ctx, cmd)
	switch {
	case err != nil:
		s.Metrics.holds.WithLabelValues("error").Inc()
	case res.Full && res.AnsweredBy == ByGate:
		s.Metrics.holds.WithLabelValues("full_gate").Inc()
	case res.Full:
		s.Metrics.holds.WithLabelValues("full_database").Inc()
	case res.Repeat:
		s.Metrics.holds.WithLabelValues("repeat").Inc()
	default:
		s.Metrics.holds.WithLabelValues("held").Inc()
	}
	return res, err
}

func (s *Service) holdSeat(ctx context.Context, cmd HoldSeat) (HoldResult, error) {
	if err := invalidID("sectionId", cmd.SectionID); err != nil {
		return HoldResult{}, err
	}
	if err := invalidID("registrationId", cmd.RegistrationID); err != nil {
		return HoldResult{}, err
	}
	if cmd.TTL < time.Second || cmd.TTL > MaxHoldTTL {
		return HoldResult{}, errs.InvalidFields("hold time out of range",
			errs.FieldError{Field: "ttlSeconds", Message: fmt.Sprintf("must be between 1 and %d", int(MaxHoldTTL/time.Second))})
	}
	if st, ok := s.checkGate(ctx, cmd); ok && st.Full {
		return HoldResult{Full: true, AnsweredBy: ByGate}, nil
	}

	select {
	case s.holdSlots <- struct{}{}:
		defer func() { <-s.holdSlots }()
	case <-ctx.Done():
		return HoldResult{}, errs.Wrap(errs.Unavailable, ctx.Err(), "the seat inventory is busy, try again")
	}
	// Look again: while this request waited for a slot, another may have found the section full.
	st, gateOK := s.checkGate(ctx, cmd)
	if gateOK && st.Full {
		return HoldResult{Full: true, AnsweredBy: ByGate}, nil
	}
	if gateOK {
		if err := s.Gate.Admit(ctx, cmd.SectionID, cmd.RegistrationID, cmd.TTL+s.AdmitMargin); err != nil {
			s.Log.WarnContext(ctx, "seat gate admit failed; holding without it", "section", cmd.SectionID, "err", err)
		}
	}

	out, err := s.Seats.Hold(ctx, cmd.SectionID, cmd.RegistrationID, cmd.TTL)
	if err != nil {
		// The transaction may have locked a free seat before it failed; a concurrent hold may
		// have skipped that seat and flagged the section full. Reopen so the seat is not lost.
		s.reopen(ctx, cmd.SectionID)
		return HoldResult{}, fmt.Errorf("hold seat in section %s for %s: %w", cmd.SectionID, cmd.RegistrationID, err)
	}
	if out.Full {
		if gateOK {
			if _, err := s.Gate.MarkFull(ctx, cmd.SectionID, st.Epoch); err != nil {
				s.Log.WarnContext(ctx, "seat gate mark full failed", "section", cmd.SectionID, "err", err)
			}
		}
		return HoldResult{Full: true, AnsweredBy: ByDatabase}, nil
	}
	return HoldResult{Hold: out.Hold, Repeat: out.Repeat}, nil
}

// checkGate asks the gate; ok is false when the gate could not answer (then PostgreSQL decides).
func (s *Service) checkGate(ctx context.Context, cmd HoldSeat) (GateState, bool) {
	st, err := s.Gate.Check(ctx, cmd.SectionID, cmd.RegistrationID)
	if err != nil {
		s.Log.WarnContext(ctx, "seat gate unavailable; asking the database", "section", cmd.SectionID, "err", err)
		return GateState{}, false
	}
	return st, true
}

// reopen clears a section's full flag after a seat became free. A failure leaves the flag to
// its expiry (the adapter's safety net), so it is logged, not returned: the seat is free in
// PostgreSQL, which is what counts.
func (s *Service) reopen(ctx context.Context, sectionID string) {
	if err := s.Gate.Reopen(context.WithoutCancel(ctx), sectionID); err != nil {
		s.Log.WarnContext(ctx, "seat gate reopen failed; the flag expires on its own", "section", sectionID, "err", err)
	}
}

// ConfirmSeat makes a registration's held seat its own.
func (s *Service) ConfirmSeat(ctx context.Context, registrationID string) (domain.Hold, error) {
	if err := invalidID("registrationId", registrationID); err != nil {
		return domain.Hold{}, err
	}
	h, err := s.Seats.Confirm(ctx, registrationID)
	if err != nil {
		return domain.Hold{}, fmt.Errorf("confirm seat of %s: %w", registrationID, err)
	}
	return h, nil
}

// ReleaseSeat frees a registration's seat (saga compensation or drop). Releasing twice is
// harmless: the second time reports released=false.
func (s *Service) ReleaseSeat(ctx context.Context, registrationID string) (domain.Hold, bool, error) {
	if err := invalidID("registrationId", registrationID); err != nil {
		return domain.Hold{}, false, err
	}
	h, released, err := s.Seats.Release(ctx, registrationID)
	if err != nil {
		return domain.Hold{}, false, fmt.Errorf("release seat of %s: %w", registrationID, err)
	}
	if released {
		s.reopen(ctx, h.SectionID)
	}
	return h, released, nil
}

// AddSeat grows a section by one seat for a capacity override and reopens its gate.
func (s *Service) AddSeat(ctx context.Context, sectionID string) (int, error) {
	if err := invalidID("sectionId", sectionID); err != nil {
		return 0, err
	}
	capacity, err := s.Seats.AddSeat(ctx, sectionID)
	if err != nil {
		return 0, fmt.Errorf("add a seat to %s: %w", sectionID, err)
	}
	s.reopen(ctx, sectionID)
	return capacity, nil
}

// GetHold returns the seat a registration holds or has confirmed.
func (s *Service) GetHold(ctx context.Context, registrationID string) (domain.Hold, error) {
	if err := invalidID("registrationId", registrationID); err != nil {
		return domain.Hold{}, err
	}
	h, err := s.Seats.GetHold(ctx, registrationID)
	if err != nil {
		return domain.Hold{}, fmt.Errorf("get hold of %s: %w", registrationID, err)
	}
	return h, nil
}

// ReapExpiredHolds frees every hold whose time is up and reopens their sections. It returns
// how many seats it freed.
func (s *Service) ReapExpiredHolds(ctx context.Context) (int, error) {
	total := 0
	for {
		reaped, err := s.Seats.ReapExpired(ctx, s.ReapBatch)
		if err != nil {
			return total, fmt.Errorf("reap expired holds: %w", err)
		}
		total += len(reaped)
		s.Metrics.reaped.Add(float64(len(reaped)))
		sections := map[string]bool{}
		for _, h := range reaped {
			if !sections[h.SectionID] {
				sections[h.SectionID] = true
				s.reopen(ctx, h.SectionID)
			}
		}
		if len(reaped) < s.ReapBatch {
			return total, nil
		}
	}
}

// RunReaper reclaims expired holds every ReapInterval until ctx ends, whether or not anybody
// ever confirms or releases them.
func (s *Service) RunReaper(ctx context.Context) error {
	every := s.ReapInterval
	if every <= 0 {
		every = time.Second
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		if n, err := s.ReapExpiredHolds(ctx); err != nil && ctx.Err() == nil {
			s.Log.Warn("reaping expired holds failed", "err", err)
		} else if n > 0 {
			s.Log.Info("expired holds reclaimed", "seats", n)
		}
	}
}
