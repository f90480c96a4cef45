package adapters

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dapr/durabletask-go/workflow"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/apps/registration/domain"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/workflows"
)

// DaprSeats is the schedule service's seat inventory, over Dapr service invocation.
type DaprSeats struct{ Invoker *daprx.Invoker }

var _ app.Seats = (*DaprSeats)(nil)

// Hold claims a seat (idempotent per registration id); held is false when the section is full.
func (d *DaprSeats) Hold(ctx context.Context, sectionID, registrationID string, ttl time.Duration) (time.Time, bool, error) {
	var out struct {
		Result string `json:"result"`
		Hold   *struct {
			ExpiresAt *time.Time `json:"expiresAt"`
		} `json:"hold"`
	}
	_, err := d.Invoker.Call(ctx, "schedule", http.MethodPost, "/internal/v1/holds",
		map[string]any{"sectionId": sectionID, "registrationId": registrationID, "ttlSeconds": int(ttl.Seconds())}, &out)
	if err != nil {
		return time.Time{}, false, err
	}
	if out.Result != "held" || out.Hold == nil || out.Hold.ExpiresAt == nil {
		return time.Time{}, false, nil
	}
	return *out.Hold.ExpiresAt, true, nil
}

// Confirm makes a held seat the registration's; Conflict when the hold lapsed.
func (d *DaprSeats) Confirm(ctx context.Context, registrationID string) error {
	_, err := d.Invoker.Call(ctx, "schedule", http.MethodPost, "/internal/v1/holds/"+registrationID+"/confirm", nil, nil)
	return err
}

// Release frees the registration's seat (a repeat is harmless).
func (d *DaprSeats) Release(ctx context.Context, registrationID string) error {
	_, err := d.Invoker.Call(ctx, "schedule", http.MethodDelete, "/internal/v1/holds/"+registrationID, nil, nil)
	return err
}

// AddSeat grows a section by one seat (a capacity override).
func (d *DaprSeats) AddSeat(ctx context.Context, sectionID string) error {
	_, err := d.Invoker.Call(ctx, "schedule", http.MethodPost, "/internal/v1/sections/"+sectionID+"/seats", nil, nil)
	return err
}

// DaprPayments is the payment service, over Dapr service invocation.
type DaprPayments struct{ Invoker *daprx.Invoker }

var _ app.Payments = (*DaprPayments)(nil)

// Charge charges a registration's fee (once per registration id, whatever re-runs).
func (d *DaprPayments) Charge(ctx context.Context, registrationID, studentID string, fee domain.Money, method string) (app.ChargeResult, error) {
	var out app.ChargeResult
	_, err := d.Invoker.Call(ctx, "payment", http.MethodPost, "/internal/v1/charges", map[string]any{
		"registrationId": registrationID, "studentId": studentID, "amountMinor": fee.Minor, "currency": fee.Currency,
		"paymentMethod": method}, &out)
	return out, err
}

// Refund refunds a registration's fee (once per registration id).
func (d *DaprPayments) Refund(ctx context.Context, registrationID string, fee domain.Money, reason string) error {
	_, err := d.Invoker.Call(ctx, "payment", http.MethodPost, "/internal/v1/refunds", map[string]any{
		"registrationId": registrationID, "amountMinor": fee.Minor, "currency": fee.Currency, "reason": reason}, nil)
	return err
}

// WorkflowSagas signals sagas through Dapr Workflow's external events.
type WorkflowSagas struct {
	Client func(context.Context) (*workflow.Client, error)
}

var _ app.Sagas = (*WorkflowSagas)(nil)

func (w *WorkflowSagas) raise(ctx context.Context, id string, sig workflows.PaymentSignal) error {
	c, err := w.Client(ctx)
	if err != nil {
		return err
	}
	return c.RaiseEvent(ctx, id, workflows.PaymentEventName, workflow.WithEventPayload(sig))
}

// ProvidePayment hands the student's payment method to the saga.
func (w *WorkflowSagas) ProvidePayment(ctx context.Context, id, method string) error {
	return w.raise(ctx, id, workflows.PaymentSignal{PaymentMethod: method})
}

// Cancel tells a saga waiting for payment that the student dropped.
func (w *WorkflowSagas) Cancel(ctx context.Context, id string) error {
	return w.raise(ctx, id, workflows.PaymentSignal{Cancel: true})
}

// SagaStarter is the outbox publisher of the registration app: rows on SagaTopic start a
// saga (instance id = registration id; starting one that exists is a success, so a
// re-published row starts nothing twice), every other row is published to pub/sub.
type SagaStarter struct {
	Client func(context.Context) (*workflow.Client, error)
	Next   interface {
		Publish(ctx context.Context, topic, id, eventType string, data []byte) error
	}
}

// Publish implements outbox.Publisher.
func (s *SagaStarter) Publish(ctx context.Context, topic, id, eventType string, data []byte) error {
	if topic != SagaTopic {
		return s.Next.Publish(ctx, topic, id, eventType, data)
	}
	var in workflows.SagaInput
	if err := jsonUnmarshal(data, &in); err != nil {
		return fmt.Errorf("saga input: %w", err)
	}
	c, err := s.Client(ctx)
	if err != nil {
		return err
	}
	_, err = c.ScheduleWorkflow(ctx, workflows.SagaName, workflow.WithInstanceID(in.RegistrationID), workflow.WithInput(in))
	if err != nil && (strings.Contains(err.Error(), "already exists") || strings.Contains(err.Error(), "AlreadyExists")) {
		return nil
	}
	if err != nil {
		return errs.Wrap(errs.Unavailable, err, "start saga")
	}
	return nil
}
