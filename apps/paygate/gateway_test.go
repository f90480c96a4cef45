package main

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// newTestGateway returns the simulator's full router (the one run serves) with the given
// faults and a roll tests control.
func newTestGateway(t *testing.T, faults FaultConfig, roll func() float64) (http.Handler, *Gateway) {
	t.Helper()
	f, err := NewFaults(faults)
	if err != nil {
		t.Fatal(err)
	}
	if roll == nil {
		roll = func() float64 { return 0.999 }
	}
	srv := server.New(config.Base{AppID: "paygate"}, io.Discard)
	gw := &Gateway{Ledger: NewLedger(), Faults: f, Roll: roll, MaxHang: 50 * time.Millisecond,
		Log: slog.New(slog.DiscardHandler)}
	routes(srv, gw)
	return srv.Router, gw
}

type result struct {
	status int
	body   map[string]any
}

func (r result) errField(name string) string {
	e, _ := r.body["error"].(map[string]any)
	s, _ := e[name].(string)
	return s
}

func post(t *testing.T, h http.Handler, path, key string, form url.Values) result {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	return do(t, h, req)
}

func postJSON(t *testing.T, h http.Handler, path, key, body string) result {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", key)
	return do(t, h, req)
}

func do(t *testing.T, h http.Handler, req *http.Request) result {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var body map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Fatalf("%s %s: body %q is not JSON", req.Method, req.URL.Path, rec.Body.String())
		}
	}
	return result{status: rec.Code, body: body}
}

func intent(amount int64, pm, reg string) url.Values {
	return url.Values{"amount": {fmt.Sprint(amount)}, "currency": {"gbp"}, "payment_method": {pm},
		"confirm": {"true"}, "metadata[registration_id]": {reg}}
}

