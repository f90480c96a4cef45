package main

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// liveUpdate is the data of notification.update.v1 (contracts/events).
type liveUpdate struct {
	StudentID      string `json:"studentId"`
	RegistrationID string `json:"registrationId,omitempty"`
	SectionID      string `json:"sectionId,omitempty"`
	ModuleCode     string `json:"moduleCode,omitempty"`
	Status         string `json:"status,omitempty"`
	Reason         string `json:"reason,omitempty"`
	SourceType     string `json:"sourceType"`
	Version        int    `json:"aggregateVersion"`
	OccurredAt     string `json:"occurredAt"`
}

// streamMessage is the data of one SSE `update` (CONTRACTS.md): the student id stays out.
type streamMessage struct {
	Type           string `json:"type"`
	RegistrationID string `json:"registrationId,omitempty"`
	SectionID      string `json:"sectionId,omitempty"`
	ModuleCode     string `json:"moduleCode,omitempty"`
	Status         string `json:"status,omitempty"`
	Reason         string `json:"reason,omitempty"`
	Version        int    `json:"aggregateVersion,omitempty"`
	OccurredAt     string `json:"occurredAt"`
}

// frame is one SSE message ready to write.
type frame []byte

// hub fans live updates out to the streams open on this gateway instance, by student.
// Every instance receives every update (its own queue), so a student's streams may be on
// any instance.
type hub struct {
	mu      sync.Mutex
	streams map[string]map[*stream]struct{}
	closed  bool
	// seen remembers recent update ids: a redelivered update is not sent twice.
	seen     map[string]struct{}
	seenRing []string
	next     int
}

// stream is one open SSE connection.
type stream struct {
	out  chan frame
	done chan struct{} // closed when the hub drops the stream (too slow, or shutting down)
	once sync.Once
}

func (s *stream) drop() { s.once.Do(func() { close(s.done) }) }

func newHub(remember int) *hub {
	return &hub{streams: map[string]map[*stream]struct{}{}, seen: map[string]struct{}{}, seenRing: make([]string, remember)}
}

// open registers a stream for student; it fails if the student has too many open.
func (h *hub) open(student string, max int) (*stream, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.streams[student]) >= max {
		return nil, false
	}
	s := &stream{out: make(chan frame, 32), done: make(chan struct{})}
	if h.streams[student] == nil {
		h.streams[student] = map[*stream]struct{}{}
	}
	h.streams[student][s] = struct{}{}
	return s, true
}

func (h *hub) close(student string, s *stream) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.streams[student], s)
	if len(h.streams[student]) == 0 {
		delete(h.streams, student)
	}
}

// publish hands f to every stream of student; a stream too slow to take it is dropped
// (its client reconnects) rather than holding memory or the delivery. It reports how many
// streams took it; a repeated id reaches nobody (-1).
func (h *hub) publish(student, id string, f frame) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, dup := h.seen[id]; dup {
		return -1
	}
	if old := h.seenRing[h.next]; old != "" {
		delete(h.seen, old)
	}
	h.seenRing[h.next], h.seen[id] = id, struct{}{}
	h.next = (h.next + 1) % len(h.seenRing)
	n := 0
	for s := range h.streams[student] {
		select {
		case s.out <- f:
			n++
		default:
			s.drop()
		}
	}
	return n
}

// shutdown ends every stream, so the server's graceful shutdown is not held up by them.
func (h *hub) shutdown() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for _, ss := range h.streams {
		for s := range ss {
			s.drop()
		}
	}
}

// count reports the open streams.
func (h *hub) count() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	n := 0
	for _, ss := range h.streams {
		n += len(ss)
	}
	return n
}

// streamer serves GET /api/v1/stream and receives the updates from the gateway's sidecar.
type streamer struct {
	hub       *hub
	log       *slog.Logger
	keepAlive time.Duration
	maxAge    time.Duration // a stream ends after this long; the client reconnects with a fresh token
	maxPer    int           // open streams per student
	appToken  string        // the sidecar's app API token; empty refuses every delivery
	delivered *prometheus.CounterVec
}

