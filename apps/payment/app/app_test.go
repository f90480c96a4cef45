package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/payment/app"
	"github.com/registrar-edu/registrar/apps/payment/domain"
	"github.com/registrar-edu/registrar/contracts"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// fakePayments is an in-memory store with the real store's contract: a write succeeds only
// if the record is unchanged since it was read.
type fakePayments struct {
	mu      sync.Mutex
	recs    map[string][]byte
	version map[string]int
	// beforeWrite runs between the read and the write of each Mutate attempt.
	beforeWrite func()
}

func newFakePayments() *fakePayments {
	return &fakePayments{recs: map[string][]byte{}, version: map[string]int{}}
}

func (f *fakePayments) read(id string) (*domain.Payment, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.recs[id]
	if !ok {
		return nil, 0
	}
	var p domain.Payment
	_ = json.Unmarshal(b, &p)
	return &p, f.version[id]
}

func (f *fakePayments) Get(_ context.Context, id string) (*domain.Payment, error) {
	p, _ := f.read(id)
	return p, nil
}

func (f *fakePayments) Mutate(_ context.Context, id string, change func(*domain.Payment) (*domain.Payment, error)) (*domain.Payment, error) {
	for range 100 {
		cur, v := f.read(id)
		var in *domain.Payment
		if cur != nil {
			cp, _ := f.read(id) // an independent copy
			in = cp
		}
		next, err := change(in)
		if err != nil || next == nil {
			return cur, err
		}
		if f.beforeWrite != nil {
			f.beforeWrite()
		}
		b, _ := json.Marshal(next)
		f.mu.Lock()
		if f.version[id] == v {
			f.recs[id] = b
			f.version[id] = v + 1
			f.mu.Unlock()
			return next, nil
		}
		f.mu.Unlock()
	}
	return nil, app.ErrConflict
}

// fakeGateway dedupes on the idempotency key like the real gateway, and lets a test decide
// each call's answer.
type fakeGateway struct {
	mu       sync.Mutex
	calls    []app.GatewayCharge
	refunds  []app.GatewayRefund
	charged  map[string]app.ChargeOutcome // by idempotency key: what took effect
	answer   func(n int, c app.GatewayCharge) (app.ChargeOutcome, error)
	refund   func(n int, r app.GatewayRefund) (string, error)
	inFlight atomic.Int32
	maxPar   atomic.Int32
	delay    time.Duration
}

func (g *fakeGateway) Charge(_ context.Context, c app.GatewayCharge) (app.ChargeOutcome, error) {
	if n := g.inFlight.Add(1); n > g.maxPar.Load() {
		g.maxPar.Store(n)
	}
	defer g.inFlight.Add(-1)
	time.Sleep(g.delay)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.calls = append(g.calls, c)
	if prev, ok := g.charged[c.IdempotencyKey]; ok {
		return prev, nil
	}
	out, err := app.ChargeOutcome{Succeeded: true, ChargeID: "pi_" + c.RegistrationID}, error(nil)
	if g.answer != nil {
		out, err = g.answer(len(g.calls), c)
	}
	if err == nil {
		if g.charged == nil {
			g.charged = map[string]app.ChargeOutcome{}
		}
		g.charged[c.IdempotencyKey] = out
	}
	return out, err
}

func (g *fakeGateway) Refund(_ context.Context, r app.GatewayRefund) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.refunds = append(g.refunds, r)
	if g.refund != nil {
		return g.refund(len(g.refunds), r)
	}
	return "re_" + r.ChargeID, nil
}

func (g *fakeGateway) charges() (calls, effective int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, o := range g.charged {
		if o.Succeeded {
			effective++
		}
	}
	return len(g.calls), effective
}

type published struct{ topic, id, typ string }

type fakePublisher struct {
	mu     sync.Mutex
	events []published
	data   []domain.EventData
	fail   func(n int) error
	tries  int
}