func summary(t *testing.T, h http.Handler) Summary {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/summary", nil))
	var s Summary
	if err := json.Unmarshal(rec.Body.Bytes(), &s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPaymentIntentCards(t *testing.T) {
	tests := []struct {
		pm          string
		status      int
		declineCode string
		errType     string
	}{
		{"pm_card_visa", 200, "", ""},
		{"pm_card_mastercard", 200, "", ""},
		{"pm_card_amex", 200, "", ""},
		{"pm_card_chargeDeclined", 402, "generic_decline", "card_error"},
		{"pm_card_chargeDeclinedInsufficientFunds", 402, "insufficient_funds", "card_error"},
		{"pm_card_chargeDeclinedExpiredCard", 402, "expired_card", "card_error"},
		{"pm_card_unknown", 400, "", "invalid_request_error"},
	}
	for _, tt := range tests {
		t.Run(tt.pm, func(t *testing.T) {
			h, _ := newTestGateway(t, FaultConfig{}, nil)
			r := post(t, h, "/v1/payment_intents", "charge:"+tt.pm, intent(4200, tt.pm, "reg-1"))
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %v", r.status, tt.status, r.body)
			}
			charged := tt.status == 200
			if charged {
				id, _ := r.body["id"].(string)
				if !strings.HasPrefix(id, "pi_") || r.body["status"] != "succeeded" || r.body["amount"] != 4200.0 ||
					r.body["currency"] != "gbp" || r.body["object"] != "payment_intent" {
					t.Fatalf("body %v", r.body)
				}
				if md, _ := r.body["metadata"].(map[string]any); md["registration_id"] != "reg-1" {
					t.Fatalf("metadata %v", r.body["metadata"])
				}
			} else {
				if r.errField("type") != tt.errType || r.errField("decline_code") != tt.declineCode {
					t.Fatalf("error %v", r.body)
				}
				if tt.status == 402 && r.errField("code") != "card_declined" {
					t.Fatalf("code %q", r.errField("code"))
				}
			}
			s := summary(t, h)
			if want := map[bool]int{true: 1}[charged]; s.Charges != want || s.ChargedMinor != int64(want)*4200 {
				t.Fatalf("summary %+v, want %d charges", s, want)
			}
		})
	}
}

func TestIdempotencyReplaysAndRefusesOtherParameters(t *testing.T) {
	h, _ := newTestGateway(t, FaultConfig{}, nil)
	first := post(t, h, "/v1/payment_intents", "charge:r1", intent(1000, "pm_card_visa", "r1"))
	again := post(t, h, "/v1/payment_intents", "charge:r1", intent(1000, "pm_card_visa", "r1"))
	if first.status != 200 || again.status != 200 || first.body["id"] != again.body["id"] {
		t.Fatalf("replay: %v then %v", first.body, again.body)
	}
	// The same parameters as JSON are the same request.
	asJSON := postJSON(t, h, "/v1/payment_intents", "charge:r1",
		`{"amount":1000,"currency":"GBP","payment_method":"pm_card_visa","confirm":true,"metadata":{"registration_id":"r1"}}`)
	if asJSON.status != 200 || asJSON.body["id"] != first.body["id"] {
		t.Fatalf("JSON replay: %d %v", asJSON.status, asJSON.body)
	}
	other := post(t, h, "/v1/payment_intents", "charge:r1", intent(2000, "pm_card_visa", "r1"))
	if other.status != 400 || other.errField("type") != "idempotency_error" {
		t.Fatalf("other parameters: %d %v", other.status, other.body)
	}
	// A replayed decline stays a decline and charges nothing.
	d1 := post(t, h, "/v1/payment_intents", "charge:r2", intent(1000, "pm_card_chargeDeclined", "r2"))
	d2 := post(t, h, "/v1/payment_intents", "charge:r2", intent(1000, "pm_card_chargeDeclined", "r2"))
	if d1.status != 402 || d2.status != 402 {
		t.Fatalf("declines: %d %d", d1.status, d2.status)
	}
	s := summary(t, h)
	if s.Charges != 1 || s.ChargedMinor != 1000 || s.Declines != 1 || s.Replays != 3 ||
		s.DuplicateKeys != 2 || s.DuplicateRequest != 4 || s.Requests != 6 {
		t.Fatalf("summary %+v", s)
	}
}

func TestRefunds(t *testing.T) {
	h, _ := newTestGateway(t, FaultConfig{}, nil)
	pi := post(t, h, "/v1/payment_intents", "charge:r1", intent(5000, "pm_card_visa", "r1")).body["id"].(string)
	declined := post(t, h, "/v1/payment_intents", "charge:r2", intent(5000, "pm_card_chargeDeclined", "r2")).errField("payment_intent")

	tests := []struct {
		name   string
		key    string
		form   url.Values
		status int
		code   string
	}{
		{"more than charged", "refund:a", url.Values{"payment_intent": {pi}, "amount": {"5001"}}, 400, "amount_too_large"},
		{"unknown intent", "refund:b", url.Values{"payment_intent": {"pi_nope"}, "amount": {"1"}}, 400, "resource_missing"},
		{"declined intent", "refund:c", url.Values{"payment_intent": {declined}, "amount": {"1"}}, 400, "charge_not_captured"},
		{"part", "refund:r1", url.Values{"payment_intent": {pi}, "amount": {"3000"}}, 200, ""},
		{"part again, same key", "refund:r1", url.Values{"payment_intent": {pi}, "amount": {"3000"}}, 200, ""},
		{"same key, other amount", "refund:r1", url.Values{"payment_intent": {pi}, "amount": {"100"}}, 400, ""},
		{"rest exceeded", "refund:r1b", url.Values{"payment_intent": {pi}, "amount": {"2001"}}, 400, "amount_too_large"},
		{"rest", "refund:r1c", url.Values{"payment_intent": {pi}}, 200, ""},
		{"nothing left", "refund:r1d", url.Values{"payment_intent": {pi}}, 400, "charge_already_refunded"},
	}
	for _, tt := range tests {
		r := post(t, h, "/v1/refunds", tt.key, tt.form)
		if r.status != tt.status || r.errField("code") != tt.code {
			t.Fatalf("%s: %d %v, want %d %q", tt.name, r.status, r.body, tt.status, tt.code)
		}
		if r.status == 200 && (!strings.HasPrefix(r.body["id"].(string), "re_") || r.body["status"] != "succeeded") {
			t.Fatalf("%s: %v", tt.name, r.body)
		}
	}
	s := summary(t, h)
	if s.Refunds != 2 || s.RefundedMinor != 5000 || s.ChargedMinor != 5000 {
		t.Fatalf("summary %+v", s)
	}
}

func TestInvalidRequests(t *testing.T) {
	h, _ := newTestGateway(t, FaultConfig{}, nil)
	bad := []url.Values{
		{"currency": {"gbp"}, "payment_method": {"pm_card_visa"}, "confirm": {"true"}},
		{"amount": {"-5"}, "currency": {"gbp"}, "payment_method": {"pm_card_visa"}, "confirm": {"true"}},
		{"amount": {"5"}, "currency": {"gbp"}, "payment_method": {"pm_card_visa"}},
		{"amount": {"5"}, "currency": {"gbp"}, "payment_method": {"pm_card_visa"}, "confirm": {"true"}, "card_number": {"4242"}},
	}
	for i, f := range bad {
		if r := post(t, h, "/v1/payment_intents", fmt.Sprint("k", i), f); r.status != 400 || r.errField("type") != "invalid_request_error" {
			t.Fatalf("%v: %d %v", f, r.status, r.body)
		}
	}
	// A refused request stores no answer: the key still works with valid parameters.
	if r := post(t, h, "/v1/payment_intents", "k0", intent(5, "pm_card_visa", "x")); r.status != 200 {
		t.Fatalf("key after a refused request: %d %v", r.status, r.body)
	}
}

func TestInjectedFailuresNeverCharge(t *testing.T) {
	var mu sync.Mutex
	rolls := []float64{0.1, 0.4, 0.9} // 503, 500, then through (failure rate 0.5)
	roll := func() float64 {
		mu.Lock()
		defer mu.Unlock()
		r := rolls[0]
		rolls = rolls[1:]
		return r
	}
	h, _ := newTestGateway(t, FaultConfig{FailureRate: 0.5}, roll)
	for i, want := range []int{503, 500, 200} {
		r := post(t, h, "/v1/payment_intents", "charge:r1", intent(700, "pm_card_visa", "r1"))
		if r.status != want {
			t.Fatalf("request %d: %d, want %d", i, r.status, want)
		}
		if s := summary(t, h); s.Charges != map[bool]int{true: 1}[want == 200] {
			t.Fatalf("after request %d: %+v", i, s)
		}
	}
	s := summary(t, h)
	if s.InjectedFailures != 2 || s.Requests != 3 || s.DuplicateRequest != 2 || s.Replays != 0 {
		t.Fatalf("summary %+v", s)
	}
}

func TestInjectedTimeoutChargesOnceAndReplays(t *testing.T) {
	rolls := []float64{0.0, 0.9}
	roll := func() float64 { r := rolls[0]; rolls = rolls[1:]; return r }
	h, _ := newTestGateway(t, FaultConfig{TimeoutRate: 0.5}, roll)

	// The caller gives up after 20 ms; the gateway has charged already.
	srv := httptest.NewServer(h)
	defer srv.Close()
	c := &http.Client{Timeout: 20 * time.Millisecond}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/payment_intents", strings.NewReader(intent(900, "pm_card_visa", "r1").Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Idempotency-Key", "charge:r1")
	if resp, err := c.Do(req); err == nil {
		resp.Body.Close()
		t.Fatalf("the hanging request answered %d", resp.StatusCode)
	}
	if s := summary(t, h); s.Charges != 1 || s.InjectedTimeouts != 1 {
		t.Fatalf("after the timeout: %+v", s)
	}
	r := post(t, h, "/v1/payment_intents", "charge:r1", intent(900, "pm_card_visa", "r1"))
	if r.status != 200 {
		t.Fatalf("retry: %d %v", r.status, r.body)
	}
	if s := summary(t, h); s.Charges != 1 || s.ChargedMinor != 900 || s.Replays != 1 {
		t.Fatalf("after the retry: %+v", s)
	}
}

