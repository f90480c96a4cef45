// Package ports is erp-sync's edge: the deliveries of the declarative subscriptions in
// components/ (student.created.v1 and registration.confirmed.v1).
package ports

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/erp-sync/app"
	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/events"
)

// Inbox remembers the events whose effect has completed.
type Inbox interface {
	Process(ctx context.Context, eventID string, effect func(context.Context) error) (duplicate bool, err error)
}

// Events holds erp-sync's event handlers.
type Events struct {
	Sync   *app.Sync
	Inbox  Inbox
	Logger *slog.Logger

	processed *prometheus.CounterVec
}

// NewEvents returns the handlers and registers their metrics.
func NewEvents(s *app.Sync, inbox Inbox, logger *slog.Logger, reg prometheus.Registerer) *Events {
	e := &Events{Sync: s, Inbox: inbox, Logger: logger, processed: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "registrar_erp_sync_events_total",
		Help: "Events erp-sync handled, by type and outcome (written, duplicate, dropped, retried).",
	}, []string{"type", "outcome"})}
	reg.MustRegister(e.processed)
	return e
}

// OnStudentCreated handles student.created.v1: the student's STUDENT_MASTER row.
func (e *Events) OnStudentCreated(w http.ResponseWriter, r *http.Request) {
	e.handle(w, r, func(data json.RawMessage) (string, func(context.Context) error, error) {
		var d struct {
			StudentID string `json:"studentId"`
		}
		if err := json.Unmarshal(data, &d); err != nil || d.StudentID == "" {
			return "", nil, errors.New("no studentId")
		}
		return d.StudentID, func(ctx context.Context) error { return e.Sync.StudentCreated(ctx, d.StudentID) }, nil
	})
}

// OnRegistrationConfirmed handles registration.confirmed.v1: the ENROLMENT row (and the
// student's STUDENT_MASTER row).
func (e *Events) OnRegistrationConfirmed(w http.ResponseWriter, r *http.Request) {
	e.handle(w, r, func(data json.RawMessage) (string, func(context.Context) error, error) {
		var d domain.RegistrationConfirmed
		if err := json.Unmarshal(data, &d); err != nil || d.RegistrationID == "" {
			return "", nil, errors.New("no registrationId")
		}
		return d.RegistrationID, func(ctx context.Context) error { return e.Sync.RegistrationConfirmed(ctx, d) }, nil
	})
}

// Ignored acknowledges the other events of the subscribed topics.
func (e *Events) Ignored(w http.ResponseWriter, _ *http.Request) { events.Reply(w, events.Success) }

// handle runs one delivery: decode, dedupe on the CloudEvent id, apply. Poison (no
// CloudEvent, no id, unmappable data, an unknown student) is dropped to the dead-letter
// topic; anything transient is retried by the sidecar.
func (e *Events) handle(w http.ResponseWriter, r *http.Request,
	parse func(json.RawMessage) (key string, effect func(context.Context) error, err error)) {
	ctx := r.Context()
	ce, err := events.Decode(r)
	if err != nil {
		e.Logger.WarnContext(ctx, "undecodable delivery dropped", "err", err)
		e.reply(w, "unknown", events.Drop)
		return
	}
	key, effect, err := parse(ce.Data)
	if err != nil {
		e.Logger.WarnContext(ctx, "malformed event dropped", "event_id", ce.ID, "type", ce.Type, "err", err)
		e.reply(w, ce.Type, events.Drop)
		return
	}
	dup, err := e.Inbox.Process(ctx, ce.ID, effect)
	switch {
	case errors.Is(err, dedupe.ErrEmptyID) || app.Poison(err):
		e.Logger.WarnContext(ctx, "event dropped to the dead-letter topic", "event_id", ce.ID, "type", ce.Type, "key", key, "err", err)
		e.reply(w, ce.Type, events.Drop)
	case err != nil:
		e.Logger.WarnContext(ctx, "event will be retried", "event_id", ce.ID, "type", ce.Type, "key", key, "err", err)
		e.reply(w, ce.Type, events.Retry)
	default:
		e.Logger.InfoContext(ctx, "event written to the legacy ERP", "event_id", ce.ID, "type", ce.Type, "key", key,
			"duplicate", dup)
		outcome := "written"
		if dup {
			outcome = "duplicate"
		}
		e.processed.WithLabelValues(ce.Type, outcome).Inc()
		events.Reply(w, events.Success)
	}
}

func (e *Events) reply(w http.ResponseWriter, typ string, s events.Status) {
	outcome := map[events.Status]string{events.Drop: "dropped", events.Retry: "retried"}[s]
	e.processed.WithLabelValues(typ, outcome).Inc()
	events.Reply(w, s)
}
