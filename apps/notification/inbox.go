package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// welcome is the record of one student's welcome notification, keyed by the business key
// (one welcome per student) so that even a republished event with a new id changes nothing.
type welcome struct {
	StudentID  string    `json:"studentId"`
	EventID    string    `json:"eventId"`
	Programme  string    `json:"programme"`
	ReceivedAt time.Time `json:"receivedAt"`
}

type studentCreated struct {
	StudentID        string `json:"studentId"`
	Programme        string `json:"programme"`
	YearOfStudy      int    `json:"yearOfStudy"`
	AggregateVersion int    `json:"aggregateVersion"`
}

// welcomes consumes StudentCreated and records the welcome to send.
type welcomes struct {
	sidecar *daprx.Sidecar
	store   string
	inbox   *dedupe.Inbox
	log     *slog.Logger

	received  *prometheus.CounterVec
	mu        sync.Mutex
	delivered map[string]int // deliveries per event id since start, shown to tests and operators
}

func (h *welcomes) key(studentID string) string { return "welcome:" + studentID }

// OnStudentCreated handles one delivery of student.created.v1.
func (h *welcomes) OnStudentCreated(w http.ResponseWriter, r *http.Request) {
	ce, err := events.Decode(r)
	if err != nil {
		h.log.WarnContext(r.Context(), "undecodable delivery dropped", "err", err)
		events.Reply(w, events.Drop)
		return
	}
	var data studentCreated
	if err := json.Unmarshal(ce.Data, &data); err != nil || data.StudentID == "" {
		h.log.WarnContext(r.Context(), "malformed student.created dropped", "event_id", ce.ID)
		events.Reply(w, events.Drop)
		return
	}
	h.mu.Lock()
	h.delivered[ce.ID]++
	h.mu.Unlock()

	dup, err := h.inbox.Process(r.Context(), ce.ID, func(ctx context.Context) error {
		return h.recordWelcome(ctx, ce.ID, data)
	})
	switch {
	case errors.Is(err, dedupe.ErrEmptyID):
		events.Reply(w, events.Drop)
	case err != nil:
		h.log.WarnContext(r.Context(), "student.created will be retried", "event_id", ce.ID, "err", err)
		events.Reply(w, events.Retry)
	default:
		h.received.WithLabelValues(ce.Type, fmt.Sprint(dup)).Inc()
		h.log.InfoContext(r.Context(), "student.created processed", "event_id", ce.ID,
			"student_id", data.StudentID, "duplicate", dup)
		events.Reply(w, events.Success)
	}
}

// recordWelcome stores the welcome once per student: a first write that finds the record
// already there is a repeat, not an error.
func (h *welcomes) recordWelcome(ctx context.Context, eventID string, data studentCreated) error {
	c, err := h.sidecar.Client(ctx)
	if err != nil {
		return err
	}
	existing, err := c.GetState(ctx, h.store, h.key(data.StudentID), nil)
	if err != nil {
		return fmt.Errorf("read welcome: %w", err)
	}
	if existing != nil && len(existing.Value) > 0 {
		return nil
	}
	rec, _ := json.Marshal(welcome{StudentID: data.StudentID, EventID: eventID, Programme: data.Programme,
		ReceivedAt: time.Now().UTC()})
	return c.SaveState(ctx, h.store, h.key(data.StudentID), rec, nil,
		dapr.WithConcurrency(dapr.StateConcurrencyFirstWrite))
}

// welcomeView is what GET /api/v1/notifications/welcomes/{studentId} shows.
type welcomeView struct {
	welcome
	Deliveries int `json:"deliveries"`
}

// GetWelcome shows the welcome recorded for a student and how often its event arrived.
func (h *welcomes) GetWelcome(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["studentId"]
	c, err := h.sidecar.Client(r.Context())
	if err != nil {
		httpx.WriteError(w, r, h.log, errs.Wrap(errs.Unavailable, err, "state store unavailable"))
		return
	}
	item, err := c.GetState(r.Context(), h.store, h.key(id), nil)
	if err != nil {
		httpx.WriteError(w, r, h.log, errs.Wrap(errs.Unavailable, err, "state store unavailable"))
		return
	}
	if item == nil || len(item.Value) == 0 {
		httpx.WriteError(w, r, h.log, errs.E(errs.NotFound, "no welcome recorded for this student"))
		return
	}
	var v welcomeView
	if err := json.Unmarshal(item.Value, &v.welcome); err != nil {
		httpx.WriteError(w, r, h.log, fmt.Errorf("decode welcome: %w", err))
		return
	}
	h.mu.Lock()
	v.Deliveries = h.delivered[v.EventID]
	h.mu.Unlock()
	httpx.WriteJSON(w, http.StatusOK, v)
}