// TestConcurrentRequestsChargeOncePerKey sends 200 requests over 40 keys at once, with
// injected failures; every key is then retried until it succeeds.
func TestConcurrentRequestsChargeOncePerKey(t *testing.T) {
	var mu sync.Mutex
	n := 0
	roll := func() float64 { // a deterministic spread over [0, 1)
		mu.Lock()
		defer mu.Unlock()
		n++
		return float64((n*37)%100) / 100
	}
	h, _ := newTestGateway(t, FaultConfig{FailureRate: 0.3}, roll)
	const keys, requests = 40, 200
	ids := make([]map[string]bool, keys)
	for i := range ids {
		ids[i] = map[string]bool{}
	}
	var wg sync.WaitGroup
	var idsMu sync.Mutex
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k := i % keys
			for {
				r := post(t, h, "/v1/payment_intents", fmt.Sprint("charge:", k), intent(int64(100+k), "pm_card_visa", fmt.Sprint(k)))
				if r.status >= 500 {
					continue
				}
				if r.status != 200 {
					t.Errorf("key %d: %d %v", k, r.status, r.body)
					return
				}
				idsMu.Lock()
				ids[k][r.body["id"].(string)] = true
				idsMu.Unlock()
				return
			}
		}()
	}
	wg.Wait()
	for k, set := range ids {
		if len(set) != 1 {
			t.Errorf("key %d answered with %d payment intents", k, len(set))
		}
	}
	s := summary(t, h)
	var want int64
	for k := range keys {
		want += int64(100 + k)
	}
	if s.Charges != keys || s.ChargedMinor != want || s.Keys != keys || s.InjectedFailures == 0 ||
		s.Replays != requests-keys {
		t.Fatalf("summary %+v, want %d charges of %d", s, keys, want)
	}
	log := post(t, h, "/admin/reset", "", nil)
	if log.status != http.StatusNoContent {
		t.Fatalf("reset: %d", log.status)
	}
	if s := summary(t, h); s.Charges != 0 || s.Requests != 0 {
		t.Fatalf("after reset %+v", s)
	}
}