func (p *fakePublisher) Publish(_ context.Context, topic, id, typ string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tries++
	if p.fail != nil {
		if err := p.fail(p.tries); err != nil {
			return err
		}
	}
	// Every event the app publishes must keep its published contract.
	if err := contracts.Validate(typ, data); err != nil {
		return fmt.Errorf("contract: %w", err)
	}
	var d domain.EventData
	_ = json.Unmarshal(data, &d)
	p.events = append(p.events, published{topic, id, typ})
	p.data = append(p.data, d)
	return nil
}

func (p *fakePublisher) types() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, e := range p.events {
		out = append(out, e.typ)
	}
	return out
}

const (
	regID     = "7d0b1f8e-3f56-4b1a-9d8e-0a2c3b4d5e6f"
	studentID = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
)

func charge() domain.Charge {
	return domain.Charge{RegistrationID: regID, StudentID: studentID, AmountMinor: 125000, Currency: "GBP",
		PaymentMethod: "pm_card_visa"}
}

type fixture struct {
	svc   *app.Service
	store *fakePayments
	gw    *fakeGateway
	pub   *fakePublisher
	clock *time.Time
}

func newFixture() *fixture {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	f := &fixture{store: newFakePayments(), gw: &fakeGateway{}, pub: &fakePublisher{}, clock: &now}
	var ids atomic.Int64
	var clockMu sync.Mutex
	f.svc = &app.Service{Payments: f.store, Gateway: f.gw, Publisher: f.pub, Log: slog.New(slog.DiscardHandler),
		Lease: 10 * time.Second,
		Now: func() time.Time {
			clockMu.Lock()
			defer clockMu.Unlock()
			return *f.clock
		},
		NewID: func() string { return fmt.Sprint("attempt-", ids.Add(1)) }}
	return f
}

func kindOf(err error) string {
	if err == nil {
		return "ok"
	}
	return errs.KindOf(err).String()
}

func TestChargeOutcomes(t *testing.T) {
	transient := fmt.Errorf("%w: 503", app.ErrTransient)
	tests := []struct {
		name       string
		answer     func(int, app.GatewayCharge) (app.ChargeOutcome, error)
		wantKind   string
		wantStatus domain.Status
		wantEvents []string
	}{
		{"succeeded", nil, "ok", domain.Succeeded, []string{domain.TypeConfirmed}},
		{"declined", func(int, app.GatewayCharge) (app.ChargeOutcome, error) {
			return app.ChargeOutcome{ChargeID: "pi_x", DeclineCode: "insufficient_funds", Message: "no"}, nil
		}, "ok", domain.Declined, []string{domain.TypeFailed}},
		{"transient", func(int, app.GatewayCharge) (app.ChargeOutcome, error) { return app.ChargeOutcome{}, transient },
			"unavailable", domain.Pending, nil},
		{"refused", func(int, app.GatewayCharge) (app.ChargeOutcome, error) {
			return app.ChargeOutcome{}, errors.New("gateway answered 400 idempotency_error")
		}, "internal", domain.Pending, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture()
			f.gw.answer = tt.answer
			p, err := f.svc.ChargeFee(context.Background(), charge())
			if kindOf(err) != tt.wantKind {
				t.Fatalf("err %v, want %s", err, tt.wantKind)
			}
			stored, _ := f.store.Get(context.Background(), regID)
			if stored == nil || stored.Status != tt.wantStatus {
				t.Fatalf("stored %+v, want %s", stored, tt.wantStatus)
			}
			if err == nil && p.Status != tt.wantStatus {
				t.Fatalf("returned %s", p.Status)
			}
			if fmt.Sprint(f.pub.types()) != fmt.Sprint(tt.wantEvents) {
				t.Fatalf("events %v, want %v", f.pub.types(), tt.wantEvents)
			}
			for _, e := range f.pub.events {
				if e.topic != app.Topic || e.id != regID+":"+e.typ {
					t.Fatalf("event %+v", e)
				}
			}
			if tt.wantStatus == domain.Pending && stored.LeaseID != "" {
				t.Fatalf("failed attempt kept its lease: %+v", stored)
			}
			if c := f.gw.calls[0]; c.IdempotencyKey != "charge:"+regID || c.AmountMinor != 125000 || c.Currency != "GBP" {
				t.Fatalf("gateway call %+v", c)
			}
		})
	}
}

