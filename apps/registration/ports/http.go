// Package ports adapts HTTP requests and events to the registration service.
package ports

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"regexp"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
	"github.com/registrar-edu/registrar/internal/platform/logging"
)

// HTTP serves the registration API.
type HTTP struct {
	Service   *app.Service
	Validator *httpx.Validator
	Log       *slog.Logger
}

// RegisterRequest is the body of POST /api/v1/registrations. The student is the caller:
// no student id is accepted in the body.
type RegisterRequest struct {
	Semester      string   `json:"semester" validate:"required,len=8"`
	SectionIDs    []string `json:"sectionIds" validate:"required,min=1,max=8,dive,uuid"`
	PaymentMethod string   `json:"paymentMethod" validate:"omitempty,startswith=pm_,max=64"`
}

// SwapRequest is the body of POST /api/v1/registrations/{id}/swap.
type SwapRequest struct {
	ToSectionID   string `json:"toSectionId" validate:"required,uuid"`
	PaymentMethod string `json:"paymentMethod" validate:"omitempty,startswith=pm_,max=64"`
}

// PaymentRequest is the body of POST /api/v1/registrations/{id}/payment and of accepting
// a waitlist offer.
type PaymentRequest struct {
	PaymentMethod string `json:"paymentMethod" validate:"required,startswith=pm_,max=64"`
}

// OverrideRequest is the body of POST /api/v1/overrides.
type OverrideRequest struct {
	StudentID  string `json:"studentId" validate:"required,uuid"`
	ModuleCode string `json:"moduleCode" validate:"required,alphanum,max=10"`
	Rule       string `json:"rule" validate:"required,oneof=prerequisite capacity time-conflict"`
	Reason     string `json:"reason" validate:"required,max=300"`
}

var keyRule = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,100}$`)

// respond writes v, or err the way fail does (eligibility refusals list their rules).
func (h *HTTP) respond(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, status, v)
}

func (h *HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ne *app.NotEligible
	if errors.As(err, &ne) {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"type": httpx.ProblemTypeBase + "not-eligible", "title": "Not eligible", "status": http.StatusUnprocessableEntity,
			"detail": "the registration breaks eligibility rules: every failed rule is listed", "instance": r.URL.Path,
			"requestId": logging.RequestID(r.Context()), "violations": ne.Violations,
		})
		return
	}
	httpx.WriteError(w, r, h.Log, err)
}

func student(r *http.Request) (authz.Principal, error) {
	p, ok := authz.FromRequest(r)
	if !ok {
		return p, errs.E(errs.Unauthorized, "authentication required")
	}
	if p.Role != authz.Student || p.StudentID == "" {
		return p, errs.E(errs.Forbidden, "only students register for themselves")
	}
	return p, nil
}

// Register handles POST /api/v1/registrations.
func (h *HTTP) Register(w http.ResponseWriter, r *http.Request) {
	p, err := student(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req RegisterRequest
	if err := h.Validator.Decode(r, w, &req, 8<<10); err != nil {
		h.fail(w, r, err)
		return
	}
	ans, err := h.Service.Register(r.Context(), app.Register{StudentID: p.StudentID, Key: key, Semester: req.Semester,
		SectionIDs: req.SectionIDs, PaymentMethod: req.PaymentMethod})
	h.answer(w, r, ans, err)
}

// Swap handles POST /api/v1/registrations/{id}/swap.
func (h *HTTP) Swap(w http.ResponseWriter, r *http.Request) {
	p, err := student(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	key, err := idempotencyKey(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req SwapRequest
	if err := h.Validator.Decode(r, w, &req, 4<<10); err != nil {
		h.fail(w, r, err)
		return
	}
	ans, err := h.Service.Swap(r.Context(), app.Swap{StudentID: p.StudentID, Key: key, RegistrationID: mux.Vars(r)["id"],
		ToSectionID: req.ToSectionID, PaymentMethod: req.PaymentMethod})
	h.answer(w, r, ans, err)
}

func idempotencyKey(r *http.Request) (string, error) {
	key := r.Header.Get("Idempotency-Key")
	if !keyRule.MatchString(key) {
		return "", errs.InvalidFields("an Idempotency-Key header is required",
			errs.FieldError{Field: "Idempotency-Key", Message: "must be 8-100 letters, digits, '.', '_', ':' or '-'"})
	}
	return key, nil
}

// answer writes an idempotent request's (possibly replayed) answer.
func (h *HTTP) answer(w http.ResponseWriter, r *http.Request, ans app.Answer, err error) {
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if ans.Location != "" {
		w.Header().Set("Location", ans.Location)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(ans.Status)
	_, _ = w.Write(ans.Body)
}

// List handles GET /api/v1/registrations (the caller's).
func (h *HTTP) List(w http.ResponseWriter, r *http.Request) {
	p, err := student(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.Service.List(r.Context(), p.StudentID)
	h.respond(w, r, http.StatusOK, map[string]any{"items": list}, err)
}

func caller(r *http.Request) (authz.Principal, bool, error) {
	p, ok := authz.FromRequest(r)
	if !ok {
		return p, false, errs.E(errs.Unauthorized, "authentication required")
	}
	return p, p.Role.Staff(), nil
}

// Get handles GET /api/v1/registrations/{id}: status and timeline (owner or staff).
func (h *HTTP) Get(w http.ResponseWriter, r *http.Request) {
	p, staff, err := caller(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.Service.Get(r.Context(), mux.Vars(r)["id"], p.StudentID, staff)
	h.respond(w, r, http.StatusOK, v, err)
}

// Drop handles DELETE /api/v1/registrations/{id}.
func (h *HTTP) Drop(w http.ResponseWriter, r *http.Request) {
	p, staff, err := caller(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.Service.Drop(r.Context(), mux.Vars(r)["id"], p.StudentID, staff)
	h.respond(w, r, http.StatusAccepted, v, err)
}

// Pay handles POST /api/v1/registrations/{id}/payment and POST /api/v1/waitlist/offers/{id}/accept.
func (h *HTTP) Pay(w http.ResponseWriter, r *http.Request) {
	p, err := student(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req PaymentRequest
	if err := h.Validator.Decode(r, w, &req, 4<<10); err != nil {
		h.fail(w, r, err)
		return
	}
	v, err := h.Service.Pay(r.Context(), mux.Vars(r)["id"], p.StudentID, req.PaymentMethod)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", v.Location)
	httpx.WriteJSON(w, http.StatusAccepted, v)
}

// Waitlist handles GET /api/v1/waitlist: the caller's entries with positions and offers.
func (h *HTTP) Waitlist(w http.ResponseWriter, r *http.Request) {
	p, err := student(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.Service.Waitlist(r.Context(), p.StudentID)
	h.respond(w, r, http.StatusOK, map[string]any{"items": list}, err)
}

// LeaveWaitlist handles DELETE /api/v1/waitlist/{sectionId}.
func (h *HTTP) LeaveWaitlist(w http.ResponseWriter, r *http.Request) {
	p, err := student(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Service.LeaveWaitlist(r.Context(), p.StudentID, mux.Vars(r)["sectionId"]); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Override handles POST /api/v1/overrides (registry staff).
func (h *HTTP) Override(w http.ResponseWriter, r *http.Request) {
	p, staff, err := caller(r)
	if err == nil && !staff {
		err = errs.E(errs.Forbidden, "only registry staff grant overrides")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req OverrideRequest
	if err := h.Validator.Decode(r, w, &req, 4<<10); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Service.GrantOverride(r.Context(), req.StudentID, req.ModuleCode, req.Rule, req.Reason, p.UserID); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