func TestAdminConfig(t *testing.T) {
	h, _ := newTestGateway(t, FaultConfig{LatencyMs: 5}, nil)
	for _, tt := range []struct {
		body   string
		status int
	}{
		{`{"latencyMs":0,"failureRate":0.5,"timeoutRate":0.1}`, 200},
		{`{"failureRate":1.5}`, 400},
		{`{"failureRate":0.6,"timeoutRate":0.6}`, 400},
		{`{"latency":3}`, 400},
	} {
		req := httptest.NewRequest(http.MethodPost, "/admin/config", strings.NewReader(tt.body))
		if r := do(t, h, req); r.status != tt.status {
			t.Fatalf("%s: %d %v", tt.body, r.status, r.body)
		}
	}
	r := do(t, h, httptest.NewRequest(http.MethodGet, "/admin/config", nil))
	if r.body["failureRate"] != 0.5 || r.body["timeoutRate"] != 0.1 || r.body["latencyMs"] != 0.0 {
		t.Fatalf("config %v", r.body)
	}
}

func TestChargesLogCountsRequestsPerKey(t *testing.T) {
	h, _ := newTestGateway(t, FaultConfig{}, nil)
	post(t, h, "/v1/payment_intents", "charge:r1", intent(100, "pm_card_visa", "r1"))
	post(t, h, "/v1/payment_intents", "charge:r1", intent(100, "pm_card_visa", "r1"))
	pi := post(t, h, "/v1/payment_intents", "charge:r2", intent(200, "pm_card_amex", "r2")).body["id"].(string)
	post(t, h, "/v1/refunds", "refund:r2", url.Values{"payment_intent": {pi}, "amount": {"200"}})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/admin/charges", nil))
	var log Log
	if err := json.Unmarshal(rec.Body.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.PaymentIntents) != 2 || log.PaymentIntents[0].IdempotencyKey != "charge:r1" || log.PaymentIntents[0].Requests != 2 ||
		log.PaymentIntents[1].Refunded != 200 || len(log.Refunds) != 1 || log.Refunds[0].Requests != 1 ||
		log.Refunds[0].IdempotencyKey != "refund:r2" || log.RequestsByKey["charge:r1"] != 2 {
		t.Fatalf("log %+v", log)
	}
}
