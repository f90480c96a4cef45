package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// Gateway serves the simulator's HTTP API.
type Gateway struct {
	Ledger  *Ledger
	Faults  *Faults
	Roll    func() float64 // uniform in [0, 1); tests pin it
	MaxHang time.Duration  // how long a hanging request waits if its caller never gives up
	Log     *slog.Logger
	Now     func() time.Time
}

const maxBody = 16 << 10

func (g *Gateway) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now().UTC()
}

// CreatePaymentIntent is POST /v1/payment_intents with confirm=true.
func (g *Gateway) CreatePaymentIntent(w http.ResponseWriter, r *http.Request) {
	g.serve(w, r, func(form url.Values) (func(key string) Response, error) {
		p, err := intentParams(form)
		if err != nil {
			return nil, err
		}
		return func(key string) Response { return g.Ledger.CreateIntent(key, p, g.now()) }, nil
	})
}

// CreateRefund is POST /v1/refunds.
func (g *Gateway) CreateRefund(w http.ResponseWriter, r *http.Request) {
	g.serve(w, r, func(form url.Values) (func(key string) Response, error) {
		p, err := refundParams(form)
		if err != nil {
			return nil, err
		}
		return func(key string) Response { return g.Ledger.CreateRefund(key, p, g.now()) }, nil
	})
}

// serve is the shape of every gateway call: count the key, parse, inject faults, then let
// the ledger decide under its lock. An injected failure returns before the ledger is touched,
// so it charges nothing; an injected hang takes effect first and then hangs, as a real
// gateway whose answer was lost would.
func (g *Gateway) serve(w http.ResponseWriter, r *http.Request, parse func(url.Values) (func(string) Response, error)) {
	key := r.Header.Get("Idempotency-Key")
	g.Ledger.Arrived(key)
	form, err := readParams(r)
	if err == nil && len(key) > 255 {
		err = errors.New("Idempotency-Key must be at most 255 characters")
	}
	var do func(string) Response
	if err == nil {
		do, err = parse(form)
	}
	if err != nil {
		write(w, errorResponse(http.StatusBadRequest, stripeError{Type: "invalid_request_error", Message: err.Error()}))
		return
	}
	cfg := g.Faults.Get()
	if d := cfg.latency(); d > 0 {
		select {
		case <-time.After(d):
		case <-r.Context().Done():
			return
		}
	}
	switch cfg.pick(g.Roll()) {
	case fail503:
		g.Ledger.InjectedFailure()
		write(w, errorResponse(http.StatusServiceUnavailable, stripeError{Type: "api_error", Message: "Injected fault: service unavailable."}))
		return
	case fail500:
		g.Ledger.InjectedFailure()
		write(w, errorResponse(http.StatusInternalServerError, stripeError{Type: "api_error", Message: "Injected fault: internal error."}))
		return
	case hang:
		g.Ledger.InjectedTimeout()
		resp := do(key)
		g.Log.InfoContext(r.Context(), "injected timeout: took effect, now hanging", "idempotency_key", key, "status", resp.Status)
		select {
		case <-r.Context().Done():
			return
		case <-time.After(g.MaxHang):
		}
		write(w, resp)
		return
	}
	write(w, do(key))
}

func write(w http.ResponseWriter, resp Response) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(resp.Status)
	_, _ = w.Write(resp.Body)
}

// readParams reads a form-encoded body (as Stripe's API takes) or a JSON object, flattened
// to form keys ("metadata[registration_id]").
func readParams(r *http.Request) (url.Values, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBody))
	if err != nil {
		return nil, fmt.Errorf("request body could not be read")
	}
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if mt == "application/json" {
		var obj map[string]any
		dec := json.NewDecoder(strings.NewReader(string(body)))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil {
			return nil, fmt.Errorf("request body is not a JSON object")
		}
		form := url.Values{}
		for k, v := range obj {
			if err := flatten(form, k, v); err != nil {
				return nil, err
			}
		}
		return form, nil
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		return nil, fmt.Errorf("request body is not form encoded")
	}
	return form, nil
}

