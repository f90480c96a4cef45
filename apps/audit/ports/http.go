// Package ports is the audit app's edge: the event deliveries of every topic and the
// staff API that lists and verifies the chain.
package ports

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/audit/domain"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// Log is the audit chain the handlers append to and read.
type Log interface {
	// Append seals e at the head of the chain; an event already in it changes nothing.
	Append(ctx context.Context, e domain.Event) (entry domain.Entry, duplicate bool, err error)
	// Verify recomputes the chain and names its first broken entry.
	Verify(ctx context.Context) (domain.Report, error)
	// Entries lists up to limit entries after seq after.
	Entries(ctx context.Context, after int64, limit int) ([]domain.Entry, error)
}

// HTTP holds the audit app's handlers.
type HTTP struct {
	Log      Log
	Logger   *slog.Logger
	appended *prometheus.CounterVec
}

// NewHTTP returns the handlers and registers their metrics.
func NewHTTP(l Log, logger *slog.Logger, reg prometheus.Registerer) *HTTP {
	h := &HTTP{Log: l, Logger: logger, appended: prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "registrar_audit_events_total", Help: "Events delivered to the audit log, by topic and whether they were duplicates.",
	}, []string{"topic", "duplicate"})}
	reg.MustRegister(h.appended)
	return h
}

// OnEvent appends one delivery, of any topic, to the chain. A delivery that is no
// CloudEvent or has no id is poison (dead-lettered); a database error is retried.
func (h *HTTP) OnEvent(w http.ResponseWriter, r *http.Request) {
	ce, err := events.Decode(r)
	if err != nil || ce.ID == "" {
		h.Logger.WarnContext(r.Context(), "undecodable delivery dropped", "err", err)
		events.Reply(w, events.Drop)
		return
	}
	entry, dup, err := h.Log.Append(r.Context(), domain.Event{ID: ce.ID, Type: ce.Type, Topic: ce.Topic, Data: ce.Data})
	switch {
	case errors.Is(err, domain.ErrNoEventID):
		events.Reply(w, events.Drop)
	case err != nil:
		h.Logger.WarnContext(r.Context(), "audit append will be retried", "event_id", ce.ID, "err", err)
		events.Reply(w, events.Retry)
	default:
		h.appended.WithLabelValues(ce.Topic, strconv.FormatBool(dup)).Inc()
		h.Logger.InfoContext(r.Context(), "event audited", "event_id", ce.ID, "type", ce.Type, "seq", entry.Seq, "duplicate", dup)
		events.Reply(w, events.Success)
	}
}

// Verify answers GET /api/v1/audit/verify: whether the chain is intact, and if not, the
// first entry (seq and event id) at which it breaks.
func (h *HTTP) Verify(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "read the audit log"); err != nil {
		httpx.WriteError(w, r, h.Logger, err)
		return
	}
	rep, err := h.Log.Verify(r.Context())
	if err != nil {
		httpx.WriteError(w, r, h.Logger, err)
		return
	}
	if !rep.Intact {
		h.Logger.ErrorContext(r.Context(), "audit chain broken", "seq", rep.FirstBroken.Seq,
			"event_id", rep.FirstBroken.EventID, "reason", rep.FirstBroken.Reason)
	}
	httpx.WriteJSON(w, http.StatusOK, rep)
}

// EntryView is one entry as the API shows it.
type EntryView struct {
	Seq        int64           `json:"seq"`
	EventID    string          `json:"eventId"`
	Type       string          `json:"type"`
	Topic      string          `json:"topic"`
	Data       json.RawMessage `json:"data"`
	ReceivedAt time.Time       `json:"receivedAt"`
	PrevHash   string          `json:"prevHash"`
	Hash       string          `json:"hash"`
}

// Events answers GET /api/v1/audit/events?after=&limit=: entries in seq order; next is
// the after of the following page, "" once the head is reached.
func (h *HTTP) Events(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "read the audit log"); err != nil {
		httpx.WriteError(w, r, h.Logger, err)
		return
	}
	req, err := page.Parse(r.URL.Query())
	if err != nil {
		httpx.WriteError(w, r, h.Logger, err)
		return
	}
	var after int64
	if req.After != "" {
		if after, err = strconv.ParseInt(req.After, 10, 64); err != nil || after < 0 {
			httpx.WriteError(w, r, h.Logger, errs.InvalidFields("the query has invalid parameters",
				errs.FieldError{Field: "after", Message: "must be a seq (a non-negative integer)"}))
			return
		}
	}
	entries, err := h.Log.Entries(r.Context(), after, req.Limit+1)
	if err != nil {
		httpx.WriteError(w, r, h.Logger, err)
		return
	}
	p := page.Of(req, entries, func(e domain.Entry) string { return strconv.FormatInt(e.Seq, 10) })
	httpx.WriteJSON(w, http.StatusOK, page.Map(p, func(e domain.Entry) EntryView {
		return EntryView{Seq: e.Seq, EventID: e.EventID, Type: e.Type, Topic: e.Topic, Data: e.Data,
			ReceivedAt: e.ReceivedAt, PrevHash: hex.EncodeToString(e.PrevHash), Hash: hex.EncodeToString(e.Hash)}
	}))
}
