// Package adapters connects the payment app to its Dapr sidecar: payment records in a Dapr
// state store, the gateway through a Dapr HTTP output binding.
package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/registrar-edu/registrar/apps/payment/app"
	"github.com/registrar-edu/registrar/apps/payment/domain"
)

// StateClient is the part of the Dapr client the payment store uses.
type StateClient interface {
	GetState(ctx context.Context, storeName, key string, meta map[string]string) (*dapr.StateItem, error)
	SaveStateWithETag(ctx context.Context, storeName, key string, data []byte, etag string, meta map[string]string, so ...dapr.StateOption) error
}

// DaprStatePayments keeps payment records in a Dapr state store (Redis locally), one JSON
// value per registration, written with ETags (first-write for a new record).
type DaprStatePayments struct {
	Client func(context.Context) (StateClient, error)
	Store  string
	// MaxRaces bounds how often Mutate re-reads after losing a race before giving up.
	MaxRaces int
}

var _ app.Payments = (*DaprStatePayments)(nil)

func key(registrationID string) string { return "payment:" + registrationID }

// Get returns the record of registrationID, or nil.
func (d *DaprStatePayments) Get(ctx context.Context, registrationID string) (*domain.Payment, error) {
	p, _, err := d.read(ctx, registrationID)
	return p, err
}

func (d *DaprStatePayments) read(ctx context.Context, registrationID string) (*domain.Payment, string, error) {
	c, err := d.Client(ctx)
	if err != nil {
		return nil, "", err
	}
	item, err := c.GetState(ctx, d.Store, key(registrationID), nil)
	if err != nil {
		return nil, "", fmt.Errorf("read payment %s: %w", registrationID, err)
	}
	if item == nil || len(item.Value) == 0 {
		return nil, "", nil
	}
	var p domain.Payment
	if err := json.Unmarshal(item.Value, &p); err != nil {
		return nil, "", fmt.Errorf("decode payment %s: %w", registrationID, err)
	}
	return &p, item.Etag, nil
}

// Mutate reads, changes and conditionally writes the record (see app.Payments).
func (d *DaprStatePayments) Mutate(ctx context.Context, registrationID string, change func(*domain.Payment) (*domain.Payment, error)) (*domain.Payment, error) {
	races := max(d.MaxRaces, 1)
	for range races {
		cur, etag, err := d.read(ctx, registrationID)
		if err != nil {
			return nil, err
		}
		var input *domain.Payment
		if cur != nil {
			cp := *cur
			cp.Published = append([]string(nil), cur.Published...)
			if cur.Refund != nil {
				r := *cur.Refund
				cp.Refund = &r
			}
			input = &cp
		}
		next, err := change(input)
		if err != nil {
			return nil, err
		}
		if next == nil {
			return cur, nil
		}
		err = d.write(ctx, registrationID, next, etag)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, app.ErrConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("payment %s: %w %d times in a row", registrationID, app.ErrConflict, races)
}

// write saves p if the stored record still has etag (or, with no etag, does not exist yet).
// Dapr reports a lost race differently for ETag and first-write saves (and a retried save
// whose first try landed fails too), so any failed save is checked by reading again: if the
// record moved on, it was a lost race.
func (d *DaprStatePayments) write(ctx context.Context, registrationID string, p *domain.Payment, etag string) error {
	c, err := d.Client(ctx)
	if err != nil {
		return err
	}
	data, err := json.Marshal(p)
	if err != nil {
		return err
	}
	saveErr := c.SaveStateWithETag(ctx, d.Store, key(registrationID), data, etag, nil,
		dapr.WithConcurrency(dapr.StateConcurrencyFirstWrite), dapr.WithConsistency(dapr.StateConsistencyStrong))
	if saveErr == nil {
		return nil
	}
	now, nowEtag, err := d.read(ctx, registrationID)
	if err != nil {
		return fmt.Errorf("save payment %s: %w", registrationID, saveErr)
	}
	if (now == nil) != (etag == "") || nowEtag != etag {
		return app.ErrConflict
	}
	return fmt.Errorf("save payment %s: %w", registrationID, saveErr)
}
