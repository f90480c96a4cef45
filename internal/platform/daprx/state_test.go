package daprx_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/daprx/daprdtest"
)

// testRedisDB keeps adapter tests' state away from `make run`'s (database 0) and the
// end-to-end tests' (9).
const testRedisDB = "12"

type counter struct {
	N int `json:"n"`
}

// Against a real sidecar and Redis: concurrent read-modify-writes of one document lose no
// update, and a nil change writes nothing.
func TestStateDocMutateIsAtomicPerKey(t *testing.T) {
	// The repository's own state store component, on a Redis database of the tests.
	sc := daprdtest.Start(t, "notification", []string{"statestore.yaml", "secretstore.yaml"},
		"REGISTRAR_SECRET_REDIS_HOST=127.0.0.1:6379", "REGISTRAR_SECRET_REDIS_DB="+testRedisDB)
	doc := &daprx.StateDoc[counter]{Store: "statestore", MaxRaces: 200,
		Client: func(context.Context) (daprx.StateClient, error) { return sc.Client, nil }}
	ctx := context.Background()
	k := "statedoc-test:" + uuid.NewString()
	t.Cleanup(func() {
		r := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: 12})
		defer r.Close()
		_ = r.Del(context.Background(), "notification||"+k).Err()
	})
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := doc.Mutate(ctx, k, func(c *counter) (*counter, error) {
				if c == nil {
					c = &counter{}
				}
				c.N++
				return c, nil
			}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, etag, err := doc.Get(ctx, k)
	if err != nil || got == nil || got.N != n || etag == "" {
		t.Fatalf("after %d concurrent increments: %+v %q %v", n, got, etag, err)
	}
	same, err := doc.Mutate(ctx, k, func(c *counter) (*counter, error) { c.N = 999; return nil, nil })
	if err != nil || same.N != n {
		t.Fatalf("a nil change: %+v %v", same, err)
	}
	boom := errors.New("boom")
	if _, err := doc.Mutate(ctx, k, func(*counter) (*counter, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Fatalf("change error: %v", err)
	}
	if missing, _, err := doc.Get(ctx, k+":nothing"); missing != nil || err != nil {
		t.Fatalf("missing key: %+v %v", missing, err)
	}
}
