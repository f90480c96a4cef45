package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/apps/registration/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// fakeStore is the registration store: only what swaps use; anything else panics.
type fakeStore struct {
	app.Registrations
	tx         *fakeTx
	get        func(id string) (domain.Registration, error)
	deadline   time.Time
	transition func(id string, to domain.Status, reason string) error
}

func (f *fakeStore) Accept(_ context.Context, _, _ string, fn func(app.AcceptTx) error) error {
	return fn(f.tx)
}

func (f *fakeStore) Get(_ context.Context, id string) (domain.Registration, []app.TimelineEntry, error) {
	r, err := f.get(id)
	return r, nil, err
}

func (f *fakeStore) SemesterDeadline(context.Context, string) (time.Time, error) {
	return f.deadline, nil
}

func (f *fakeStore) Transition(_ context.Context, id string, to domain.Status, reason string, _ time.Time) (domain.Registration, error) {
	return domain.Registration{ID: id, Status: to, Reason: reason}, f.transition(id, to, reason)
}

// fakeTx is one accept transaction.
type fakeTx struct {
	stored   *app.StoredAnswer
	request  domain.Request
	waiting  int
	insert   func(r *domain.Registration) error
	inserted []domain.Registration
	answer   *app.Answer
}

func (f *fakeTx) StoredAnswer(context.Context) (*app.StoredAnswer, error) { return f.stored, nil }
func (f *fakeTx) Eligibility(_ context.Context, _, semester string, ids []string) (domain.Request, error) {
	r := f.request
	r.Taking = append([]domain.Taking(nil), r.Taking...)
	return r, nil
}
func (f *fakeTx) WaitlistLength(context.Context, string) (int, error) { return f.waiting, nil }
func (f *fakeTx) Insert(_ context.Context, r *domain.Registration, _ string) error {
	if f.insert != nil {
		if err := f.insert(r); err != nil {
			return err
		}
	}
	f.inserted = append(f.inserted, *r)
	return nil
}
func (f *fakeTx) StoreAnswer(_ context.Context, _ string, a app.Answer) error {
	f.answer = &a
	return nil
}

type fakeSeats struct {
	free           bool
	held, released []string
	holdErr        error
	added          int // seats added by capacity overrides
}

// AddSeat makes the full section have a free seat again.
func (f *fakeSeats) AddSeat(context.Context, string) error {
	f.added++
	f.free = true
	return nil
}

func (f *fakeSeats) Hold(_ context.Context, sectionID, regID string, ttl time.Duration) (time.Time, bool, error) {
	if f.holdErr != nil || !f.free {
		return time.Time{}, false, f.holdErr
	}
	f.held = append(f.held, regID)
	return time.Now().Add(ttl), true, nil
}
func (f *fakeSeats) Confirm(context.Context, string) error { return nil }
func (f *fakeSeats) Release(_ context.Context, regID string) error {
	f.released = append(f.released, regID)
	return nil
}

type fakePayments struct{ refunded []string }

func (f *fakePayments) Charge(context.Context, string, string, domain.Money, string) (app.ChargeResult, error) {
	return app.ChargeResult{}, errors.New("a swap request charges nothing")
}
func (f *fakePayments) Refund(_ context.Context, regID string, _ domain.Money, _ string) error {
	f.refunded = append(f.refunded, regID)
	return nil
}

const (
	studentID = "11111111-1111-1111-1111-111111111111"
	regA      = "aaaaaaaa-aaaa-aaaa-aaaa-aaaaaaaaaaaa"
	secA      = "a0000000-0000-0000-0000-00000000000a"
	secB      = "b0000000-0000-0000-0000-00000000000b"
)

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

