// Package ports serves the payment app's internal API, which the registration app calls
// through Dapr service invocation (access control admits only it; there is no public route).
package ports

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/apps/payment/app"
	"github.com/registrar-edu/registrar/apps/payment/domain"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// HTTP serves the internal payment API.
type HTTP struct {
	Service   *app.Service
	Validator *httpx.Validator
	Log       *slog.Logger
}

const maxBody = 4 << 10

// ChargeRequest is the body of POST /internal/v1/charges.
type ChargeRequest struct {
	RegistrationID string `json:"registrationId" validate:"required,uuid"`
	StudentID      string `json:"studentId" validate:"required,uuid"`
	AmountMinor    int64  `json:"amountMinor" validate:"required,gt=0"`
	Currency       string `json:"currency" validate:"required,len=3,uppercase"`
	PaymentMethod  string `json:"paymentMethod" validate:"required,startswith=pm_,max=67"`
}

// ChargeResponse is the outcome of a charge.
type ChargeResponse struct {
	RegistrationID string `json:"registrationId"`
	Status         string `json:"status"`
	ChargeID       string `json:"chargeId"`
	DeclineCode    string `json:"declineCode,omitempty"`
	Message        string `json:"message,omitempty"`
}

// RefundRequest is the body of POST /internal/v1/refunds.
type RefundRequest struct {
	RegistrationID string `json:"registrationId" validate:"required,uuid"`
	AmountMinor    int64  `json:"amountMinor" validate:"required,gt=0"`
	Currency       string `json:"currency" validate:"required,len=3,uppercase"`
	Reason         string `json:"reason" validate:"required,max=200"`
}

// RefundResponse is the outcome of a refund.
type RefundResponse struct {
	RegistrationID string `json:"registrationId"`
	Status         string `json:"status"`
	RefundID       string `json:"refundId"`
}

// PaymentView is a payment record as GET /internal/v1/payments/{registrationId} shows it.
type PaymentView struct {
	RegistrationID string     `json:"registrationId"`
	StudentID      string     `json:"studentId"`
	AmountMinor    int64      `json:"amountMinor"`
	Currency       string     `json:"currency"`
	Status         string     `json:"status"`
	ChargeID       string     `json:"chargeId,omitempty"`
	DeclineCode    string     `json:"declineCode,omitempty"`
	Message        string     `json:"message,omitempty"`
	RefundID       string     `json:"refundId,omitempty"`
	RefundedMinor  int64      `json:"refundedMinor,omitempty"`
	Attempts       int        `json:"attempts"`
	Published      []string   `json:"publishedEvents"`
	Version        int64      `json:"version"`
	CreatedAt      time.Time  `json:"createdAt"`
	UpdatedAt      time.Time  `json:"updatedAt"`
	DecidedAt      *time.Time `json:"decidedAt,omitempty"`
	RefundedAt     *time.Time `json:"refundedAt,omitempty"`
}

// Charge is POST /internal/v1/charges.
func (h *HTTP) Charge(w http.ResponseWriter, r *http.Request) {
	var req ChargeRequest
	if err := h.Validator.Decode(r, w, &req, maxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	p, err := h.Service.ChargeFee(r.Context(), domain.Charge{RegistrationID: req.RegistrationID, StudentID: req.StudentID,
		AmountMinor: req.AmountMinor, Currency: req.Currency, PaymentMethod: req.PaymentMethod})
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	status := string(domain.Succeeded)
	if p.Status == domain.Declined {
		status = string(domain.Declined)
	}
	httpx.WriteJSON(w, http.StatusOK, ChargeResponse{RegistrationID: p.RegistrationID, Status: status,
		ChargeID: p.ChargeID, DeclineCode: p.DeclineCode, Message: p.Message})
}

// Refund is POST /internal/v1/refunds.
func (h *HTTP) Refund(w http.ResponseWriter, r *http.Request) {
	var req RefundRequest
	if err := h.Validator.Decode(r, w, &req, maxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	p, err := h.Service.RefundFee(r.Context(), req.RegistrationID, req.AmountMinor, req.Currency, req.Reason)
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, RefundResponse{RegistrationID: p.RegistrationID, Status: "refunded", RefundID: p.RefundID})
}

// Payment is GET /internal/v1/payments/{registrationId}.
func (h *HTTP) Payment(w http.ResponseWriter, r *http.Request) {
	p, err := h.Service.Payment(r.Context(), mux.Vars(r)["registrationId"])
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	v := PaymentView{RegistrationID: p.RegistrationID, StudentID: p.StudentID, AmountMinor: p.AmountMinor,
		Currency: p.Currency, Status: string(p.Status), ChargeID: p.ChargeID, DeclineCode: p.DeclineCode,
		Message: p.Message, RefundID: p.RefundID, RefundedMinor: p.RefundedMinor, Attempts: p.Attempts,
		Published: append([]string{}, p.Published...), Version: p.Version, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	if !p.DecidedAt.IsZero() {
		v.DecidedAt = &p.DecidedAt
	}
	if !p.RefundedAt.IsZero() {
		v.RefundedAt = &p.RefundedAt
	}
	httpx.WriteJSON(w, http.StatusOK, v)
}