func TestRecordedOutcomeIsReturnedWithoutCallingTheGateway(t *testing.T) {
	for _, decline := range []bool{false, true} {
		f := newFixture()
		f.gw.answer = func(int, app.GatewayCharge) (app.ChargeOutcome, error) {
			if decline {
				return app.ChargeOutcome{DeclineCode: "generic_decline"}, nil
			}
			return app.ChargeOutcome{Succeeded: true, ChargeID: "pi_1"}, nil
		}
		first, err := f.svc.ChargeFee(context.Background(), charge())
		if err != nil {
			t.Fatal(err)
		}
		// A later call, even with another payment method, gets the recorded outcome.
		c := charge()
		c.PaymentMethod = "pm_card_mastercard"
		again, err := f.svc.ChargeFee(context.Background(), c)
		if err != nil {
			t.Fatal(err)
		}
		if calls, _ := f.gw.charges(); calls != 1 || again.Status != first.Status || again.ChargeID != first.ChargeID {
			t.Fatalf("decline=%v: %d gateway calls, %+v then %+v", decline, calls, first, again)
		}
		if len(f.pub.events) != 1 {
			t.Fatalf("events %v", f.pub.types())
		}
	}
}

func TestTransientFailureThenSuccessReusesTheKey(t *testing.T) {
	f := newFixture()
	f.gw.answer = func(n int, c app.GatewayCharge) (app.ChargeOutcome, error) {
		if n <= 2 {
			return app.ChargeOutcome{}, fmt.Errorf("%w: timeout", app.ErrTransient)
		}
		return app.ChargeOutcome{Succeeded: true, ChargeID: "pi_1"}, nil
	}
	for i := 0; i < 2; i++ {
		if _, err := f.svc.ChargeFee(context.Background(), charge()); errs.KindOf(err) != errs.Unavailable {
			t.Fatalf("attempt %d: %v", i, err)
		}
	}
	p, err := f.svc.ChargeFee(context.Background(), charge())
	if err != nil || p.Status != domain.Succeeded || p.Attempts != 3 {
		t.Fatalf("third attempt: %+v %v", p, err)
	}
	for _, c := range f.gw.calls {
		if c.IdempotencyKey != "charge:"+regID {
			t.Fatalf("key %q", c.IdempotencyKey)
		}
	}
	if _, effective := f.gw.charges(); effective != 1 {
		t.Fatalf("%d effective charges", effective)
	}
}

func TestOtherDetailsForTheSameRegistrationConflict(t *testing.T) {
	tests := []struct {
		name   string
		change func(*domain.Charge)
	}{
		{"amount", func(c *domain.Charge) { c.AmountMinor++ }},
		{"currency", func(c *domain.Charge) { c.Currency = "EUR" }},
		{"student", func(c *domain.Charge) { c.StudentID = "2c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f" }},
	}
	for _, tt := range tests {
		f := newFixture()
		if _, err := f.svc.ChargeFee(context.Background(), charge()); err != nil {
			t.Fatal(err)
		}
		c := charge()
		tt.change(&c)
		if _, err := f.svc.ChargeFee(context.Background(), c); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	// While the outcome is unknown, another payment method conflicts too: the first may
	// have charged.
	f := newFixture()
	f.gw.answer = func(int, app.GatewayCharge) (app.ChargeOutcome, error) {
		return app.ChargeOutcome{}, app.ErrTransient
	}
	_, _ = f.svc.ChargeFee(context.Background(), charge())
	c := charge()
	c.PaymentMethod = "pm_card_amex"
	if _, err := f.svc.ChargeFee(context.Background(), c); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("other method while pending: %v", err)
	}
}

