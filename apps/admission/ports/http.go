// Package ports serves the admission app: the events of the registrations topic, and the
// student's own admission record (GET /api/v1/admission/me, through the gateway).
package ports

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/admission/app"
	"github.com/registrar-edu/registrar/apps/admission/domain"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// HTTP serves the admission app's routes.
type HTTP struct {
	Service *app.Service
	// Inbox skips events already processed (by CloudEvent id); the record's registration
	// ids guard every effect besides.
	Inbox     *dedupe.Inbox
	Log       *slog.Logger
	Processed *prometheus.CounterVec
}

// registrationEvent is the part of registration.confirmed.v1 / dropped.v1 admission reads.
type registrationEvent struct {
	RegistrationID string    `json:"registrationId"`
	StudentID      string    `json:"studentId"`
	SectionID      string    `json:"sectionId"`
	ModuleCode     string    `json:"moduleCode"`
	Semester       string    `json:"semester"`
	OccurredAt     time.Time `json:"occurredAt"`
}

// OnRegistrationConfirmed handles registration.confirmed.v1.
func (h *HTTP) OnRegistrationConfirmed(w http.ResponseWriter, r *http.Request) {
	h.handle(w, r, func(ctx context.Context, e registrationEvent) error {
		return h.Service.RegistrationConfirmed(ctx, app.Confirmed{RegistrationID: e.RegistrationID, StudentID: e.StudentID,
			SectionID: e.SectionID, ModuleCode: e.ModuleCode, Semester: e.Semester, ConfirmedAt: e.OccurredAt})
	})
}

// OnRegistrationDropped handles registration.dropped.v1.
func (h *HTTP) OnRegistrationDropped(w http.ResponseWriter, r *http.Request) {
	h.handle(w, r, func(ctx context.Context, e registrationEvent) error {
		return h.Service.RegistrationDropped(ctx, app.Dropped{RegistrationID: e.RegistrationID, StudentID: e.StudentID,
			ModuleCode: e.ModuleCode})
	})
}

// handle decodes a delivery, skips a processed event id and answers Dapr: poison and
// permanent refusals are dropped (dead-lettered), everything else is retried.
func (h *HTTP) handle(w http.ResponseWriter, r *http.Request, apply func(context.Context, registrationEvent) error) {
	ce, err := events.Decode(r)
	if err != nil {
		h.Log.WarnContext(r.Context(), "undecodable delivery dropped", "err", err)
		events.Reply(w, events.Drop)
		return
	}
	var e registrationEvent
	if err := json.Unmarshal(ce.Data, &e); err != nil || e.RegistrationID == "" || e.StudentID == "" {
		h.Log.WarnContext(r.Context(), "malformed registration event dropped", "event_id", ce.ID, "type", ce.Type)
		events.Reply(w, events.Drop)
		return
	}
	dup, err := h.Inbox.Process(r.Context(), ce.ID, func(ctx context.Context) error { return apply(ctx, e) })
	switch kind := errs.KindOf(err); {
	case err == nil:
		h.Processed.WithLabelValues(ce.Type, map[bool]string{true: "duplicate", false: "applied"}[dup]).Inc()
		h.Log.InfoContext(r.Context(), "registration event processed", "event_id", ce.ID, "type", ce.Type,
			"registration_id", e.RegistrationID, "duplicate", dup)
		events.Reply(w, events.Success)
	case errors.Is(err, dedupe.ErrEmptyID) || kind == errs.Invalid || kind == errs.NotFound:
		h.Processed.WithLabelValues(ce.Type, "dropped").Inc()
		h.Log.WarnContext(r.Context(), "registration event dropped", "event_id", ce.ID, "type", ce.Type, "err", err)
		events.Reply(w, events.Drop)
	default:
		h.Processed.WithLabelValues(ce.Type, "retry").Inc()
		h.Log.WarnContext(r.Context(), "registration event will be retried", "event_id", ce.ID, "type", ce.Type, "err", err)
		events.Reply(w, events.Retry)
	}
}

// ModuleBody is one module of the plan.
type ModuleBody struct {
	RegistrationID string    `json:"registrationId"`
	ModuleCode     string    `json:"moduleCode"`
	ModuleTitle    string    `json:"moduleTitle"`
	SectionID      string    `json:"sectionId"`
	Semester       string    `json:"semester"`
	Credits        int       `json:"credits"`
	ConfirmedAt    time.Time `json:"confirmedAt"`
}

// FormBody is the download of the admission form.
type FormBody struct {
	URL         string    `json:"url"`
	ExpiresAt   time.Time `json:"expiresAt"`
	ContentType string    `json:"contentType"`
}

// AdmissionResponse is the body of GET /api/v1/admission/me.
type AdmissionResponse struct {
	StudentID     string        `json:"studentId"`
	StudentNumber string        `json:"studentNumber"`
	Name          string        `json:"name"`
	Programme     string        `json:"programme"`
	Status        domain.Status `json:"status"`
	Modules       []ModuleBody  `json:"modules"`
	TotalCredits  int           `json:"totalCredits"`
	Version       int64         `json:"version"`
	UpdatedAt     time.Time     `json:"updatedAt"`
	Form          *FormBody     `json:"form"`
}

// Mine handles GET /api/v1/admission/me: the calling student's own record. The gateway
// names the caller; no path or query names a student, so nobody can ask for another's.
func (h *HTTP) Mine(w http.ResponseWriter, r *http.Request) {
	p, ok := authz.FromRequest(r)
	if !ok {
		httpx.WriteError(w, r, h.Log, errs.E(errs.Unauthorized, "authentication required"))
		return
	}
	if p.Role != authz.Student || p.StudentID == "" {
		httpx.WriteError(w, r, h.Log, errs.E(errs.Forbidden, "only students have an admission record"))
		return
	}
	v, err := h.Service.Mine(r.Context(), p.StudentID)
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	rec := v.Record
	resp := AdmissionResponse{StudentID: rec.StudentID, StudentNumber: rec.StudentNumber, Name: rec.Name,
		Programme: rec.Programme, Status: rec.Status, Modules: make([]ModuleBody, 0, len(rec.Modules)),
		TotalCredits: rec.TotalCredits(), Version: rec.Version, UpdatedAt: rec.UpdatedAt}
	for _, m := range rec.Modules {
		resp.Modules = append(resp.Modules, ModuleBody(m))
	}
	if v.FormURL != "" {
		resp.Form = &FormBody{URL: v.FormURL, ExpiresAt: v.ExpiresAt, ContentType: "application/pdf"}
	}
	// The link is a bearer credential for a few minutes: never cache the answer.
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, resp)
}