func newStreamer(h *hub, log *slog.Logger, reg prometheus.Registerer, keepAlive, maxAge time.Duration, maxPer int, appToken string) *streamer {
	s := &streamer{hub: h, log: log, keepAlive: keepAlive, maxAge: maxAge, maxPer: maxPer, appToken: appToken,
		delivered: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "registrar_gateway_live_updates_total",
			Help: "Live updates received from the sidecar, by outcome (streamed, no-stream, duplicate, refused, malformed)."},
			[]string{"outcome"})}
	reg.MustRegister(s.delivered, prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "registrar_gateway_open_streams",
		Help: "Server-sent event streams open on this instance."}, func() float64 { return float64(h.count()) }))
	if appToken == "" {
		log.Warn("APP_API_TOKEN is not set: live updates from the sidecar are refused")
	}
	return s
}

// Stream serves the caller's live updates as server-sent events: `event: ready` first, one
// `event: update` per update about the caller, a keep-alive comment every keepAlive.
func (s *streamer) Stream(w http.ResponseWriter, r *http.Request) {
	p, _ := principalFrom(r.Context())
	if p.Role != authz.Student || p.StudentID == "" {
		httpx.WriteError(w, r, s.log, errs.E(errs.Forbidden, "live updates are for students"))
		return
	}
	st, ok := s.hub.open(p.StudentID, s.maxPer)
	if !ok {
		w.Header().Set("Retry-After", "30")
		httpx.WriteError(w, r, s.log, errs.E(errs.TooManyRequests, "too many open streams for this student"))
		return
	}
	defer s.hub.close(p.StudentID, st)

	rc := http.NewResponseController(w)
	// A stream outlives any write deadline a server might set for ordinary answers.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-store")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no") // proxies in front must not buffer the stream
	w.WriteHeader(http.StatusOK)
	write := func(b []byte) bool {
		if _, err := w.Write(b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	if !write([]byte("retry: 3000\nevent: ready\ndata: {}\n\n")) {
		return
	}
	tick := time.NewTicker(s.keepAlive)
	defer tick.Stop()
	end := time.NewTimer(s.maxAge)
	defer end.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-st.done:
			return
		case <-end.C:
			return
		case <-tick.C:
			if !write([]byte(": keep-alive\n\n")) {
				return
			}
		case f := <-st.out:
			if !write(f) {
				return
			}
		}
	}
}

// OnUpdate receives one notification.update.v1 from the gateway's sidecar and fans it out.
// The gateway's port is public, so a delivery must carry the sidecar's app API token.
func (s *streamer) OnUpdate(w http.ResponseWriter, r *http.Request) {
	if s.appToken == "" || subtle.ConstantTimeCompare([]byte(r.Header.Get("dapr-api-token")), []byte(s.appToken)) != 1 {
		s.delivered.WithLabelValues("refused").Inc()
		httpx.WriteError(w, r, s.log, errs.E(errs.Unauthorized, "event deliveries come from the gateway's sidecar only"))
		return
	}
	ce, err := events.Decode(r)
	var u liveUpdate
	if err == nil {
		err = json.Unmarshal(ce.Data, &u)
	}
	if err != nil || ce.ID == "" || u.StudentID == "" || u.SourceType == "" {
		s.delivered.WithLabelValues("malformed").Inc()
		s.log.WarnContext(r.Context(), "malformed live update dropped", "event_id", ce.ID, "err", err)
		events.Reply(w, events.Drop)
		return
	}
	data, _ := json.Marshal(streamMessage{Type: u.SourceType, RegistrationID: u.RegistrationID, SectionID: u.SectionID,
		ModuleCode: u.ModuleCode, Status: u.Status, Reason: u.Reason, Version: u.Version, OccurredAt: u.OccurredAt})
	f := frame(fmt.Sprintf("id: %s\nevent: update\ndata: %s\n\n", sseField(ce.ID), data))
	switch n := s.hub.publish(u.StudentID, ce.ID, f); {
	case n > 0:
		s.delivered.WithLabelValues("streamed").Inc()
	case n < 0:
		s.delivered.WithLabelValues("duplicate").Inc()
	default:
		s.delivered.WithLabelValues("no-stream").Inc()
	}
	events.Reply(w, events.Success)
}

// sseField keeps a value on one SSE line.
func sseField(v string) string {
	out := []rune{}
	for _, r := range v {
		if r != '\n' && r != '\r' {
			out = append(out, r)
		}
	}
	return string(out)
}
