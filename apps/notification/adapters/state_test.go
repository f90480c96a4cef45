package adapters

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/registrar-edu/registrar/apps/notification/domain"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/daprx/daprdtest"
)

// testRedisDB keeps adapter tests' state away from `make run`'s (database 0) and the
// end-to-end tests' (9).
const testRedisDB = 12

// sidecarState starts a daprd with the repository's own state store component (as the
// notification app, so keys are prefixed "notification||") on the tests' Redis database,
// and returns a tag for the test's ids: every key holding it is deleted afterwards.
func sidecarState(t *testing.T) (func(context.Context) (daprx.StateClient, error), string) {
	t.Helper()
	sc := daprdtest.Start(t, "notification", []string{"statestore.yaml", "secretstore.yaml"},
		"REGISTRAR_SECRET_REDIS_HOST=127.0.0.1:6379", fmt.Sprintf("REGISTRAR_SECRET_REDIS_DB=%d", testRedisDB))
	tag := uuid.NewString()[:8]
	t.Cleanup(func() {
		r := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: testRedisDB})
		defer r.Close()
		ctx := context.Background()
		if keys, err := r.Keys(ctx, "notification||*"+tag+"*").Result(); err == nil && len(keys) > 0 {
			_ = r.Del(ctx, keys...).Err()
		}
	})
	return func(context.Context) (daprx.StateClient, error) { return sc.Client, nil }, tag
}

var t0 = time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)

// The delivery log against a real sidecar and Redis: records by business key, listed per
// student newest first, one attempt at a time per message.
func TestDaprStateDeliveries(t *testing.T) {
	state, tag := sidecarState(t)
	log := NewDaprStateDeliveries(state, "statestore")
	ctx := context.Background()
	s1, r1, r2 := "s1-"+tag, "r1-"+tag, "r2-"+tag
	create := func(reg string, at time.Time) *domain.Delivery {
		n := domain.Notice{EventID: "e-" + reg, SourceType: domain.EventRegistrationConfirmed, StudentID: s1, RegistrationID: reg}
		d, err := log.Mutate(ctx, domain.DeliveryKey(domain.RegistrationConfirmed, n), func(cur *domain.Delivery) (*domain.Delivery, error) {
			if cur != nil {
				t.Fatalf("record %s exists already", reg)
			}
			d, err := domain.NewDelivery(domain.RegistrationConfirmed, n, at)
			return &d, err
		})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	create(r1, t0)
	d2 := create(r2, t0.Add(time.Minute))
	if d2.Key != "email:registration-confirmed:"+r2 {
		t.Fatalf("key %s", d2.Key)
	}
	got, err := log.Get(ctx, d2.Key)
	if err != nil || got == nil || got.Status != domain.Queued || got.RegistrationID != r2 {
		t.Fatalf("%+v %v", got, err)
	}
	list, err := log.ByStudent(ctx, s1)
	if err != nil || len(list) != 2 || list[0].RegistrationID != r2 || list[1].RegistrationID != r1 {
		t.Fatalf("by student: %+v %v", list, err)
	}
	if none, err := log.ByStudent(ctx, "nobody-"+tag); err != nil || len(none) != 0 {
		t.Fatalf("unknown student: %+v %v", none, err)
	}

	// Eight deliveries of one event race for the attempt: exactly one takes it.
	var wg sync.WaitGroup
	var mu sync.Mutex
	won := 0
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := log.Mutate(ctx, d2.Key, func(cur *domain.Delivery) (*domain.Delivery, error) {
				if err := cur.StartAttempt(fmt.Sprint("attempt-", i), t0.Add(2*time.Minute), time.Minute); err != nil {
					return nil, err
				}
				return cur, nil
			})
			if err == nil {
				mu.Lock()
				won++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	got, _ = log.Get(ctx, d2.Key)
	if won != 1 || got.Attempts != 1 || got.LeaseHolder == "" {
		t.Fatalf("%d attempts won the lease; record %+v", won, got)
	}
}

func TestDaprStateRateLimiter(t *testing.T) {
	now := t0
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	state, tag := sidecarState(t)
	s1, s2 := "s1-"+tag, "s2-"+tag
	lim := &DaprStateRateLimiter{Limit: domain.RateLimit{Max: 3, Window: time.Minute}, Now: clock,
		Windows: &daprx.StateDoc[domain.SendWindow]{Client: state, Store: "statestore", TTL: time.Hour}}
	ctx := context.Background()
	// Ten messages for one student at once, from any number of instances: three go now.
	var wg sync.WaitGroup
	allowed := make(chan string, 10)
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok, _, err := lim.Reserve(ctx, s1, fmt.Sprint("k", i))
			if err != nil {
				t.Error(err)
			}
			if ok {
				allowed <- fmt.Sprint("k", i)
			}
		}()
	}
	wg.Wait()
	close(allowed)
	var keys []string
	for k := range allowed {
		keys = append(keys, k)
	}
	if len(keys) != 3 {
		t.Fatalf("%d allowed at once, want 3", len(keys))
	}
	// A retry of an allowed message keeps its slot; a new one waits for the window.
	if ok, _, _ := lim.Reserve(ctx, s1, keys[0]); !ok {
		t.Fatal("retry of an allowed message refused")
	}
	ok, retryAt, err := lim.Reserve(ctx, s1, "late")
	if err != nil || ok || !retryAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("fourth message: %v %v %v", ok, retryAt, err)
	}
	if ok, _, _ := lim.Reserve(ctx, s2, "other"); !ok {
		t.Fatal("another student was limited")
	}
	// Windows expire: a student nothing was sent to for a while leaves nothing behind.
	r := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: testRedisDB})
	defer r.Close()
	if ttl, err := r.TTL(ctx, "notification||send-window:"+s1).Result(); err != nil || ttl <= 0 || ttl > time.Hour {
		t.Fatalf("send window TTL %v %v, want up to an hour", ttl, err)
	}
	mu.Lock()
	now = t0.Add(61 * time.Second)
	mu.Unlock()
	if ok, _, _ := lim.Reserve(ctx, s1, "late"); !ok {
		t.Fatal("the deferred message was refused after the window")
	}
}
