// Package outbox implements the transactional outbox: events are rows written in the same
// PostgreSQL transaction as the state change they announce, and a relay publishes them
// through the Dapr sidecar with the row's id as the CloudEvent id.
package outbox

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/internal/platform/pgdb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrate creates the outbox table in the app's database. It keeps its own version table so
// it never collides with the app's migrations.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return err
	}
	return pgdb.MigrateTable(ctx, pool, sub, "outbox_schema_version")
}

// Event is one domain event to publish.
type Event struct {
	Topic       string // pub/sub topic
	Type        string // versioned event type, e.g. "student.created.v1"; the CloudEvent type
	AggregateID string // the id of the thing the event is about
	Data        any    // marshalled to JSON: ids and facts, never personal data
}

// Add writes events into the outbox inside tx; they are published only if tx commits.
// It returns the event ids (time-ordered UUIDv7), which are also the CloudEvent ids.
func Add(ctx context.Context, tx pgx.Tx, events ...Event) ([]string, error) {
	ids := make([]string, 0, len(events))
	for _, e := range events {
		id, err := uuid.NewV7()
		if err != nil {
			return nil, fmt.Errorf("outbox id: %w", err)
		}
		payload, err := json.Marshal(e.Data)
		if err != nil {
			return nil, fmt.Errorf("outbox payload for %s: %w", e.Type, err)
		}
		if _, err := tx.Exec(ctx, `INSERT INTO outbox (id, topic, event_type, aggregate_id, payload)
			VALUES ($1, $2, $3, $4, $5)`, id, e.Topic, e.Type, e.AggregateID, payload); err != nil {
			return nil, fmt.Errorf("outbox insert %s: %w", e.Type, err)
		}
		ids = append(ids, id.String())
	}
	return ids, nil
}

// Publisher publishes one event with a fixed CloudEvent id and type.
type Publisher interface {
	Publish(ctx context.Context, topic, id, eventType string, data []byte) error
}

// Relay moves pending outbox rows to the broker. Several relays (app instances) may run at
// once: each claims rows with FOR UPDATE SKIP LOCKED, so a row is published by one of them
// at a time, and at least once in all.
type Relay struct {
	Pool      *pgxpool.Pool
	Publisher Publisher
	Log       *slog.Logger
	// PollInterval is the fallback when a notification is missed (default 2 s).
	PollInterval time.Duration
	// BatchSize caps rows claimed per transaction (default 100).
	BatchSize int
	// PublishTimeout bounds one publish call (default 10 s).
	PublishTimeout time.Duration
	// MaxBackoff caps the wait before a failed row is tried again (default 10 s).
	MaxBackoff time.Duration
	// Concurrency is how many rows of a batch are published at once (default 16). Each
	// publish waits for the broker's confirm, so publishing one by one caps the relay at
	// a few hundred events a second. Events of one aggregate may then leave out of order;
	// consumers order them by aggregateVersion, as they must anyway (brokers reorder too).
	Concurrency int

	published prometheus.Counter
	failed    prometheus.Counter
}

// RegisterMetrics adds the relay's counters to reg.
func (r *Relay) RegisterMetrics(reg prometheus.Registerer) {
	r.published = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "registrar_outbox_published_total", Help: "Outbox rows published."})
	r.failed = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "registrar_outbox_publish_failures_total", Help: "Outbox publish attempts that failed."})
	reg.MustRegister(r.published, r.failed)
}

func (r *Relay) defaults() {
	if r.PollInterval <= 0 {
		r.PollInterval = 2 * time.Second
	}
	if r.BatchSize <= 0 {
		r.BatchSize = 100
	}
	if r.PublishTimeout <= 0 {
		r.PublishTimeout = 10 * time.Second
	}
	if r.MaxBackoff <= 0 {
		r.MaxBackoff = 10 * time.Second
	}
	if r.Concurrency <= 0 {
		r.Concurrency = 16
	}
	if r.published == nil {
		r.RegisterMetrics(prometheus.NewRegistry())
	}
}