func TestInvalidChargesAreRefused(t *testing.T) {
	for _, c := range []domain.Charge{
		{RegistrationID: regID, StudentID: studentID, AmountMinor: 0, Currency: "GBP", PaymentMethod: "pm_card_visa"},
		{RegistrationID: regID, StudentID: studentID, AmountMinor: 5, Currency: "gbp", PaymentMethod: "pm_card_visa"},
		{RegistrationID: regID, StudentID: studentID, AmountMinor: 5, Currency: "GBP", PaymentMethod: "4242424242424242"},
	} {
		f := newFixture()
		if _, err := f.svc.ChargeFee(context.Background(), c); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("%+v: %v", c, err)
		}
		if len(f.gw.calls) != 0 {
			t.Fatal("the gateway was called")
		}
	}
}

// TestConcurrentChargesMakeOneCharge: 25 callers charge one registration at once, each
// retrying on "unavailable" as the saga's activity would. One gateway call, one charge.
func TestConcurrentChargesMakeOneCharge(t *testing.T) {
	f := newFixture()
	f.gw.delay = 20 * time.Millisecond
	var wg sync.WaitGroup
	results := make(chan *domain.Payment, 25)
	for range 25 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				p, err := f.svc.ChargeFee(context.Background(), charge())
				if errs.KindOf(err) == errs.Unavailable {
					time.Sleep(5 * time.Millisecond)
					continue
				}
				if err != nil {
					t.Error(err)
					return
				}
				results <- p
				return
			}
		}()
	}
	wg.Wait()
	close(results)
	for p := range results {
		if p.Status != domain.Succeeded || p.ChargeID != "pi_"+regID {
			t.Fatalf("result %+v", p)
		}
	}
	calls, effective := f.gw.charges()
	if calls != 1 || effective != 1 || f.gw.maxPar.Load() != 1 {
		t.Fatalf("%d gateway calls, %d charges, %d at once; want 1, 1, 1", calls, effective, f.gw.maxPar.Load())
	}
	if fmt.Sprint(f.pub.types()) != fmt.Sprint([]string{domain.TypeConfirmed}) {
		t.Fatalf("events %v", f.pub.types())
	}
}

// TestExpiredLeaseLetsARetryThrough: a caller that died holding the lease blocks others only
// until the lease expires; the retry reuses the idempotency key.
func TestExpiredLeaseLetsARetryThrough(t *testing.T) {
	f := newFixture()
	p, _ := domain.NewPayment(charge(), *f.clock)
	p.TakeLease("crashed", *f.clock, 10*time.Second)
	if _, err := f.store.Mutate(context.Background(), regID, func(*domain.Payment) (*domain.Payment, error) { return &p, nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.ChargeFee(context.Background(), charge()); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("within the lease: %v", err)
	}
	*f.clock = f.clock.Add(11 * time.Second)
	got, err := f.svc.ChargeFee(context.Background(), charge())
	if err != nil || got.Status != domain.Succeeded || len(f.gw.calls) != 1 {
		t.Fatalf("after the lease: %+v %v, %d calls", got, err, len(f.gw.calls))
	}
}

// TestLostRaceReReads: another writer changes the record between read and write; Mutate
// re-runs and the outcome is the same.
func TestLostRaceReReads(t *testing.T) {
	f := newFixture()
	raced := false
	f.store.beforeWrite = func() {
		f.store.mu.Lock()
		defer f.store.mu.Unlock()
		if !raced && f.store.version[regID] > 0 {
			raced = true
			f.store.version[regID]++ // as if another instance had written in between
		}
	}
	p, err := f.svc.ChargeFee(context.Background(), charge())
	if err != nil || p.Status != domain.Succeeded || len(f.gw.calls) != 1 || !raced {
		t.Fatalf("%+v %v (raced %v)", p, err, raced)
	}
}

func TestPublishFailureIsRetriedWithTheSameID(t *testing.T) {
	f := newFixture()
	f.pub.fail = func(n int) error {
		if n == 1 {
			return errors.New("broker down")
		}
		return nil
	}
	if _, err := f.svc.ChargeFee(context.Background(), charge()); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("first: %v", err)
	}
	p, err := f.svc.ChargeFee(context.Background(), charge())
	if err != nil || p.Status != domain.Succeeded {
		t.Fatalf("retry: %+v %v", p, err)
	}
	if len(f.gw.calls) != 1 || len(f.pub.events) != 1 || f.pub.events[0].id != regID+":"+domain.TypeConfirmed {
		t.Fatalf("%d gateway calls, events %+v", len(f.gw.calls), f.pub.events)
	}
	if d := f.pub.data[0]; d.AmountMinor != 125000 || d.Currency != "GBP" || d.ChargeID != "pi_"+regID ||
		d.StudentID != studentID || d.AggregateVersion < 2 || d.OccurredAt.IsZero() {
		t.Fatalf("event data %+v", d)
	}
	// A third call publishes nothing more.
	if _, err := f.svc.ChargeFee(context.Background(), charge()); err != nil || len(f.pub.events) != 1 {
		t.Fatalf("third: %v, %d events", err, len(f.pub.events))
	}
}

