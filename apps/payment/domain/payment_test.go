package domain

import (
	"errors"
	"testing"
	"time"
)

var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

func validCharge() Charge {
	return Charge{RegistrationID: "r1", StudentID: "s1", AmountMinor: 1000, Currency: "GBP", PaymentMethod: "pm_card_visa"}
}

func TestChargeValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Charge)
		ok     bool
	}{
		{"valid", func(*Charge) {}, true},
		{"zero amount", func(c *Charge) { c.AmountMinor = 0 }, false},
		{"negative amount", func(c *Charge) { c.AmountMinor = -1 }, false},
		{"lower-case currency", func(c *Charge) { c.Currency = "gbp" }, false},
		{"card number", func(c *Charge) { c.PaymentMethod = "4242424242424242" }, false},
		{"no registration", func(c *Charge) { c.RegistrationID = "" }, false},
	}
	for _, tt := range tests {
		c := validCharge()
		tt.change(&c)
		if err := c.Validate(); (err == nil) != tt.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("%s: %v", tt.name, err)
		}
	}
}

func TestTransitions(t *testing.T) {
	p, err := NewPayment(validCharge(), t0)
	if err != nil || p.Status != Pending || p.Version != 1 {
		t.Fatalf("%+v %v", p, err)
	}
	if err := p.RequestRefund(1000, "GBP", "x", t0); err == nil {
		t.Fatal("refund before a charge")
	}
	if err := p.Succeed("pi_1", t0); err != nil {
		t.Fatal(err)
	}
	if err := p.Decline("pi_1", "generic_decline", "", t0); err == nil {
		t.Fatal("decline after success")
	}
	if err := p.Succeed("pi_2", t0); err == nil {
		t.Fatal("second success")
	}
	for _, tt := range []struct {
		amount   int64
		currency string
	}{{1001, "GBP"}, {0, "GBP"}, {10, "EUR"}} {
		if err := p.RequestRefund(tt.amount, tt.currency, "x", t0); err == nil {
			t.Fatalf("refund %d %s accepted", tt.amount, tt.currency)
		}
	}
	if err := p.RequestRefund(600, "GBP", "dropped", t0); err != nil {
		t.Fatal(err)
	}
	if err := p.RequestRefund(700, "GBP", "dropped", t0); err == nil {
		t.Fatal("a second, different refund")
	}
	if err := p.Refunded("re_1", t0); err != nil || p.RefundedMinor != 600 || p.Status != Refunded {
		t.Fatalf("%+v %v", p, err)
	}
	ev := p.Events()
	if len(ev) != 2 || ev[0].Type != TypeConfirmed || ev[1].Type != TypeRefunded || ev[0].ID != "r1:"+TypeConfirmed ||
		ev[1].Data.AmountMinor != 600 || ev[0].Data.AggregateVersion >= ev[1].Data.AggregateVersion {
		t.Fatalf("events %+v", ev)
	}
}

func TestLease(t *testing.T) {
	p, _ := NewPayment(validCharge(), t0)
	p.TakeLease("a", t0, 10*time.Second)
	tests := []struct {
		at      time.Time
		attempt string
		leased  bool
		holds   bool
	}{
		{t0.Add(time.Second), "b", true, false},
		{t0.Add(time.Second), "a", false, true},
		{t0.Add(11 * time.Second), "b", false, false},
		{t0.Add(11 * time.Second), "a", false, false},
	}
	for _, tt := range tests {
		if p.Leased(tt.at, tt.attempt) != tt.leased || p.HoldsLease(tt.at, tt.attempt) != tt.holds {
			t.Errorf("%+v", tt)
		}
	}
	if p.ReleaseLease("b", t0) || !p.ReleaseLease("a", t0) || p.Leased(t0, "b") {
		t.Fatal("release")
	}
}

func TestUnpublished(t *testing.T) {
	p, _ := NewPayment(validCharge(), t0)
	if len(p.Unpublished()) != 0 {
		t.Fatal("pending payments announce nothing")
	}
	_ = p.Decline("pi_1", "expired_card", "Your card has expired.", t0)
	u := p.Unpublished()
	if len(u) != 1 || u[0].Type != TypeFailed || u[0].Data.DeclineCode != "expired_card" {
		t.Fatalf("%+v", u)
	}
	if !p.MarkPublished(TypeFailed, t0) || p.MarkPublished(TypeFailed, t0) || len(p.Unpublished()) != 0 {
		t.Fatal("mark published")
	}
}
