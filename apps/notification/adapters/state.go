// Package adapters connects the notification app to its sidecar: the delivery log and the
// send-rate windows in a Dapr state store, the student and subject apps through service
// invocation, and email through a Dapr output binding.
package adapters

import (
	"context"
	"slices"
	"time"

	"github.com/registrar-edu/registrar/apps/notification/app"
	"github.com/registrar-edu/registrar/apps/notification/domain"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
)

// DaprStateDeliveries keeps the delivery log in a Dapr state store (Redis locally): one
// JSON record per business key (email:<template>:<registration or student id>), written
// with ETags, and per student a list of those keys (a key-value store has no queries).
type DaprStateDeliveries struct {
	Records *daprx.StateDoc[domain.Delivery]
	Index   *daprx.StateDoc[StudentIndex]
}

// StudentIndex lists the delivery keys of one student.
type StudentIndex struct {
	Keys []string `json:"keys"`
}

// NewDaprStateDeliveries returns the delivery log in store.
func NewDaprStateDeliveries(client func(context.Context) (daprx.StateClient, error), store string) *DaprStateDeliveries {
	return &DaprStateDeliveries{Records: &daprx.StateDoc[domain.Delivery]{Client: client, Store: store},
		Index: &daprx.StateDoc[StudentIndex]{Client: client, Store: store}}
}

var _ app.Deliveries = (*DaprStateDeliveries)(nil)

func indexKey(studentID string) string { return "deliveries-of:" + studentID }

// Get returns the record of key, or nil.
func (d *DaprStateDeliveries) Get(ctx context.Context, key string) (*domain.Delivery, error) {
	v, _, err := d.Records.Get(ctx, key)
	return v, err
}

// Mutate changes the record of key (see app.Deliveries). A record about to be created is
// listed under its student first, so a crash in between leaves at worst a listed key
// without a record (skipped), never a record nobody can list.
func (d *DaprStateDeliveries) Mutate(ctx context.Context, key string, change func(*domain.Delivery) (*domain.Delivery, error)) (*domain.Delivery, error) {
	return d.Records.Mutate(ctx, key, func(cur *domain.Delivery) (*domain.Delivery, error) {
		next, err := change(cur)
		if err != nil || next == nil || cur != nil {
			return next, err
		}
		if err := d.list(ctx, next.StudentID, key); err != nil {
			return nil, err
		}
		return next, nil
	})
}

func (d *DaprStateDeliveries) list(ctx context.Context, studentID, key string) error {
	_, err := d.Index.Mutate(ctx, indexKey(studentID), func(cur *StudentIndex) (*StudentIndex, error) {
		if cur == nil {
			cur = &StudentIndex{}
		}
		if slices.Contains(cur.Keys, key) {
			return nil, nil
		}
		cur.Keys = append(cur.Keys, key)
		return cur, nil
	})
	return err
}

// ByStudent lists a student's records, newest first.
func (d *DaprStateDeliveries) ByStudent(ctx context.Context, studentID string) ([]domain.Delivery, error) {
	idx, _, err := d.Index.Get(ctx, indexKey(studentID))
	if err != nil || idx == nil {
		return []domain.Delivery{}, err
	}
	out := make([]domain.Delivery, 0, len(idx.Keys))
	for _, k := range idx.Keys {
		rec, err := d.Get(ctx, k)
		if err != nil {
			return nil, err
		}
		if rec != nil {
			out = append(out, *rec)
		}
	}
	slices.SortStableFunc(out, func(a, b domain.Delivery) int { return b.CreatedAt.Compare(a.CreatedAt) })
	return out, nil
}

// DaprStateRateLimiter keeps each student's send window in the state store, so every
// instance of the app counts against the same limit.
type DaprStateRateLimiter struct {
	Windows *daprx.StateDoc[domain.SendWindow]
	Limit   domain.RateLimit
	Now     func() time.Time
}

var _ app.RateLimiter = (*DaprStateRateLimiter)(nil)

// Reserve takes a slot for key in the student's window, or says when one frees up.
func (r *DaprStateRateLimiter) Reserve(ctx context.Context, studentID, key string) (bool, time.Time, error) {
	var ok bool
	var retryAt time.Time
	_, err := r.Windows.Mutate(ctx, "send-window:"+studentID, func(cur *domain.SendWindow) (*domain.SendWindow, error) {
		if cur == nil {
			cur = &domain.SendWindow{}
		}
		before := len(cur.Slots)
		ok, retryAt = cur.Reserve(key, r.Now(), r.Limit)
		if ok && len(cur.Slots) == before {
			return nil, nil // the key already held its slot
		}
		if !ok {
			return nil, nil
		}
		return cur, nil
	})
	return ok, retryAt, err
}