// swapWorld is a student confirmed in section A of CS101 who may move to section B of
// CS101, at the same time as A.
func swapWorld() (*app.Service, *fakeStore, *fakeSeats, *fakePayments) {
	fri6 := []domain.Slot{{Day: "FRI", Start: 1080, End: 1130}}
	a := domain.Registration{ID: regA, StudentID: studentID, SectionID: secA, ModuleCode: "CS101", Semester: "2027-SPR",
		Status: domain.Confirmed, Fee: domain.Money{Minor: 90000, Currency: "GBP"}, Version: 2}
	tx := &fakeTx{request: domain.Request{
		Student:  domain.Student{ID: studentID, Programme: "CS", Year: 1, Completed: map[string]string{}},
		Semester: domain.Semester{Code: "2027-SPR", Term: "SPRING", Windows: []domain.Window{{Year: 1, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour)}}},
		Modules:  map[string]domain.Module{"CS101": {Code: "CS101", Credits: 15, Terms: []string{"SPRING"}, Fee: a.Fee}},
		Sections: []domain.Section{{ID: secB, ModuleCode: "CS101", Semester: "2027-SPR", LecturerID: "l", Slots: fri6}},
		Taking:   []domain.Taking{{RegistrationID: regA, Section: domain.Section{ID: secA, ModuleCode: "CS101", Semester: "2027-SPR", Slots: fri6}, Credits: 15}},
	}}
	store := &fakeStore{tx: tx, deadline: now.Add(14 * 24 * time.Hour),
		get: func(id string) (domain.Registration, error) {
			if id == regA {
				return a, nil
			}
			return domain.Registration{}, app.ErrNotFound
		},
		transition: func(string, domain.Status, string) error { return nil }}
	seats, payments := &fakeSeats{free: true}, &fakePayments{}
	svc := &app.Service{Store: store, Seats: seats, Payments: payments, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Now: func() time.Time { return now }, Config: app.Config{HoldTTL: 10 * time.Minute, MaxCredits: 60}}
	return svc, store, seats, payments
}

func TestSwap(t *testing.T) {
	cmd := app.Swap{StudentID: studentID, Key: "key-12345678", RegistrationID: regA, ToSectionID: secB, PaymentMethod: "pm_card_visa"}
	cases := []struct {
		name     string
		cmd      func(*app.Swap)
		world    func(*fakeStore, *fakeSeats)
		kind     errs.Kind
		rule     string // a NotEligible refusal naming this rule
		inserted bool   // B was recorded with the key
		released bool   // a seat held for B was given back
	}{
		{name: "another section of the same module at the same time", inserted: true},
		{name: "replayed key answers without deciding again", world: func(s *fakeStore, _ *fakeSeats) {
			s.tx.stored = &app.StoredAnswer{RequestHash: cmd.Hash(), Answer: app.Answer{Status: 202, Body: []byte(`{}`)}}
			s.get = nil // a replay must not look at A again: A is DROPPED once the swap completed
		}},
		{name: "key reused for another request", cmd: func(c *app.Swap) { c.ToSectionID = secA }, world: func(s *fakeStore, _ *fakeSeats) {
			s.tx.stored = &app.StoredAnswer{RequestHash: cmd.Hash()}
		}, kind: errs.Unprocessable},
		{name: "another student's registration", cmd: func(c *app.Swap) { c.StudentID = "22222222-2222-2222-2222-222222222222" }, kind: errs.NotFound},
		{name: "malformed registration id", cmd: func(c *app.Swap) { c.RegistrationID = "nope" }, kind: errs.Invalid},
		{name: "registration not confirmed", world: func(s *fakeStore, _ *fakeSeats) {
			get := s.get
			s.get = func(id string) (domain.Registration, error) {
				r, err := get(id)
				r.Status = domain.PendingPayment
				return r, err
			}
		}, kind: errs.Conflict},
		{name: "swap to its own section", cmd: func(c *app.Swap) { c.ToSectionID = secA }, kind: errs.Invalid},
		{name: "B clashes with another registration", world: func(s *fakeStore, _ *fakeSeats) {
			s.tx.request.Taking = append(s.tx.request.Taking, domain.Taking{RegistrationID: "other",
				Section: domain.Section{ID: "m", ModuleCode: "MA101", Slots: s.tx.request.Sections[0].Slots}})
		}, rule: domain.RuleTimeConflict},
		{name: "B full: a swap does not waitlist", world: func(_ *fakeStore, seats *fakeSeats) { seats.free = false }, kind: errs.Conflict},
		{name: "somebody waits for B", world: func(s *fakeStore, _ *fakeSeats) { s.tx.waiting = 1 }, kind: errs.Conflict},
		{name: "A already being swapped", world: func(s *fakeStore, _ *fakeSeats) {
			s.tx.insert = func(*domain.Registration) error { return errs.E(errs.Conflict, "already being swapped") }
		}, kind: errs.Conflict, released: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, store, seats, _ := swapWorld()
			if c.world != nil {
				c.world(store, seats)
			}
			in := cmd
			if c.cmd != nil {
				c.cmd(&in)
			}
			ans, err := svc.Swap(context.Background(), in)
			var ne *app.NotEligible
			switch {
			case c.rule != "":
				if !errors.As(err, &ne) || !strings.Contains(ne.Violations[0].Rule, c.rule) {
					t.Fatalf("err %v, want a refusal for %s", err, c.rule)
				}
			case c.kind != errs.Internal:
				if errs.KindOf(err) != c.kind {
					t.Fatalf("err %v, want kind %s", err, c.kind)
				}
			case err != nil:
				t.Fatal(err)
			}
			if got := len(store.tx.inserted) == 1 && store.tx.answer != nil; got != c.inserted {
				t.Fatalf("recorded B: %v, want %v", got, c.inserted)
			}
			if got := len(seats.released) > 0; got != c.released {
				t.Fatalf("released %v, want a release: %v", seats.released, c.released)
			}
			if !c.inserted {
				return
			}
			b := store.tx.inserted[0]
			if b.SwapFrom != regA || b.SectionID != secB || b.Status != domain.PendingPayment || b.HoldExpiresAt == nil || b.ID == regA {
				t.Fatalf("B recorded as %+v", b)
			}
			if len(seats.held) != 1 || seats.held[0] != b.ID {
				t.Fatalf("held %v, want B's seat", seats.held)
			}
			var v app.RegistrationView
			if err := json.Unmarshal(ans.Body, &v); err != nil || ans.Status != 202 || v.ID != b.ID || v.SwapFrom != regA || ans.Location != v.Location {
				t.Fatalf("answer %d %s (%v)", ans.Status, ans.Body, err)
			}
		})
	}
}