// Run relays until ctx ends. It waits on LISTEN outbox and polls as a fallback.
func (r *Relay) Run(ctx context.Context) error {
	r.defaults()
	wake := make(chan struct{}, 1)
	go r.listen(ctx, wake)
	for {
		more, err := r.dispatchBatch(ctx)
		if err != nil && ctx.Err() == nil {
			r.Log.Warn("outbox batch failed", "err", err)
		}
		if ctx.Err() != nil {
			return nil
		}
		if more {
			continue
		}
		select {
		case <-ctx.Done():
			return nil
		case <-wake:
		case <-time.After(r.PollInterval):
		}
	}
}

// listen keeps a LISTEN connection open and signals wake on every notification.
func (r *Relay) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		err := r.listenOnce(ctx, wake)
		if ctx.Err() != nil {
			return
		}
		r.Log.Debug("outbox listener reconnecting", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
}

func (r *Relay) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	// A connection of its own, outside the pool: a listener holds it for as long as the app
	// runs, and must never starve the pool that the relay and the app's requests share.
	conn, err := pgx.ConnectConfig(ctx, r.Pool.Config().ConnConfig.Copy())
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN outbox"); err != nil {
		return err
	}
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return err
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

type pendingRow struct {
	id        uuid.UUID
	topic     string
	eventType string
	payload   []byte
	attempts  int
}

// dispatchBatch claims up to BatchSize due rows, publishes them in order and records the
// outcome. It reports whether a full batch was published (more may be waiting).
func (r *Relay) dispatchBatch(ctx context.Context) (more bool, err error) {
	tx, err := r.Pool.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("begin: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }()

	rows, err := tx.Query(ctx, `SELECT id, topic, event_type, payload, attempts FROM outbox
		WHERE dispatched_at IS NULL AND next_attempt_at <= now()
		ORDER BY created_at LIMIT $1 FOR UPDATE SKIP LOCKED`, r.BatchSize)
	if err != nil {
		return false, fmt.Errorf("claim: %w", err)
	}
	batch, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (pendingRow, error) {
		var x pendingRow
		err := r.Scan(&x.id, &x.topic, &x.eventType, &x.payload, &x.attempts)
		return x, err
	})
	if err != nil {
		return false, fmt.Errorf("claim scan: %w", err)
	}
	if len(batch) == 0 {
		return false, nil
	}

	errsOf := make([]error, len(batch))
	sem := make(chan struct{}, r.Concurrency)
	var wg sync.WaitGroup
	for i, x := range batch {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			pctx, cancel := context.WithTimeout(ctx, r.PublishTimeout)
			defer cancel()
			errsOf[i] = r.Publisher.Publish(pctx, x.topic, x.id.String(), x.eventType, x.payload)
		}()
	}
	wg.Wait()

	var done []uuid.UUID
	var pubErr error
	for i, x := range batch {
		if errsOf[i] == nil {
			done = append(done, x.id)
			continue
		}
		pubErr = errsOf[i]
		r.failed.Inc()
		backoff := min(time.Duration(1<<min(x.attempts, 10))*250*time.Millisecond, r.MaxBackoff)
		if _, err := tx.Exec(ctx, `UPDATE outbox SET attempts = attempts + 1, last_error = $2,
			next_attempt_at = now() + $3::interval WHERE id = $1`,
			x.id, truncate(pubErr.Error(), 500), backoff.String()); err != nil {
			return false, errors.Join(pubErr, err)
		}
	}
	if len(done) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE outbox SET dispatched_at = now(), last_error = NULL
			WHERE id = ANY($1)`, done); err != nil {
			return false, fmt.Errorf("mark dispatched: %w", err)
		}
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("commit: %w", err)
	}
	r.published.Add(float64(len(done)))
	if pubErr != nil {
		return false, fmt.Errorf("publish: %w", pubErr)
	}
	return len(batch) == r.BatchSize, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
