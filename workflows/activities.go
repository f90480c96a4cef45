package workflows

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/dapr/durabletask-go/workflow"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Activities are the saga's steps, with the clients they need injected.
type Activities struct {
	Store    app.Registrations
	Seats    app.Seats
	Payments app.Payments
	Log      *slog.Logger
	Now      func() time.Time
}

// Register adds the saga and its activities to a workflow registry.
func (a *Activities) Register(r *workflow.Registry) error {
	for name, fn := range map[string]workflow.Activity{
		ChargeFeeName: a.ChargeFee, ConfirmSeatName: a.ConfirmSeat, ReleaseSeatName: a.ReleaseSeat,
		RefundFeeName: a.RefundFee, MarkStatusName: a.MarkStatus, CompleteSwapName: a.CompleteSwap,
	} {
		if err := r.AddActivityN(name, fn); err != nil {
			return err
		}
	}
	return r.AddWorkflowN(SagaName, RegistrationSaga)
}

// ChargeFee charges the fee once per registration (the payment service dedupes by id).
func (a *Activities) ChargeFee(ctx workflow.ActivityContext) (any, error) {
	var in ChargeInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	res, err := a.Payments.Charge(ctx.Context(), in.RegistrationID, in.StudentID, in.Fee, in.PaymentMethod)
	if err != nil {
		return nil, fmt.Errorf("charge %s: %w", in.RegistrationID, err)
	}
	return ChargeOutcome{Succeeded: res.Status == "succeeded", DeclineCode: res.DeclineCode, Message: res.Message}, nil
}

// ConfirmSeat turns the hold into a confirmed seat; a lapsed hold is an answer, not an error.
func (a *Activities) ConfirmSeat(ctx workflow.ActivityContext) (any, error) {
	var id string
	if err := ctx.GetInput(&id); err != nil {
		return nil, err
	}
	err := a.Seats.Confirm(ctx.Context(), id)
	switch errs.KindOf(err) {
	case errs.Conflict, errs.NotFound:
		return ConfirmOutcome{Confirmed: false}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("confirm seat of %s: %w", id, err)
	}
	return ConfirmOutcome{Confirmed: true}, nil
}

// ReleaseSeat gives the seat back (a repeat is harmless).
func (a *Activities) ReleaseSeat(ctx workflow.ActivityContext) (any, error) {
	var id string
	if err := ctx.GetInput(&id); err != nil {
		return nil, err
	}
	if err := a.Seats.Release(ctx.Context(), id); err != nil && errs.KindOf(err) != errs.NotFound {
		return nil, fmt.Errorf("release seat of %s: %w", id, err)
	}
	return nil, nil
}

// RefundFee refunds a charged fee (once per registration).
func (a *Activities) RefundFee(ctx workflow.ActivityContext) (any, error) {
	var in ChargeInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	if err := a.Payments.Refund(ctx.Context(), in.RegistrationID, in.Fee, "seat hold lapsed during payment"); err != nil && errs.KindOf(err) != errs.Conflict {
		return nil, fmt.Errorf("refund %s: %w", in.RegistrationID, err)
	}
	return nil, nil
}

// MarkStatus records the registration's new status and its event (a repeat is a no-op).
func (a *Activities) MarkStatus(ctx workflow.ActivityContext) (any, error) {
	var in StatusInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	if _, err := a.Store.Transition(ctx.Context(), in.RegistrationID, in.Status, in.Reason, a.Now()); err != nil {
		return nil, fmt.Errorf("mark %s %s: %w", in.RegistrationID, in.Status, err)
	}
	return nil, nil
}

// CompleteSwap drops the registration a confirmed swap replaces, with the refund and seat
// release a student's own drop would get (a repeat changes nothing).
func (a *Activities) CompleteSwap(ctx workflow.ActivityContext) (any, error) {
	var in SwapInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	svc := &app.Service{Store: a.Store, Seats: a.Seats, Payments: a.Payments, Log: a.Log, Now: a.Now}
	if err := svc.CompleteSwap(ctx.Context(), in.SwapFrom, in.SectionID); err != nil {
		return nil, fmt.Errorf("complete swap from %s: %w", in.SwapFrom, err)
	}
	return nil, nil
}
