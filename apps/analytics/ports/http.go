// Package ports is the analytics app's edge: event deliveries of every topic and the
// dashboard API for registry staff.
package ports

import (
	"context"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/analytics/domain"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// Aggregates is analytics' store of counted facts.
type Aggregates interface {
	// Apply counts one event's fact once per event id; duplicate reports a redelivery.
	Apply(ctx context.Context, eventID, eventType string, f domain.Fact) (duplicate bool, err error)
	Summary(ctx context.Context) (domain.Summary, error)
	Sections(ctx context.Context, semester string) ([]domain.SectionStats, error)
	Timeline(ctx context.Context, minutes int) ([]domain.Minute, error)
}

// Timeline bounds, in minutes.
const (
	DefaultMinutes = 60
	MaxMinutes     = 24 * 60
)

// HTTP holds the analytics app's handlers.
type HTTP struct {
	Aggregates Aggregates
	Log        *slog.Logger
	processed  *prometheus.CounterVec
}

// NewHTTP returns the handlers and registers their metrics.
func NewHTTP(a Aggregates, log *slog.Logger, reg prometheus.Registerer) *HTTP {
	h := &HTTP{Aggregates: a, Log: log, processed: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "registrar_events_processed_total", Help: "Events processed, by type and whether they were duplicates.",
	}, []string{"type", "duplicate"})}
	reg.MustRegister(h.processed)
	return h
}

// OnEvent counts one delivery of any topic. Undecodable or malformed events are dropped
// (dead-lettered); store errors are retried.
func (h *HTTP) OnEvent(w http.ResponseWriter, r *http.Request) {
	ce, err := events.Decode(r)
	if err != nil || ce.ID == "" {
		h.Log.WarnContext(r.Context(), "undecodable delivery dropped", "err", err)
		events.Reply(w, events.Drop)
		return
	}
	fact, err := domain.Parse(ce.Type, ce.Data)
	if err != nil {
		h.Log.WarnContext(r.Context(), "malformed event dropped", "event_id", ce.ID, "err", err)
		events.Reply(w, events.Drop)
		return
	}
	dup, err := h.Aggregates.Apply(r.Context(), ce.ID, ce.Type, fact)
	if err != nil {
		h.Log.WarnContext(r.Context(), "event will be retried", "event_id", ce.ID, "type", ce.Type, "err", err)
		events.Reply(w, events.Retry)
		return
	}
	h.processed.WithLabelValues(ce.Type, strconv.FormatBool(dup)).Inc()
	h.Log.DebugContext(r.Context(), "event counted", "event_id", ce.ID, "type", ce.Type, "duplicate", dup)
	events.Reply(w, events.Success)
}

// Summary answers GET /api/v1/analytics/summary.
func (h *HTTP) Summary(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "read analytics"); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	s, err := h.Aggregates.Summary(r.Context())
	httpx.Respond(w, r, h.Log, http.StatusOK, s, err)
}

// SectionsView is the answer of GET /api/v1/analytics/sections.
type SectionsView struct {
	Sections []domain.SectionStats `json:"sections"`
	Modules  []domain.ModuleStats  `json:"modules"`
}

// Sections answers GET /api/v1/analytics/sections?semester=: fill and waitlist per
// section and per module.
func (h *HTTP) Sections(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "read analytics"); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	semester := r.URL.Query().Get("semester")
	if len(semester) > 32 {
		httpx.WriteError(w, r, h.Log, errs.InvalidFields("the query has invalid parameters",
			errs.FieldError{Field: "semester", Message: "must be at most 32 characters"}))
		return
	}
	secs, err := h.Aggregates.Sections(r.Context(), semester)
	httpx.Respond(w, r, h.Log, http.StatusOK, SectionsView{Sections: secs, Modules: domain.Modules(secs)}, err)
}

// Timeline answers GET /api/v1/analytics/timeline?minutes=60: per minute, new
// registrations and events by type.
func (h *HTTP) Timeline(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "read analytics"); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	minutes := DefaultMinutes
	if v := r.URL.Query().Get("minutes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxMinutes {
			httpx.WriteError(w, r, h.Log, errs.InvalidFields("the query has invalid parameters",
				errs.FieldError{Field: "minutes", Message: "must be an integer from 1 to " + strconv.Itoa(MaxMinutes)}))
			return
		}
		minutes = n
	}
	tl, err := h.Aggregates.Timeline(r.Context(), minutes)
	httpx.Respond(w, r, h.Log, http.StatusOK, map[string]any{"minutes": tl}, err)
}
