package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/registrar-edu/registrar/apps/payment/app"
)

// BindingClient is the part of the Dapr client the gateway adapter uses.
type BindingClient interface {
	InvokeBinding(ctx context.Context, in *dapr.InvokeBindingRequest) (*dapr.BindingEvent, error)
}

// BindingGateway calls a Stripe-shaped payment gateway through a Dapr HTTP output binding
// (bindings.http): the component holds the gateway's URL and API key, the app only names it.
// Bodies are form encoded, as Stripe's API expects.
type BindingGateway struct {
	Client  func(context.Context) (BindingClient, error)
	Binding string
	// Timeout bounds one call; past it the outcome is unknown and the call is transient.
	Timeout time.Duration
}

var _ app.Gateway = (*BindingGateway)(nil)

// gatewayError is the "error" object of a Stripe error body.
type gatewayError struct {
	Error struct {
		Type          string `json:"type"`
		Code          string `json:"code"`
		DeclineCode   string `json:"decline_code"`
		Param         string `json:"param"`
		Message       string `json:"message"`
		PaymentIntent string `json:"payment_intent"`
	} `json:"error"`
}

// Charge confirms a payment intent for the registration's fee.
func (g *BindingGateway) Charge(ctx context.Context, c app.GatewayCharge) (app.ChargeOutcome, error) {
	form := url.Values{
		"amount":                    {strconv.FormatInt(c.AmountMinor, 10)},
		"currency":                  {strings.ToLower(c.Currency)},
		"payment_method":            {c.PaymentMethod},
		"confirm":                   {"true"},
		"metadata[registration_id]": {c.RegistrationID},
	}
	status, body, err := g.post(ctx, "/v1/payment_intents", c.IdempotencyKey, form)
	if err != nil {
		return app.ChargeOutcome{}, err
	}
	switch {
	case status == 200:
		var pi struct {
			ID     string `json:"id"`
			Status string `json:"status"`
		}
		if err := json.Unmarshal(body, &pi); err != nil || pi.ID == "" {
			return app.ChargeOutcome{}, fmt.Errorf("%w: unreadable payment intent", app.ErrTransient)
		}
		if pi.Status != "succeeded" {
			return app.ChargeOutcome{}, fmt.Errorf("payment intent %s is %q, not succeeded", pi.ID, pi.Status)
		}
		return app.ChargeOutcome{Succeeded: true, ChargeID: pi.ID}, nil
	case status == 402:
		e := decodeError(body)
		code := e.Error.DeclineCode
		if code == "" {
			code = e.Error.Code
		}
		if code == "" {
			code = "card_declined"
		}
		return app.ChargeOutcome{ChargeID: e.Error.PaymentIntent, DeclineCode: code, Message: e.Error.Message}, nil
	case status == 400:
		e := decodeError(body)
		// An unknown or unusable payment method is the student's to fix, like a decline.
		if e.Error.Param == "payment_method" {
			return app.ChargeOutcome{DeclineCode: "invalid_payment_method", Message: e.Error.Message}, nil
		}
		return app.ChargeOutcome{}, refused(status, e)
	default:
		return app.ChargeOutcome{}, classify(status, body)
	}
}

// Refund refunds amount of the charge.
func (g *BindingGateway) Refund(ctx context.Context, r app.GatewayRefund) (string, error) {
	form := url.Values{"payment_intent": {r.ChargeID}, "amount": {strconv.FormatInt(r.AmountMinor, 10)}}
	status, body, err := g.post(ctx, "/v1/refunds", r.IdempotencyKey, form)
	if err != nil {
		return "", err
	}
	if status != 200 {
		return "", classify(status, body)
	}
	var re struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := json.Unmarshal(body, &re); err != nil || re.ID == "" {
		return "", fmt.Errorf("%w: unreadable refund", app.ErrTransient)
	}
	if re.Status != "succeeded" && re.Status != "pending" {
		return "", fmt.Errorf("refund %s is %q", re.ID, re.Status)
	}
	return re.ID, nil
}

// post sends a form through the binding and returns the gateway's status and body. Anything
// that keeps the answer from arriving is transient.
func (g *BindingGateway) post(ctx context.Context, path, idempotencyKey string, form url.Values) (int, []byte, error) {
	if g.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, g.Timeout)
		defer cancel()
	}
	c, err := g.Client(ctx)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: %v", app.ErrTransient, err)
	}
	resp, err := c.InvokeBinding(ctx, &dapr.InvokeBindingRequest{
		Name:      g.Binding,
		Operation: "post",
		Data:      []byte(form.Encode()),
		// Capitalised keys become request headers; errorIfNot2XX=false hands declines
		// (402) and refusals (400) back as answers instead of binding errors.
		Metadata: map[string]string{
			"path":            path,
			"errorIfNot2XX":   "false",
			"Content-Type":    "application/x-www-form-urlencoded",
			"Idempotency-Key": idempotencyKey,
		},
	})
	if err != nil {
		return 0, nil, fmt.Errorf("%w: binding %s: %v", app.ErrTransient, g.Binding, err)
	}
	status, err := strconv.Atoi(resp.Metadata["statusCode"])
	if err != nil {
		return 0, nil, fmt.Errorf("%w: binding %s answered without a status code", app.ErrTransient, g.Binding)
	}
	return status, resp.Data, nil
}

func decodeError(body []byte) gatewayError {
	var e gatewayError
	_ = json.Unmarshal(body, &e)
	return e
}

// classify sorts a non-success answer: 5xx, 429 and 409 (Stripe's "a request with this key
// is still in flight") are worth retrying; other answers are refusals.
func classify(status int, body []byte) error {
	e := decodeError(body)
	if status >= 500 || status == 429 || status == 409 {
		return fmt.Errorf("%w: gateway answered %d %s", app.ErrTransient, status, e.Error.Type)
	}
	return refused(status, e)
}

func refused(status int, e gatewayError) error {
	return errors.New("gateway answered " + strconv.Itoa(status) + " " + e.Error.Type + " " + e.Error.Code + ": " + e.Error.Message)
}
