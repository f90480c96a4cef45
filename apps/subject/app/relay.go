package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Outbox is the store's view of pending events: the documents that carry some, and the
// removal of exactly the ones published.
type Outbox interface {
	// Pending returns up to limit documents that carry pending events, each with its events
	// in the order they were written.
	Pending(ctx context.Context, limit int) ([]PendingDocument, error)
	// Remove takes the events with the given ids out of one document's pending events,
	// leaving any written since untouched.
	Remove(ctx context.Context, documentID string, eventIDs []string) error
}

// PendingDocument is one document's pending events.
type PendingDocument struct {
	ID     string
	Events []PendingEvent
}

// Publisher publishes one event with a fixed CloudEvent id and type (daprx.Publisher).
type Publisher interface {
	Publish(ctx context.Context, topic, id, eventType string, data []byte) error
}

// Relay publishes the events pending in the catalogue's documents and then removes them.
// Delivery is at least once: a crash between publish and removal, or two app instances
// relaying the same document, publishes an event again with the same CloudEvent id, on
// which consumers dedupe.
type Relay struct {
	Outbox    Outbox
	Publisher Publisher
	Log       *slog.Logger
	// PollInterval is the fallback when no wake-up arrives (default 2 s).
	PollInterval time.Duration
	// BatchSize caps documents read per round (default 50).
	BatchSize int
	// PublishTimeout bounds one publish call (default 10 s).
	PublishTimeout time.Duration
	// MaxBackoff caps the wait after a failed publish (default 10 s).
	MaxBackoff time.Duration

	wake      chan struct{}
	published prometheus.Counter
	failed    prometheus.Counter
}

// NewRelay returns a relay with its defaults set.
func NewRelay(o Outbox, p Publisher, log *slog.Logger) *Relay {
	r := &Relay{Outbox: o, Publisher: p, Log: log, PollInterval: 2 * time.Second, BatchSize: 50,
		PublishTimeout: 10 * time.Second, MaxBackoff: 10 * time.Second, wake: make(chan struct{}, 1)}
	r.RegisterMetrics(prometheus.NewRegistry())
	return r
}

// RegisterMetrics adds the relay's counters to reg.
func (r *Relay) RegisterMetrics(reg prometheus.Registerer) {
	r.published = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "registrar_pending_events_published_total", Help: "Pending document events published."})
	r.failed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "registrar_pending_events_publish_failures_total", Help: "Pending document event publishes that failed."})
	reg.MustRegister(r.published, r.failed)
}

// Wake asks the relay to look for pending events now rather than at its next poll.
func (r *Relay) Wake() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// Run relays until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	failures := 0
	for {
		more, err := r.RelayOnce(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := r.PollInterval
		switch {
		case err != nil:
			failures++
			wait = min(time.Duration(1<<min(failures, 10))*250*time.Millisecond, r.MaxBackoff)
			r.Log.Warn("relaying pending events failed", "err", err, "retry_in", wait.String())
		case more:
			failures = 0
			continue
		default:
			failures = 0
		}
		select {
		case <-ctx.Done():
			return nil
		case <-r.wake:
		case <-time.After(wait):
		}
	}
}

// RelayOnce publishes the pending events of one batch of documents, in order within each
// document, removing each document's published events. It stops at the first failed
// publish (the broker is most likely down) and leaves that event and the ones after it
// pending. It reports whether a full batch was relayed (more may be waiting).
func (r *Relay) RelayOnce(ctx context.Context) (more bool, err error) {
	docs, err := r.Outbox.Pending(ctx, r.BatchSize)
	if err != nil {
		return false, err
	}
	for _, d := range docs {
		var done []string
		var pubErr error
		for _, e := range d.Events {
			pctx, cancel := context.WithTimeout(ctx, r.PublishTimeout)
			pubErr = r.Publisher.Publish(pctx, e.Topic, e.ID, e.Type, e.Data)
			cancel()
			if pubErr != nil {
				r.failed.Inc()
				break
			}
			done = append(done, e.ID)
		}
		if len(done) > 0 {
			// Removed even when a later event failed, so those published are not sent again.
			if err := r.Outbox.Remove(context.WithoutCancel(ctx), d.ID, done); err != nil {
				return false, err
			}
			r.published.Add(float64(len(done)))
		}
		if pubErr != nil {
			return false, pubErr
		}
	}
	return len(docs) == r.BatchSize, nil
}
