// Package workflows holds Registrar's Dapr Workflows. RegistrationSaga takes one
// registration from a held (or offered) seat to CONFIRMED, or back out with compensation:
// wait for payment until the hold expires → charge the fee → confirm the seat → confirm the
// registration (→ drop the registration a swap replaces); declined, unpaid or cancelled →
// release the seat → record why.
//
// Workflows only orchestrate and stay deterministic (time from ctx.CurrentTimeUTC, no I/O);
// activities run at least once (a restarted sidecar replays them), so every activity is
// idempotent by the registration id: one charge per registration, whatever re-runs.
package workflows

import (
	"time"

	"github.com/dapr/durabletask-go/workflow"

	"github.com/registrar-edu/registrar/apps/registration/domain"
)

// Names under which the saga and its activities are registered.
const (
	SagaName         = "RegistrationSaga"
	ChargeFeeName    = "ChargeFee"
	ConfirmSeatName  = "ConfirmSeat"
	ReleaseSeatName  = "ReleaseSeat"
	RefundFeeName    = "RefundFee"
	MarkStatusName   = "MarkStatus"
	CompleteSwapName = "CompleteSwap"
	PaymentEventName = "payment"
)

// SagaInput starts a saga: the registration and how long its seat is held.
type SagaInput struct {
	RegistrationID string        `json:"registrationId"`
	StudentID      string        `json:"studentId"`
	SectionID      string        `json:"sectionId"`
	Fee            domain.Money  `json:"fee"`
	Status         domain.Status `json:"status"` // PENDING_PAYMENT or OFFERED
	Deadline       time.Time     `json:"deadline"`
	PaymentMethod  string        `json:"paymentMethod,omitempty"`
	// SwapFrom is the confirmed registration this one replaces: dropped once this one is
	// confirmed, untouched if it fails or expires.
	SwapFrom string `json:"swapFrom,omitempty"`
}

// PaymentSignal is the external event a student's payment (or drop) raises.
type PaymentSignal struct {
	PaymentMethod string `json:"paymentMethod,omitempty"`
	Cancel        bool   `json:"cancel,omitempty"`
}

// ChargeInput is the ChargeFee activity's input.
type ChargeInput struct {
	RegistrationID string       `json:"registrationId"`
	StudentID      string       `json:"studentId"`
	Fee            domain.Money `json:"fee"`
	PaymentMethod  string       `json:"paymentMethod"`
}

// ChargeOutcome is the ChargeFee activity's result.
type ChargeOutcome struct {
	Succeeded   bool   `json:"succeeded"`
	DeclineCode string `json:"declineCode,omitempty"`
	Message     string `json:"message,omitempty"`
}

// StatusInput is the MarkStatus activity's input.
type StatusInput struct {
	RegistrationID string        `json:"registrationId"`
	Status         domain.Status `json:"status"`
	Reason         string        `json:"reason,omitempty"`
}

// SwapInput is the CompleteSwap activity's input: the registration a confirmed swap
// replaces and the section it moved to.
type SwapInput struct {
	SwapFrom  string `json:"swapFrom"`
	SectionID string `json:"sectionId"`
}

// ConfirmOutcome is the ConfirmSeat activity's result: false when the hold had lapsed.
type ConfirmOutcome struct {
	Confirmed bool `json:"confirmed"`
}

// retry is the policy of every activity: transient trouble (a sidecar, the gateway or a
// database restarting) is retried with backoff for about a minute, then compensated.
var retry = &workflow.RetryPolicy{MaxAttempts: 8, InitialRetryInterval: time.Second, BackoffCoefficient: 2,
	MaxRetryInterval: 15 * time.Second}

func call(ctx *workflow.WorkflowContext, name string, in, out any) error {
	return ctx.CallActivity(name, workflow.WithActivityInput(in), workflow.WithActivityRetryPolicy(retry)).Await(out)
}

// RegistrationSaga is the saga of one registration; its instance id is the registration id.
func RegistrationSaga(ctx *workflow.WorkflowContext) (any, error) {
	var in SagaInput
	if err := ctx.GetInput(&in); err != nil {
		return nil, err
	}
	method := in.PaymentMethod
	if method == "" {
		wait := max(in.Deadline.Sub(ctx.CurrentTimeUTC()), 0)
		var sig PaymentSignal
		if err := ctx.WaitForExternalEvent(PaymentEventName, wait).Await(&sig); err != nil {
			reason := "no payment before the seat hold expired"
			if in.Status == domain.Offered {
				reason = "the waitlist offer was not claimed before its deadline"
			}
			return compensate(ctx, in, domain.Expired, reason)
		}
		if sig.Cancel {
			return compensate(ctx, in, domain.Dropped, "dropped before payment")
		}
		method = sig.PaymentMethod
	}

	var charge ChargeOutcome
	err := call(ctx, ChargeFeeName, ChargeInput{RegistrationID: in.RegistrationID, StudentID: in.StudentID, Fee: in.Fee,
		PaymentMethod: method}, &charge)
	if err != nil {
		// The charge's outcome is unknown (the gateway may have taken the money before
		// the answer was lost): refund whatever the payment service recorded, then give
		// the seat back. A refund of nothing is refused and ignored.
		_ = call(ctx, RefundFeeName, ChargeInput{RegistrationID: in.RegistrationID, StudentID: in.StudentID, Fee: in.Fee}, nil)
		return compensate(ctx, in, domain.Failed, "the payment could not be completed (payment service unavailable)")
	}
	if !charge.Succeeded {
		return compensate(ctx, in, domain.Failed, "payment declined ("+charge.DeclineCode+")")
	}

	var seat ConfirmOutcome
	if err := call(ctx, ConfirmSeatName, in.RegistrationID, &seat); err != nil || !seat.Confirmed {
		// The hold lapsed (or the seat service failed for good) after the charge: give the
		// money back before giving up the seat.
		_ = call(ctx, RefundFeeName, ChargeInput{RegistrationID: in.RegistrationID, StudentID: in.StudentID, Fee: in.Fee}, nil)
		return compensate(ctx, in, domain.Failed, "the seat hold expired before the payment completed; the fee was refunded")
	}
	if err := call(ctx, MarkStatusName, StatusInput{RegistrationID: in.RegistrationID, Status: domain.Confirmed}, nil); err != nil {
		return nil, err
	}
	if in.SwapFrom != "" {
		// A swap: the new place is confirmed, so the old one goes (never before: if this
		// registration fails, the student keeps the old one).
		if err := call(ctx, CompleteSwapName, SwapInput{SwapFrom: in.SwapFrom, SectionID: in.SectionID}, nil); err != nil {
			return nil, err
		}
	}
	return string(domain.Confirmed), nil
}

// compensate undoes the seat and records the registration's end.
func compensate(ctx *workflow.WorkflowContext, in SagaInput, status domain.Status, reason string) (any, error) {
	if err := call(ctx, ReleaseSeatName, in.RegistrationID, nil); err != nil {
		return nil, err
	}
	if err := call(ctx, MarkStatusName, StatusInput{RegistrationID: in.RegistrationID, Status: status, Reason: reason}, nil); err != nil {
		return nil, err
	}
	return string(status), nil
}
