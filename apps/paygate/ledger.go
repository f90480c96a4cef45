package main

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"
)

// The ledger is in memory on purpose: the simulator is a test double, its log lives exactly
// as long as the process (tests reset it with POST /admin/reset). One mutex guards all of
// it, and every decision that creates a charge or refund is taken while holding it, so
// concurrent requests with one key can never both charge.

// Response is a stored gateway answer, replayed for a repeated Idempotency-Key.
type Response struct {
	Status int
	Body   []byte
}

// testCard is what a test payment-method token does.
type testCard struct {
	declineCode string // empty: the charge succeeds
	message     string
}

// testCards are Stripe's test tokens the simulator knows.
var testCards = map[string]testCard{
	"pm_card_visa":       {},
	"pm_card_mastercard": {},
	"pm_card_amex":       {},
	"pm_card_chargeDeclined": {declineCode: "generic_decline",
		message: "Your card was declined."},
	"pm_card_chargeDeclinedInsufficientFunds": {declineCode: "insufficient_funds",
		message: "Your card has insufficient funds."},
	"pm_card_chargeDeclinedExpiredCard": {declineCode: "expired_card",
		message: "Your card has expired."},
}

// IntentParams are the parameters of POST /v1/payment_intents.
type IntentParams struct {
	Amount        int64
	Currency      string
	PaymentMethod string
	Metadata      map[string]string
}

