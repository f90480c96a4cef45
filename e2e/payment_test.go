package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
)

// The payment app is invoked by the registration app's saga through Dapr; these tests call
// it on its app port as that caller would, and read the gateway simulator's own log to see
// what was really charged.

type chargeAnswer struct {
	RegistrationID string `json:"registrationId"`
	Status         string `json:"status"`
	ChargeID       string `json:"chargeId"`
	DeclineCode    string `json:"declineCode"`
	RefundID       string `json:"refundId"`
}

type gatewayLog struct {
	PaymentIntents []struct {
		ID             string `json:"id"`
		IdempotencyKey string `json:"idempotencyKey"`
		Amount         int64  `json:"amount"`
		Currency       string `json:"currency"`
		Status         string `json:"status"`
		DeclineCode    string `json:"declineCode"`
		Requests       int    `json:"requests"`
	} `json:"paymentIntents"`
	Refunds []struct {
		ID             string `json:"id"`
		IdempotencyKey string `json:"idempotencyKey"`
		PaymentIntent  string `json:"paymentIntent"`
		Amount         int64  `json:"amount"`
		Requests       int    `json:"requests"`
	} `json:"refunds"`
	RequestsByKey map[string]int `json:"requestsByKey"`
}

// gatewayEntries returns the simulator's payment intents (by status) and refunds for one key.
func gatewayEntries(t *testing.T, key string) (intents map[string][]string, refunds []int64, requests int) {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("paygate")+"/admin/charges", nil)
	if status != http.StatusOK {
		t.Fatalf("paygate /admin/charges: %d %s", status, body)
	}
	log := decode[gatewayLog](t, body)
	intents = map[string][]string{}
	for _, pi := range log.PaymentIntents {
		if pi.IdempotencyKey == key {
			intents[pi.Status] = append(intents[pi.Status], pi.ID)
		}
	}
	for _, re := range log.Refunds {
		if re.IdempotencyKey == key {
			refunds = append(refunds, re.Amount)
		}
	}
	return intents, refunds, log.RequestsByKey[key]
}

func setGatewayFaults(t *testing.T, cfg string) {
	t.Helper()
	if status, _, body := call(t, http.MethodPost, appURL("paygate")+"/admin/config", cfg); status != http.StatusOK {
		t.Fatalf("paygate /admin/config %s: %d %s", cfg, status, body)
	}
}

func chargeFee(t *testing.T, reg, pm string, amount int64) (int, chargeAnswer, []byte) {
	t.Helper()
	status, _, body := call(t, http.MethodPost, appURL("payment")+"/internal/v1/charges", map[string]any{
		"registrationId": reg, "studentId": "5d7e1c2a-9b3f-4e8d-a1c6-0f2b3d4e5a6b",
		"amountMinor": amount, "currency": "GBP", "paymentMethod": pm})
	var a chargeAnswer
	if status == http.StatusOK {
		a = decode[chargeAnswer](t, body)
	}
	return status, a, body
}

func TestPaymentChargesOnceDeclinesAndRefunds(t *testing.T) {
	setGatewayFaults(t, `{"latencyMs":0,"failureRate":0,"timeoutRate":0}`)
	paid, declined := uuid.NewString(), uuid.NewString()

	status, first, body := chargeFee(t, paid, "pm_card_visa", 125000)
	if status != http.StatusOK || first.Status != "succeeded" || !strings.HasPrefix(first.ChargeID, "pi_") {
		t.Fatalf("charge: %d %s", status, body)
	}
	status, again, body := chargeFee(t, paid, "pm_card_visa", 125000)
	if status != http.StatusOK || again.ChargeID != first.ChargeID {
		t.Fatalf("repeated charge: %d %s, want charge %s", status, body, first.ChargeID)
	}
	intents, _, requests := gatewayEntries(t, "charge:"+paid)
	if len(intents["succeeded"]) != 1 || intents["succeeded"][0] != first.ChargeID || len(intents) != 1 || requests != 1 {
		t.Fatalf("gateway log for the paid registration: %v, %d requests; want one charge, one request", intents, requests)
	}

	status, dec, body := chargeFee(t, declined, "pm_card_chargeDeclinedInsufficientFunds", 125000)
	if status != http.StatusOK || dec.Status != "declined" || dec.DeclineCode != "insufficient_funds" {
		t.Fatalf("declined charge: %d %s", status, body)
	}
	intents, _, _ = gatewayEntries(t, "charge:"+declined)
	if len(intents["succeeded"]) != 0 || len(intents["requires_payment_method"]) != 1 {
		t.Fatalf("gateway log for the declined registration: %v", intents)
	}

	refund := func(reg string) (int, chargeAnswer, []byte) {
		status, _, body := call(t, http.MethodPost, appURL("payment")+"/internal/v1/refunds", map[string]any{
			"registrationId": reg, "amountMinor": 125000, "currency": "GBP", "reason": "dropped"})
		var a chargeAnswer
		if status == http.StatusOK {
			a = decode[chargeAnswer](t, body)
		}
		return status, a, body
	}
	status, re, body := refund(paid)
	if status != http.StatusOK || re.Status != "refunded" || !strings.HasPrefix(re.RefundID, "re_") {
		t.Fatalf("refund: %d %s", status, body)
	}
	if status, re2, body := refund(paid); status != http.StatusOK || re2.RefundID != re.RefundID {
		t.Fatalf("repeated refund: %d %s", status, body)
	}
	if _, refunds, _ := gatewayEntries(t, "refund:"+paid); len(refunds) != 1 || refunds[0] != 125000 {
		t.Fatalf("gateway refunds %v, want one of 125000", refunds)
	}
	if status, _, body := refund(declined); status != http.StatusConflict {
		t.Fatalf("refund of a declined payment: %d %s, want 409", status, body)
	}

	status, _, body = call(t, http.MethodGet, appURL("payment")+"/internal/v1/payments/"+paid, nil)
	rec := decode[struct {
		Status    string   `json:"status"`
		Published []string `json:"publishedEvents"`
	}](t, body)
	if status != http.StatusOK || rec.Status != "refunded" ||
		strings.Join(rec.Published, ",") != "payment.confirmed.v1,payment.refunded.v1" {
		t.Fatalf("payment record: %d %s", status, body)
	}
}

