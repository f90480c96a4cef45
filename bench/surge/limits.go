package surge

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	scheduleadapters "github.com/registrar-edu/registrar/apps/schedule/adapters"
)

// Limit is the throughput and latency of one operation called as fast as LimitConcurrency
// callers can for LimitTime.
type Limit struct {
	Name    string  `json:"name"`
	What    string  `json:"what"`
	Ops     int     `json:"ops"`
	Errors  int     `json:"errors"`
	OpsPerS float64 `json:"opsPerSecond"`
	Latency Latency `json:"latency"`
}

// hammer runs op from n callers for d and measures it. Calls in flight at the end run to
// completion: cancelling them mid-invocation made daprd 1.16.0 panic (a nil bufio.Writer in
// its response writer after the client went away), so the bench never does.
func hammer(ctx context.Context, name, what string, n int, d time.Duration, op func(context.Context) error) Limit {
	var mu sync.Mutex
	var lats []time.Duration
	var errs atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	end := start.Add(d)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for ctx.Err() == nil && time.Now().Before(end) {
				t := time.Now()
				if err := op(ctx); err != nil {
					errs.Add(1)
					continue
				}
				mine = append(mine, time.Since(t))
			}
			mu.Lock()
			lats = append(lats, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	el := time.Since(start)
	return Limit{Name: name, What: what, Ops: len(lats), Errors: int(errs.Load()),
		OpsPerS: float64(len(lats)) / el.Seconds(), Latency: latencyOf(lats)}
}

// measureLimits times the parts under the platform, one after the other.
func measureLimits(ctx context.Context, c Config, say func(string, ...any)) ([]Limit, error) {
	var out []Limit
	n, d := c.LimitConcurrency, c.LimitTime

	// The seat gate: the schedule app's own adapter, on keys of the bench's own prefix.
	rdb := redis.NewClient(&redis.Options{Addr: c.RedisAddr, DB: c.RedisDB, PoolSize: n * 2})
	defer rdb.Close()
	prefix := "registrar:bench:" + c.RunID + ":seatgate:"
	gate := &scheduleadapters.RedisSeatGate{Client: rdb, Prefix: prefix, FullTTL: time.Minute}
	section := "bench-" + c.RunID
	if ok, err := gate.MarkFull(ctx, section, ""); err != nil || !ok {
		return nil, fmt.Errorf("seat gate: mark the bench section full: %v %v", ok, err)
	}
	say("limit: seat gate check (MGET of flag, marker, epoch) on Redis")
	out = append(out, hammer(ctx, "seat gate check", "RedisSeatGate.Check on a full section: the first thing every hold does, and all a refused loser costs",
		n, d, func(ctx context.Context) error {
			st, err := gate.Check(ctx, section, "reg")
			if err == nil && !st.Full {
				err = fmt.Errorf("the gate lost its flag")
			}
			return err
		}))
	say("limit: raw Redis GET")
	out = append(out, hammer(ctx, "raw redis GET", "one GET of the flag key, same client and pool",
		n, d, func(ctx context.Context) error { return rdb.Get(ctx, gate.FullKey(section)).Err() }))
	if keys, err := rdb.Keys(ctx, prefix+"*").Result(); err == nil && len(keys) > 0 {
		_ = rdb.Del(ctx, keys...).Err()
	}

	// One hot row in PostgreSQL, conditional UPDATE, in a scratch database.
	say("limit: hot-row conditional UPDATE in a scratch PostgreSQL database")
	l, err := hotRow(ctx, c, n, d)
	if err != nil {
		return nil, err
	}
	out = append(out, l)

	// Dapr: a bare invocation through two sidecars (mTLS, access control) and a health probe.
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n * 2}, Timeout: 10 * time.Second}
	get := func(url string) func(context.Context) error {
		return func(ctx context.Context) error {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			resp.Body.Close()
			if resp.StatusCode >= 300 {
				return fmt.Errorf("%s: %d", url, resp.StatusCode)
			}
			return nil
		}
	}
	if c.InvokeSidecarURL != "" {
		say("limit: bare Dapr service invocation")
		out = append(out, hammer(ctx, "dapr invoke", fmt.Sprintf("GET %s/v1.0/invoke/%s/method/%s: caller's sidecar → callee's sidecar (mTLS, access control) → app",
			c.InvokeSidecarURL, c.InvokeApp, c.InvokePath), n, d,
			get(c.InvokeSidecarURL+"/v1.0/invoke/"+c.InvokeApp+"/method/"+strings.TrimPrefix(c.InvokePath, "/"))))
		out = append(out, hammer(ctx, "dapr healthz", "GET /v1.0/healthz on the same sidecar (no hop)", n, d,
			get(c.InvokeSidecarURL+"/v1.0/healthz")))
	}
	if c.PublishSidecarURL != "" {
		say("limit: bare publish to a scratch topic")
		topic := "bench-scratch-" + c.RunID
		url := c.PublishSidecarURL + "/v1.0/publish/" + c.PubSub + "/" + topic
		out = append(out, hammer(ctx, "dapr publish", fmt.Sprintf("POST %s (topic nobody subscribes; broker confirms)", url), n, d,
			func(ctx context.Context) error {
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{"bench":true}`))
				req.Header.Set("Content-Type", "application/json")
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				resp.Body.Close()
				if resp.StatusCode >= 300 {
					return fmt.Errorf("publish: %d", resp.StatusCode)
				}
				return nil
			}))
	}
	return out, nil
}

func hotRow(ctx context.Context, c Config, n int, d time.Duration) (Limit, error) {
	admin, err := pgx.Connect(ctx, c.AdminDB)
	if err != nil {
		return Limit{}, fmt.Errorf("scratch database: %w", err)
	}
	defer admin.Close(context.Background())
	name := "registrar_bench_scratch_" + strings.ToLower(strings.NewReplacer("-", "_").Replace(c.RunID))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return Limit{}, fmt.Errorf("create scratch database: %w", err)
	}
	defer func() { _, _ = admin.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") }()
	cfg, err := pgxpool.ParseConfig(c.AdminDB)
	if err != nil {
		return Limit{}, err
	}
	cfg.ConnConfig.Database = name
	cfg.MaxConns = int32(n)
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return Limit{}, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `CREATE TABLE hot (id int PRIMARY KEY, taken bigint NOT NULL, capacity bigint NOT NULL);
		INSERT INTO hot VALUES (1, 0, 9223372036854775807)`); err != nil {
		return Limit{}, err
	}
	return hammer(ctx, "postgres hot row", "UPDATE hot SET taken = taken + 1 WHERE id = 1 AND taken < capacity (one row, autocommit)", n, d,
		func(ctx context.Context) error {
			tag, err := pool.Exec(ctx, `UPDATE hot SET taken = taken + 1 WHERE id = 1 AND taken < capacity`)
			if err == nil && tag.RowsAffected() != 1 {
				err = fmt.Errorf("hot row not updated")
			}
			return err
		}), nil
}