func TestCompleteSwap(t *testing.T) {
	cases := []struct {
		name     string
		deadline time.Duration // add/drop deadline relative to now
		status   domain.Status // A's status when B's saga completes the swap
		refund   bool
		dropped  string // A's reason; "" when A is left alone
	}{
		{"before the add/drop deadline", time.Hour, domain.Confirmed, true, "swapped to " + secB + " before the add/drop deadline: fee refunded"},
		{"after the add/drop deadline", -time.Hour, domain.Confirmed, false, "swapped to " + secB + " after the add/drop deadline: no refund"},
		{"A dropped meanwhile, or a repeat", time.Hour, domain.Dropped, false, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			svc, store, seats, payments := swapWorld()
			store.deadline = now.Add(c.deadline)
			get := store.get
			store.get = func(id string) (domain.Registration, error) {
				r, err := get(id)
				r.Status = c.status
				return r, err
			}
			var reason string
			store.transition = func(id string, to domain.Status, why string) error {
				if id != regA || to != domain.Dropped {
					t.Errorf("moved %s to %s", id, to)
				}
				reason = why
				return nil
			}
			if err := svc.CompleteSwap(context.Background(), regA, secB); err != nil {
				t.Fatal(err)
			}
			if reason != c.dropped {
				t.Fatalf("A dropped with %q, want %q", reason, c.dropped)
			}
			if got := len(payments.refunded) == 1 && payments.refunded[0] == regA; got != c.refund {
				t.Fatalf("refunded %v, want a refund of A: %v", payments.refunded, c.refund)
			}
			if got := len(seats.released) == 1 && seats.released[0] == regA; got != (c.dropped != "") {
				t.Fatalf("released %v", seats.released)
			}
		})
	}
}