// TestPaymentRetriesThroughGatewayFailuresChargeOnce: with half the gateway's answers
// failing, the caller retries each registration until it gets an outcome, then replays it;
// one charge per registration, and every gateway request but the last one per key failed.
func TestPaymentRetriesThroughGatewayFailuresChargeOnce(t *testing.T) {
	t.Cleanup(func() { setGatewayFaults(t, `{"latencyMs":0,"failureRate":0,"timeoutRate":0}`) })
	setGatewayFaults(t, `{"latencyMs":0,"failureRate":0.5,"timeoutRate":0}`)
	const registrations = 20
	failures, requests := 0, 0
	for range registrations {
		reg := uuid.NewString()
		var chargeID string
		unavailable := 0
		for try := 0; chargeID == ""; try++ {
			if try == 60 {
				t.Fatalf("no outcome after %d tries", try)
			}
			status, a, body := chargeFee(t, reg, "pm_card_mastercard", 9900)
			switch status {
			case http.StatusOK:
				chargeID = a.ChargeID
			case http.StatusServiceUnavailable:
				unavailable++
			default:
				t.Fatalf("charge: %d %s", status, body)
			}
		}
		for range 3 {
			if status, a, body := chargeFee(t, reg, "pm_card_mastercard", 9900); status != http.StatusOK || a.ChargeID != chargeID {
				t.Fatalf("replay: %d %s", status, body)
			}
		}
		intents, _, n := gatewayEntries(t, "charge:"+reg)
		if len(intents["succeeded"]) != 1 || intents["succeeded"][0] != chargeID {
			t.Fatalf("gateway log %v, want exactly charge %s", intents, chargeID)
		}
		if n != unavailable+1 {
			t.Fatalf("gateway saw %d requests for the key; the caller saw %d failures and one success", n, unavailable)
		}
		failures += unavailable
		requests += n
	}
	// 20 registrations at a 50% failure rate: no failure at all has odds of one in a million.
	if failures == 0 {
		t.Fatal("the gateway's failure rate never showed: is fault injection wired?")
	}
	t.Logf("%d registrations: %d transient failures retried, %d gateway requests, %d charges", registrations, failures, requests, registrations)
}

// TestPaymentTimedOutChargeIsReplayedNotRepeated: the gateway charges and then hangs past
// the binding's timeout; the caller gets 503, and its retry with the same key finds the
// charge instead of making another.
func TestPaymentTimedOutChargeIsReplayedNotRepeated(t *testing.T) {
	t.Cleanup(func() { setGatewayFaults(t, `{"latencyMs":0,"failureRate":0,"timeoutRate":0}`) })
	setGatewayFaults(t, `{"latencyMs":0,"failureRate":0,"timeoutRate":1}`)
	reg := uuid.NewString()
	if status, _, body := chargeFee(t, reg, "pm_card_amex", 4200); status != http.StatusServiceUnavailable {
		t.Fatalf("charge during a gateway hang: %d %s, want 503", status, body)
	}
	intents, _, _ := gatewayEntries(t, "charge:"+reg)
	if len(intents["succeeded"]) != 1 {
		t.Fatalf("the hanging gateway should have charged once: %v", intents)
	}
	setGatewayFaults(t, `{"latencyMs":0,"failureRate":0,"timeoutRate":0}`)
	status, a, body := chargeFee(t, reg, "pm_card_amex", 4200)
	if status != http.StatusOK || a.ChargeID != intents["succeeded"][0] {
		t.Fatalf("retry: %d %s, want the charge %s", status, body, intents["succeeded"][0])
	}
	if after, _, requests := gatewayEntries(t, "charge:"+reg); len(after["succeeded"]) != 1 || requests != 2 {
		t.Fatalf("gateway log after the retry: %v, %d requests", after, requests)
	}
}

// TestPaymentRefusesCallersOtherThanRegistration: only the registration app's sidecar may
// invoke the payment app; here the simulator's sidecar tries.
func TestPaymentRefusesCallersOtherThanRegistration(t *testing.T) {
	status, _, body := call(t, http.MethodGet, sidecarURL("paygate")+"/v1.0/invoke/payment/method/internal/v1/payments/"+uuid.NewString(), nil)
	if status != http.StatusForbidden {
		t.Fatalf("paygate → payment: %d %s, want 403 from access control", status, body)
	}
}
