package daprx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	dapr "github.com/dapr/go-sdk/client"
)

// StateClient is the part of the Dapr client a JSON state document needs.
type StateClient interface {
	GetState(ctx context.Context, storeName, key string, meta map[string]string) (*dapr.StateItem, error)
	SaveStateWithETag(ctx context.Context, storeName, key string, data []byte, etag string, meta map[string]string, so ...dapr.StateOption) error
}

// ErrStateConflict is what a conditional write that lost a race returns.
var ErrStateConflict = errors.New("state changed concurrently")

// StateDoc reads and conditionally writes JSON documents of type T in a Dapr state store:
// a read-modify-write that never overwrites a concurrent change (ETag, or first-write for
// a new key).
type StateDoc[T any] struct {
	Client func(context.Context) (StateClient, error)
	Store  string
	// MaxRaces bounds how often Mutate re-reads after losing a race (default 20).
	MaxRaces int
	// TTL, if set, lets the store expire a document that long after its last write.
	TTL time.Duration
}

// Get returns the document at key, or nil, with its ETag.
func (s *StateDoc[T]) Get(ctx context.Context, key string) (*T, string, error) {
	raw, etag, err := s.read(ctx, key)
	if err != nil || raw == nil {
		return nil, etag, err
	}
	v, err := s.decode(key, raw)
	return v, etag, err
}

func (s *StateDoc[T]) read(ctx context.Context, key string) ([]byte, string, error) {
	c, err := s.Client(ctx)
	if err != nil {
		return nil, "", err
	}
	item, err := c.GetState(ctx, s.Store, key, nil)
	if err != nil {
		return nil, "", fmt.Errorf("read %s: %w", key, err)
	}
	if item == nil || len(item.Value) == 0 {
		return nil, "", nil
	}
	return item.Value, item.Etag, nil
}

func (s *StateDoc[T]) decode(key string, raw []byte) (*T, error) {
	var v T
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, fmt.Errorf("decode %s: %w", key, err)
	}
	return &v, nil
}

// Mutate reads the document (nil if none), passes it to change and writes what change
// returns only if the document is unchanged since the read; on a lost race it reads again
// and re-runs change. change returning nil writes nothing. Mutate returns the document as
// stored afterwards. change may modify its argument: it is a fresh decode on every run.
func (s *StateDoc[T]) Mutate(ctx context.Context, key string, change func(*T) (*T, error)) (*T, error) {
	races := s.MaxRaces
	if races <= 0 {
		races = 20
	}
	for range races {
		raw, etag, err := s.read(ctx, key)
		if err != nil {
			return nil, err
		}
		// change may modify its argument: decode twice, keeping what is stored for a nil answer.
		var cur, stored *T
		if raw != nil {
			if cur, err = s.decode(key, raw); err != nil {
				return nil, err
			}
			if stored, err = s.decode(key, raw); err != nil {
				return nil, err
			}
		}
		next, err := change(cur)
		if err != nil {
			return nil, err
		}
		if next == nil {
			return stored, nil
		}
		err = s.write(ctx, key, next, etag)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, ErrStateConflict) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s: %w %d times in a row", key, ErrStateConflict, races)
}

// write saves v if the stored document still has etag (or, with no etag, does not exist).
// Dapr reports a lost race differently for ETag and first-write saves (and a retried save
// whose first try landed fails too), so a failed save is checked by reading again.
func (s *StateDoc[T]) write(ctx context.Context, key string, v *T, etag string) error {
	c, err := s.Client(ctx)
	if err != nil {
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	var meta map[string]string
	if s.TTL > 0 {
		meta = map[string]string{"ttlInSeconds": strconv.Itoa(max(int(s.TTL.Seconds()), 1))}
	}
	saveErr := c.SaveStateWithETag(ctx, s.Store, key, data, etag, meta,
		dapr.WithConcurrency(dapr.StateConcurrencyFirstWrite), dapr.WithConsistency(dapr.StateConsistencyStrong))
	if saveErr == nil {
		return nil
	}
	now, nowEtag, err := s.Get(ctx, key)
	if err != nil {
		return fmt.Errorf("save %s: %w", key, saveErr)
	}
	if (now == nil) != (etag == "") || nowEtag != etag {
		return ErrStateConflict
	}
	return fmt.Errorf("save %s: %w", key, saveErr)
}