func (p IntentParams) fingerprint() string {
	keys := make([]string, 0, len(p.Metadata))
	for k := range p.Metadata {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	s := fmt.Sprintf("payment_intents|%d|%s|%s", p.Amount, p.Currency, p.PaymentMethod)
	for _, k := range keys {
		s += "|" + k + "=" + p.Metadata[k]
	}
	return s
}

// RefundParams are the parameters of POST /v1/refunds; Amount 0 refunds what is left.
type RefundParams struct {
	PaymentIntent string
	Amount        int64
}

func (p RefundParams) fingerprint() string {
	return fmt.Sprintf("refunds|%s|%d", p.PaymentIntent, p.Amount)
}

// Intent is one payment intent in the log: succeeded (a charge) or declined.
type Intent struct {
	ID             string            `json:"id"`
	IdempotencyKey string            `json:"idempotencyKey"`
	Amount         int64             `json:"amount"`
	Currency       string            `json:"currency"`
	PaymentMethod  string            `json:"paymentMethod"`
	Status         string            `json:"status"`
	DeclineCode    string            `json:"declineCode,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	Refunded       int64             `json:"amountRefunded"`
	Requests       int               `json:"requests"`
	Created        time.Time         `json:"created"`
}

// Refund is one refund in the log.
type Refund struct {
	ID             string    `json:"id"`
	IdempotencyKey string    `json:"idempotencyKey"`
	PaymentIntent  string    `json:"paymentIntent"`
	Amount         int64     `json:"amount"`
	Currency       string    `json:"currency"`
	Status         string    `json:"status"`
	Requests       int       `json:"requests"`
	Created        time.Time `json:"created"`
}

type idempotent struct {
	fingerprint string
	resp        Response
}

// Ledger is the simulator's whole state.
type Ledger struct {
	mu       sync.Mutex
	intents  []*Intent
	byID     map[string]*Intent
	refunds  []*Refund
	keys     map[string]idempotent
	requests map[string]int // requests per Idempotency-Key, including failed and replayed ones
	total    int
	replays  int
	failures int
	timeouts int
}

// NewLedger returns an empty ledger.
func NewLedger() *Ledger {
	l := &Ledger{}
	l.reset()
	return l
}

func (l *Ledger) reset() {
	l.intents, l.refunds = nil, nil
	l.byID = map[string]*Intent{}
	l.keys = map[string]idempotent{}
	l.requests = map[string]int{}
	l.total, l.replays, l.failures, l.timeouts = 0, 0, 0, 0
}

// Reset forgets every intent, refund, key and counter.
func (l *Ledger) Reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reset()
}

// Arrived counts a request carrying key (empty: no key).
func (l *Ledger) Arrived(key string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.total++
	if key != "" {
		l.requests[key]++
	}
}

// InjectedFailure counts a request answered with an injected 5xx (which charged nothing).
func (l *Ledger) InjectedFailure() { l.mu.Lock(); l.failures++; l.mu.Unlock() }

// InjectedTimeout counts a request that was made to hang.
func (l *Ledger) InjectedTimeout() { l.mu.Lock(); l.timeouts++; l.mu.Unlock() }

// idempotently replays the stored answer for key, refuses a key reused with other
// parameters, or runs do and stores its answer. The caller holds l.mu.
func (l *Ledger) idempotently(key, fingerprint string, do func() Response) Response {
	if key != "" {
		if prev, ok := l.keys[key]; ok {
			if prev.fingerprint != fingerprint {
				return errorResponse(http.StatusBadRequest, stripeError{Type: "idempotency_error",
					Message: "Keys for idempotent requests can only be used with the same parameters they were first used with."})
			}
			l.replays++
			return prev.resp
		}
	}
	resp := do()
	if key != "" {
		l.keys[key] = idempotent{fingerprint: fingerprint, resp: resp}
	}
	return resp
}

// CreateIntent confirms a payment intent: it charges a succeeding test card, records a
// declined one, and refuses unknown tokens.
func (l *Ledger) CreateIntent(key string, p IntentParams, now time.Time) Response {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.idempotently(key, p.fingerprint(), func() Response {
		card, ok := testCards[p.PaymentMethod]
		if !ok {
			return errorResponse(http.StatusBadRequest, stripeError{Type: "invalid_request_error",
				Code: "resource_missing", Param: "payment_method",
				Message: fmt.Sprintf("No such PaymentMethod: '%s'", p.PaymentMethod)})
		}
		in := &Intent{ID: newID("pi_"), IdempotencyKey: key, Amount: p.Amount, Currency: p.Currency,
			PaymentMethod: p.PaymentMethod, Metadata: p.Metadata, Created: now, Status: "succeeded"}
		if card.declineCode != "" {
			in.Status = "requires_payment_method"
			in.DeclineCode = card.declineCode
		}
		l.intents = append(l.intents, in)
		l.byID[in.ID] = in
		if card.declineCode != "" {
			return errorResponse(http.StatusPaymentRequired, stripeError{Type: "card_error", Code: "card_declined",
				DeclineCode: card.declineCode, Message: card.message, PaymentIntent: in.ID})
		}
		return jsonResponse(http.StatusOK, intentBody(in))
	})
}

// CreateRefund refunds (part of) a succeeded payment intent, never more than was charged.
func (l *Ledger) CreateRefund(key string, p RefundParams, now time.Time) Response {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.idempotently(key, p.fingerprint(), func() Response {
		in, ok := l.byID[p.PaymentIntent]
		if !ok {
			return errorResponse(http.StatusBadRequest, stripeError{Type: "invalid_request_error",
				Code: "resource_missing", Param: "payment_intent",
				Message: fmt.Sprintf("No such payment_intent: '%s'", p.PaymentIntent)})
		}
		if in.Status != "succeeded" {
			return errorResponse(http.StatusBadRequest, stripeError{Type: "invalid_request_error",
				Code: "charge_not_captured", Message: "This PaymentIntent has no successful charge to refund."})
		}
		left := in.Amount - in.Refunded
		amount := p.Amount
		if amount == 0 {
			amount = left
		}
		if left == 0 {
			return errorResponse(http.StatusBadRequest, stripeError{Type: "invalid_request_error",
				Code: "charge_already_refunded", Message: "This charge has already been refunded."})
		}
		if amount > left {
			return errorResponse(http.StatusBadRequest, stripeError{Type: "invalid_request_error",
				Code: "amount_too_large", Param: "amount",
				Message: fmt.Sprintf("Refund amount (%d) is greater than the unrefunded amount (%d).", amount, left)})
		}
		in.Refunded += amount
		re := &Refund{ID: newID("re_"), IdempotencyKey: key, PaymentIntent: in.ID, Amount: amount,
			Currency: in.Currency, Status: "succeeded", Created: now}
		l.refunds = append(l.refunds, re)
		return jsonResponse(http.StatusOK, map[string]any{"id": re.ID, "object": "refund", "status": re.Status,
			"amount": re.Amount, "currency": re.Currency, "payment_intent": re.PaymentIntent, "created": now.Unix()})
	})
}

// Log is the body of GET /admin/charges.
type Log struct {
	PaymentIntents []Intent       `json:"paymentIntents"`
	Refunds        []Refund       `json:"refunds"`
	RequestsByKey  map[string]int `json:"requestsByKey"`
}

// Log copies every intent and refund with the number of requests that carried its key.
func (l *Ledger) Log() Log {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := Log{PaymentIntents: make([]Intent, 0, len(l.intents)), Refunds: make([]Refund, 0, len(l.refunds)),
		RequestsByKey: make(map[string]int, len(l.requests))}
	for _, in := range l.intents {
		c := *in
		c.Requests = l.requests[in.IdempotencyKey]
		out.PaymentIntents = append(out.PaymentIntents, c)
	}
	for _, re := range l.refunds {
		c := *re
		c.Requests = l.requests[re.IdempotencyKey]
		out.Refunds = append(out.Refunds, c)
	}
	for k, n := range l.requests {
		out.RequestsByKey[k] = n
	}
	return out
}

// Summary is the body of GET /admin/summary: the money moved and how requests repeated.
type Summary struct {
	Charges          int   `json:"charges"`
	ChargedMinor     int64 `json:"chargedMinor"`
	Declines         int   `json:"declines"`
	Refunds          int   `json:"refunds"`
	RefundedMinor    int64 `json:"refundedMinor"`
	Requests         int   `json:"requests"`
	Keys             int   `json:"keys"`
	DuplicateKeys    int   `json:"duplicateKeys"`     // keys carried by more than one request
	DuplicateRequest int   `json:"duplicateRequests"` // requests beyond the first per key
	Replays          int   `json:"replays"`           // answers served from the idempotency store
	InjectedFailures int   `json:"injectedFailures"`
	InjectedTimeouts int   `json:"injectedTimeouts"`
}

// Summary totals the ledger.
func (l *Ledger) Summary() Summary {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := Summary{Refunds: len(l.refunds), Requests: l.total, Keys: len(l.requests), Replays: l.replays,
		InjectedFailures: l.failures, InjectedTimeouts: l.timeouts}
	for _, in := range l.intents {
		if in.Status == "succeeded" {
			s.Charges++
			s.ChargedMinor += in.Amount
		} else {
			s.Declines++
		}
	}
	for _, re := range l.refunds {
		s.RefundedMinor += re.Amount
	}
	for _, n := range l.requests {
		if n > 1 {
			s.DuplicateKeys++
			s.DuplicateRequest += n - 1
		}
	}
	return s
}

func intentBody(in *Intent) map[string]any {
	return map[string]any{"id": in.ID, "object": "payment_intent", "status": in.Status, "amount": in.Amount,
		"amount_received": in.Amount, "currency": in.Currency, "payment_method": in.PaymentMethod,
		"metadata": in.Metadata, "created": in.Created.Unix()}
}

// stripeError is the "error" object of a Stripe error body.
type stripeError struct {
	Type          string `json:"type"`
	Code          string `json:"code,omitempty"`
	DeclineCode   string `json:"decline_code,omitempty"`
	Param         string `json:"param,omitempty"`
	Message       string `json:"message"`
	PaymentIntent string `json:"payment_intent,omitempty"`
}

func errorResponse(status int, e stripeError) Response {
	return jsonResponse(status, map[string]stripeError{"error": e})
}

func jsonResponse(status int, v any) Response {
	b, _ := json.Marshal(v)
	return Response{Status: status, Body: b}
}

func newID(prefix string) string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}
