package adapters

import (
	"context"
	"errors"
	"net/url"
	"testing"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/registrar-edu/registrar/apps/payment/app"
)

type fakeBinding struct {
	got  *dapr.InvokeBindingRequest
	resp *dapr.BindingEvent
	err  error
}

func (f *fakeBinding) InvokeBinding(_ context.Context, in *dapr.InvokeBindingRequest) (*dapr.BindingEvent, error) {
	f.got = in
	return f.resp, f.err
}

func answer(status, body string) *dapr.BindingEvent {
	return &dapr.BindingEvent{Data: []byte(body), Metadata: map[string]string{"statusCode": status}}
}

func TestBindingGatewayCharge(t *testing.T) {
	tests := []struct {
		name      string
		resp      *dapr.BindingEvent
		err       error
		want      app.ChargeOutcome
		transient bool
		refused   bool
	}{
		{"succeeded", answer("200", `{"id":"pi_1","status":"succeeded"}`), nil, app.ChargeOutcome{Succeeded: true, ChargeID: "pi_1"}, false, false},
		{"declined", answer("402", `{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"m","payment_intent":"pi_2"}}`), nil,
			app.ChargeOutcome{ChargeID: "pi_2", DeclineCode: "insufficient_funds", Message: "m"}, false, false},
		{"unknown token", answer("400", `{"error":{"type":"invalid_request_error","code":"resource_missing","param":"payment_method","message":"No such"}}`), nil,
			app.ChargeOutcome{DeclineCode: "invalid_payment_method", Message: "No such"}, false, false},
		{"idempotency error", answer("400", `{"error":{"type":"idempotency_error","message":"m"}}`), nil, app.ChargeOutcome{}, false, true},
		{"503", answer("503", `{"error":{"type":"api_error"}}`), nil, app.ChargeOutcome{}, true, false},
		{"500", answer("500", ``), nil, app.ChargeOutcome{}, true, false},
		{"409 key in flight", answer("409", `{}`), nil, app.ChargeOutcome{}, true, false},
		{"binding error", nil, errors.New("context deadline exceeded"), app.ChargeOutcome{}, true, false},
		{"no status", &dapr.BindingEvent{}, nil, app.ChargeOutcome{}, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeBinding{resp: tt.resp, err: tt.err}
			g := &BindingGateway{Binding: "paymentgateway",
				Client: func(context.Context) (BindingClient, error) { return f, nil }}
			got, err := g.Charge(context.Background(), app.GatewayCharge{IdempotencyKey: "charge:r1", RegistrationID: "r1",
				AmountMinor: 125000, Currency: "GBP", PaymentMethod: "pm_card_visa"})
			switch {
			case tt.transient:
				if !errors.Is(err, app.ErrTransient) {
					t.Fatalf("err %v, want transient", err)
				}
			case tt.refused:
				if err == nil || errors.Is(err, app.ErrTransient) {
					t.Fatalf("err %v, want a refusal", err)
				}
			default:
				if err != nil || got != tt.want {
					t.Fatalf("%+v %v, want %+v", got, err, tt.want)
				}
			}
			md := f.got.Metadata
			form, _ := url.ParseQuery(string(f.got.Data))
			if f.got.Name != "paymentgateway" || f.got.Operation != "post" || md["path"] != "/v1/payment_intents" ||
				md["Idempotency-Key"] != "charge:r1" || md["errorIfNot2XX"] != "false" ||
				form.Get("amount") != "125000" || form.Get("currency") != "gbp" || form.Get("confirm") != "true" ||
				form.Get("metadata[registration_id]") != "r1" {
				t.Fatalf("request %+v %v", f.got, form)
			}
		})
	}
}

func TestBindingGatewayRefund(t *testing.T) {
	f := &fakeBinding{resp: answer("200", `{"id":"re_1","status":"succeeded"}`)}
	g := &BindingGateway{Binding: "paymentgateway", Client: func(context.Context) (BindingClient, error) { return f, nil }}
	id, err := g.Refund(context.Background(), app.GatewayRefund{IdempotencyKey: "refund:r1", ChargeID: "pi_1", AmountMinor: 5})
	form, _ := url.ParseQuery(string(f.got.Data))
	if err != nil || id != "re_1" || f.got.Metadata["path"] != "/v1/refunds" || f.got.Metadata["Idempotency-Key"] != "refund:r1" ||
		form.Get("payment_intent") != "pi_1" || form.Get("amount") != "5" {
		t.Fatalf("%q %v %+v", id, err, f.got)
	}
	f.resp = answer("400", `{"error":{"type":"invalid_request_error","code":"amount_too_large"}}`)
	if _, err := g.Refund(context.Background(), app.GatewayRefund{IdempotencyKey: "refund:r1", ChargeID: "pi_1", AmountMinor: 5}); err == nil || errors.Is(err, app.ErrTransient) {
		t.Fatalf("refused refund: %v", err)
	}
}