func flatten(form url.Values, key string, v any) error {
	switch x := v.(type) {
	case map[string]any:
		for k, inner := range x {
			if err := flatten(form, key+"["+k+"]", inner); err != nil {
				return err
			}
		}
	case string:
		form.Set(key, x)
	case json.Number:
		form.Set(key, x.String())
	case bool:
		form.Set(key, strconv.FormatBool(x))
	case nil:
	default:
		return fmt.Errorf("parameter %s has an unsupported type", key)
	}
	return nil
}

func intentParams(form url.Values) (IntentParams, error) {
	p := IntentParams{Metadata: map[string]string{}}
	for k, v := range form {
		switch {
		case k == "amount":
			n, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil || n < 1 {
				return p, errors.New("amount must be a positive integer in the currency's minor unit")
			}
			p.Amount = n
		case k == "currency":
			p.Currency = strings.ToLower(v[0])
		case k == "payment_method":
			p.PaymentMethod = v[0]
		case k == "confirm":
			if v[0] != "true" {
				return p, errors.New("this simulator supports only confirm=true")
			}
		case strings.HasPrefix(k, "metadata[") && strings.HasSuffix(k, "]"):
			p.Metadata[k[len("metadata["):len(k)-1]] = v[0]
		default:
			return p, fmt.Errorf("Received unknown parameter: %s", k)
		}
	}
	switch {
	case p.Amount == 0:
		return p, errors.New("Missing required param: amount.")
	case len(p.Currency) != 3:
		return p, errors.New("currency must be a three-letter ISO code")
	case p.PaymentMethod == "":
		return p, errors.New("Missing required param: payment_method.")
	case form.Get("confirm") != "true":
		return p, errors.New("Missing required param: confirm (this simulator supports only confirm=true).")
	}
	return p, nil
}

func refundParams(form url.Values) (RefundParams, error) {
	var p RefundParams
	for k, v := range form {
		switch k {
		case "payment_intent":
			p.PaymentIntent = v[0]
		case "amount":
			n, err := strconv.ParseInt(v[0], 10, 64)
			if err != nil || n < 1 {
				return p, errors.New("amount must be a positive integer in the currency's minor unit")
			}
			p.Amount = n
		case "reason", "metadata":
		default:
			if !strings.HasPrefix(k, "metadata[") {
				return p, fmt.Errorf("Received unknown parameter: %s", k)
			}
		}
	}
	if p.PaymentIntent == "" {
		return p, errors.New("Missing required param: payment_intent.")
	}
	return p, nil
}

// GetConfig is GET /admin/config.
func (g *Gateway) GetConfig(w http.ResponseWriter, _ *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, g.Faults.Get())
}

// SetConfig is POST /admin/config: it replaces the fault injection settings.
func (g *Gateway) SetConfig(w http.ResponseWriter, r *http.Request) {
	var cfg FaultConfig
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		httpx.WriteProblem(w, r, httpx.Problem{Type: httpx.ProblemTypeBase + "invalid", Title: "Bad Request",
			Status: http.StatusBadRequest, Detail: "body must be {latencyMs, failureRate, timeoutRate}"})
		return
	}
	if err := g.Faults.Set(cfg); err != nil {
		httpx.WriteProblem(w, r, httpx.Problem{Type: httpx.ProblemTypeBase + "invalid", Title: "Bad Request",
			Status: http.StatusBadRequest, Detail: err.Error()})
		return
	}
	g.Log.InfoContext(r.Context(), "fault injection changed", "config", cfg)
	httpx.WriteJSON(w, http.StatusOK, cfg)
}

// Charges is GET /admin/charges: every payment intent and refund with its key.
func (g *Gateway) Charges(w http.ResponseWriter, _ *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, g.Ledger.Log())
}

// Summary is GET /admin/summary.
func (g *Gateway) Summary(w http.ResponseWriter, _ *http.Request) {
	httpx.WriteJSON(w, http.StatusOK, g.Ledger.Summary())
}

// Reset is POST /admin/reset: it empties the ledger (the fault settings stay).
func (g *Gateway) Reset(w http.ResponseWriter, _ *http.Request) {
	g.Ledger.Reset()
	w.WriteHeader(http.StatusNoContent)
}
