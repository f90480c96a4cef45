// Package dedupe lets an event consumer process each event at most once: it remembers the
// ids (the deterministic CloudEvent ids) of events whose effect has completed.
//
// Dedupe on the id is the fast path only. A re-run workflow activity may publish the same
// fact under a new id, so every effect must also be guarded by its own business key.
package dedupe

import (
	"context"
	"errors"
	"fmt"
	"time"

	dapr "github.com/dapr/go-sdk/client"
)

// StateClient is the part of the Dapr client the inbox uses.
type StateClient interface {
	GetState(ctx context.Context, storeName, key string, meta map[string]string) (*dapr.StateItem, error)
	SaveState(ctx context.Context, storeName, key string, data []byte, meta map[string]string, so ...dapr.StateOption) error
}

// Inbox records processed event ids of one consumer in a Dapr state store.
type Inbox struct {
	client   func(context.Context) (StateClient, error)
	store    string
	consumer string
	ttl      time.Duration
}

// NewInbox returns an inbox for consumer in the state store named store. Records expire
// after ttl (redelivery after that long is not expected).
func NewInbox(client func(context.Context) (StateClient, error), store, consumer string, ttl time.Duration) *Inbox {
	return &Inbox{client: client, store: store, consumer: consumer, ttl: ttl}
}

// ErrEmptyID refuses events without an id: they cannot be deduplicated.
var ErrEmptyID = errors.New("event has no id")

// Process runs effect unless eventID was processed before, then records it. It reports
// whether the event was a duplicate. A failed effect is not recorded, so a redelivery tries
// again; a crash between effect and record re-runs an effect that must be idempotent anyway.
func (in *Inbox) Process(ctx context.Context, eventID string, effect func(context.Context) error) (duplicate bool, err error) {
	if eventID == "" {
		return false, ErrEmptyID
	}
	c, err := in.client(ctx)
	if err != nil {
		return false, err
	}
	key := "processed:" + in.consumer + ":" + eventID
	item, err := c.GetState(ctx, in.store, key, nil)
	if err != nil {
		return false, fmt.Errorf("inbox lookup: %w", err)
	}
	if item != nil && len(item.Value) > 0 {
		return true, nil
	}
	if err := effect(ctx); err != nil {
		return false, err
	}
	meta := map[string]string{"ttlInSeconds": fmt.Sprint(int(in.ttl.Seconds()))}
	// First-write: of two instances handling the same event at once, one record wins; the
	// loser's error makes its delivery retry, and the retry finds the record.
	if err := c.SaveState(ctx, in.store, key, []byte(`{"at":"`+time.Now().UTC().Format(time.RFC3339Nano)+`"}`), meta,
		dapr.WithConcurrency(dapr.StateConcurrencyFirstWrite), dapr.WithConsistency(dapr.StateConsistencyStrong)); err != nil {
		return false, fmt.Errorf("inbox record: %w", err)
	}
	return false, nil
}