func TestRefunds(t *testing.T) {
	ctx := context.Background()
	t.Run("nothing charged", func(t *testing.T) {
		f := newFixture()
		if _, err := f.svc.RefundFee(ctx, regID, 100, "GBP", "dropped"); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("no payment: %v", err)
		}
		f.gw.answer = func(int, app.GatewayCharge) (app.ChargeOutcome, error) {
			return app.ChargeOutcome{DeclineCode: "generic_decline"}, nil
		}
		_, _ = f.svc.ChargeFee(ctx, charge())
		if _, err := f.svc.RefundFee(ctx, regID, 100, "GBP", "dropped"); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("declined: %v", err)
		}
		if len(f.gw.refunds) != 0 {
			t.Fatal("the gateway was asked to refund")
		}
	})
	t.Run("once", func(t *testing.T) {
		f := newFixture()
		_, _ = f.svc.ChargeFee(ctx, charge())
		if _, err := f.svc.RefundFee(ctx, regID, 125001, "GBP", "dropped"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("more than charged: %v", err)
		}
		if _, err := f.svc.RefundFee(ctx, regID, 100, "EUR", "dropped"); errs.KindOf(err) != errs.Invalid {
			t.Fatalf("other currency: %v", err)
		}
		f.gw.refund = func(n int, r app.GatewayRefund) (string, error) {
			if n == 1 {
				return "", fmt.Errorf("%w: 503", app.ErrTransient)
			}
			return "re_1", nil
		}
		if _, err := f.svc.RefundFee(ctx, regID, 125000, "GBP", "dropped"); errs.KindOf(err) != errs.Unavailable {
			t.Fatalf("transient: %v", err)
		}
		p, err := f.svc.RefundFee(ctx, regID, 125000, "GBP", "dropped")
		if err != nil || p.Status != domain.Refunded || p.RefundID != "re_1" || p.RefundedMinor != 125000 {
			t.Fatalf("refund: %+v %v", p, err)
		}
		again, err := f.svc.RefundFee(ctx, regID, 125000, "GBP", "dropped")
		if err != nil || again.RefundID != "re_1" || len(f.gw.refunds) != 2 {
			t.Fatalf("again: %+v %v, %d gateway refunds", again, err, len(f.gw.refunds))
		}
		for _, r := range f.gw.refunds {
			if r.IdempotencyKey != "refund:"+regID || r.ChargeID != "pi_"+regID || r.AmountMinor != 125000 {
				t.Fatalf("refund call %+v", r)
			}
		}
		if _, err := f.svc.RefundFee(ctx, regID, 500, "GBP", "dropped"); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("another amount after the refund: %v", err)
		}
		if fmt.Sprint(f.pub.types()) != fmt.Sprint([]string{domain.TypeConfirmed, domain.TypeRefunded}) {
			t.Fatalf("events %v", f.pub.types())
		}
		// The charge's outcome stands after the refund, without a gateway call.
		if p, err := f.svc.ChargeFee(ctx, charge()); err != nil || p.ChargeID != "pi_"+regID || len(f.gw.calls) != 1 {
			t.Fatalf("charge after refund: %+v %v", p, err)
		}
	})
}
