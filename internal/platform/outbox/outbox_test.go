package outbox_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb/pgtest"
)

// recorder is a Publisher fake that records what it was asked to publish and can fail.
type recorder struct {
	mu        sync.Mutex
	published map[string]int // event id → times published
	types     map[string]string
	fail      func() error
}

func newRecorder() *recorder {
	return &recorder{published: map[string]int{}, types: map[string]string{}}
}

func (r *recorder) Publish(_ context.Context, _ string, id, eventType string, _ []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(); err != nil {
			return err
		}
	}
	r.published[id]++
	r.types[id] = eventType
	return nil
}

func (r *recorder) count(id string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.published[id]
}

func setup(t *testing.T) *pgxpool.Pool {
	t.Helper()
	_, pool := pgtest.NewDB(t)
	if err := outbox.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return pool
}

func add(t *testing.T, pool *pgxpool.Pool, n int) []string {
	t.Helper()
	var ids []string
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		for i := 0; i < n; i++ {
			got, err := outbox.Add(context.Background(), tx, outbox.Event{Topic: "t", Type: "thing.happened.v1",
				AggregateID: "a", Data: map[string]int{"n": i}})
			if err != nil {
				return err
			}
			ids = append(ids, got...)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func runRelay(t *testing.T, r *outbox.Relay) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func pending(t *testing.T, pool *pgxpool.Pool) int {
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM outbox WHERE dispatched_at IS NULL`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRolledBackTransactionLeavesNoEvent(t *testing.T) {
	pool := setup(t)
	ctx := context.Background()
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := outbox.Add(ctx, tx, outbox.Event{Topic: "t", Type: "x.v1", AggregateID: "a", Data: 1}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if n := pending(t, pool); n != 0 {
		t.Fatalf("%d rows after rollback", n)
	}
}

func TestRelayPublishesWithRowIDAndIsWokenByNotify(t *testing.T) {
	pool := setup(t)
	rec := newRecorder()
	// An hour-long poll: only LISTEN/NOTIFY can wake the relay in time.
	runRelay(t, &outbox.Relay{Pool: pool, Publisher: rec, Log: quiet, PollInterval: time.Hour})
	time.Sleep(200 * time.Millisecond) // let the listener subscribe
	ids := add(t, pool, 3)
	waitFor(t, "three publishes", func() bool { return pending(t, pool) == 0 })
	for _, id := range ids {
		if rec.count(id) != 1 || rec.types[id] != "thing.happened.v1" {
			t.Errorf("event %s published %d times as %q", id, rec.count(id), rec.types[id])
		}
	}
}

func TestFailedPublishIsRetriedWithBackoff(t *testing.T) {
	pool := setup(t)
	rec := newRecorder()
	var mu sync.Mutex
	down := true
	rec.fail = func() error {
		mu.Lock()
		defer mu.Unlock()
		if down {
			return errors.New("broker unavailable")
		}
		return nil
	}
	runRelay(t, &outbox.Relay{Pool: pool, Publisher: rec, Log: quiet, PollInterval: 50 * time.Millisecond, MaxBackoff: 300 * time.Millisecond})
	ids := add(t, pool, 1)
	var attempts int
	var lastErr *string
	waitFor(t, "recorded failures", func() bool {
		_ = pool.QueryRow(context.Background(), `SELECT attempts, last_error FROM outbox WHERE id = $1`, ids[0]).Scan(&attempts, &lastErr)
		return attempts >= 2
	})
	if lastErr == nil || *lastErr != "broker unavailable" {
		t.Errorf("last_error = %v", lastErr)
	}
	mu.Lock()
	down = false
	mu.Unlock()
	waitFor(t, "publish after recovery", func() bool { return pending(t, pool) == 0 })
	if rec.count(ids[0]) != 1 {
		t.Fatalf("published %d times", rec.count(ids[0]))
	}
}

func TestConcurrentRelaysPublishEachRowOnce(t *testing.T) {
	pool := setup(t)
	rec := newRecorder()
	for i := 0; i < 4; i++ {
		runRelay(t, &outbox.Relay{Pool: pool, Publisher: rec, Log: quiet, PollInterval: 20 * time.Millisecond, BatchSize: 7})
	}
	ids := add(t, pool, 300)
	waitFor(t, "all rows dispatched", func() bool { return pending(t, pool) == 0 })
	for _, id := range ids {
		if n := rec.count(id); n != 1 {
			t.Fatalf("event %s published %d times by four relays", id, n)
		}
	}
}
