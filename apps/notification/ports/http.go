// Package ports is the notification app's edge: the deliveries of user-facing events and
// the delivery log API for staff and students.
package ports

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/notification/app"
	"github.com/registrar-edu/registrar/apps/notification/domain"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// HTTP holds the notification app's handlers.
type HTTP struct {
	Service *app.Service
	Inbox   *dedupe.Inbox
	Log     *slog.Logger

	processed *prometheus.CounterVec
}

// NewHTTP returns the handlers and registers their metrics.
func NewHTTP(svc *app.Service, inbox *dedupe.Inbox, log *slog.Logger, reg prometheus.Registerer) *HTTP {
	h := &HTTP{Service: svc, Inbox: inbox, Log: log, processed: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "registrar_events_processed_total", Help: "Events processed, by type and whether they were duplicates.",
	}, []string{"type", "duplicate"})}
	reg.MustRegister(h.processed)
	return h
}

// eventData is the union of the fields notification reads from student and registration
// events (contracts/events): ids and facts only.
type eventData struct {
	StudentID      string `json:"studentId"`
	RegistrationID string `json:"registrationId"`
	SectionID      string `json:"sectionId"`
	ModuleCode     string `json:"moduleCode"`
	Semester       string `json:"semester"`
	Status         string `json:"status"`
	Reason         string `json:"reason"`
	FeeMinor       int64  `json:"feeMinor"`
	Currency       string `json:"currency"`
	Version        int    `json:"aggregateVersion"`
	OccurredAt     string `json:"occurredAt"`
}

// OnEvent handles one delivery of a student or registration event. Events of no concern
// to a student are acknowledged; poison is dead-lettered; a message the rate limit defers
// or that could not be sent yet is redelivered (RETRY, the resiliency policy's backoff);
// a message given up for good is dead-lettered (DROP → the subscription's deadLetterTopic).
func (h *HTTP) OnEvent(w http.ResponseWriter, r *http.Request) {
	ce, err := events.Decode(r)
	if err != nil {
		h.Log.WarnContext(r.Context(), "undecodable delivery dropped", "err", err)
		events.Reply(w, events.Drop)
		return
	}
	if _, facing := domain.UserFacing(ce.Type); !facing {
		events.Reply(w, events.Success)
		return
	}
	var d eventData
	if err := json.Unmarshal(ce.Data, &d); err != nil {
		h.Log.WarnContext(r.Context(), "malformed event dropped", "event_id", ce.ID, "type", ce.Type)
		events.Reply(w, events.Drop)
		return
	}
	occurred, err := time.Parse(time.RFC3339Nano, d.OccurredAt)
	if err != nil {
		occurred = time.Now()
	}
	n := domain.Notice{EventID: ce.ID, SourceType: ce.Type, StudentID: d.StudentID, RegistrationID: d.RegistrationID,
		SectionID: d.SectionID, ModuleCode: d.ModuleCode, Semester: d.Semester, Status: d.Status, Reason: d.Reason,
		FeeMinor: d.FeeMinor, Currency: d.Currency, Version: d.Version, OccurredAt: occurred}
	dup, err := h.Inbox.Process(r.Context(), ce.ID, func(ctx context.Context) error { return h.Service.Handle(ctx, n) })
	var deferred *app.DeferredError
	switch {
	case errors.Is(err, dedupe.ErrEmptyID), errors.Is(err, app.ErrDeadLettered):
		h.Log.WarnContext(r.Context(), "event dead-lettered", "event_id", ce.ID, "type", ce.Type, "err", err)
		events.Reply(w, events.Drop)
	case errors.As(err, &deferred):
		h.Log.InfoContext(r.Context(), "message deferred by the rate limit", "event_id", ce.ID, "type", ce.Type,
			"student_id", n.StudentID, "until", deferred.Until)
		events.Reply(w, events.Retry)
	case err != nil:
		h.Log.WarnContext(r.Context(), "event will be retried", "event_id", ce.ID, "type", ce.Type, "err", err)
		events.Reply(w, events.Retry)
	default:
		h.processed.WithLabelValues(ce.Type, map[bool]string{true: "true", false: "false"}[dup]).Inc()
		h.Log.InfoContext(r.Context(), "event processed", "event_id", ce.ID, "type", ce.Type, "duplicate", dup)
		events.Reply(w, events.Success)
	}
}

// DeliveriesResponse is GET /api/v1/notifications/deliveries.
type DeliveriesResponse struct {
	StudentID string            `json:"studentId"`
	Items     []domain.Delivery `json:"items"`
}

// Deliveries handles GET /api/v1/notifications/deliveries?studentId=…: the delivery log of a
// student, for registry staff and for the student themself.
func (h *HTTP) Deliveries(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("studentId")
	if _, err := uuid.Parse(id); err != nil {
		httpx.WriteError(w, r, h.Log, errs.InvalidFields("studentId is required",
			errs.FieldError{Field: "studentId", Message: "must be a student id (uuid)"}))
		return
	}
	if _, err := authz.RequireStudentAccess(r, id); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	items, err := h.Service.DeliveriesOf(r.Context(), id)
	httpx.Respond(w, r, h.Log, http.StatusOK, DeliveriesResponse{StudentID: id, Items: items}, err)
}
