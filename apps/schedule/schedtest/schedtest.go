// Package schedtest gives the schedule app's tests real servers of their own: a migrated
// PostgreSQL database and a Redis key prefix, both removed when the test ends.
package schedtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/registrar-edu/registrar/apps/schedule/adapters"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
	"github.com/registrar-edu/registrar/internal/platform/pgdb/pgtest"
)

// RedisURL is the Redis server tests use (REGISTRAR_TEST_REDIS overrides it).
func RedisURL() string {
	if u := os.Getenv("REGISTRAR_TEST_REDIS"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// DB creates a database of the test's own with the schedule schema and the outbox, and
// returns its URL and a pool on it.
func DB(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	url, _ := pgtest.NewDB(t)
	pool, err := pgdb.Open(context.Background(), url, adapters.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	if err := outbox.Migrate(context.Background(), pool); err != nil {
		t.Fatal(err)
	}
	return url, pool
}

// Redis returns a client and a key prefix of the test's own; every key under the prefix is
// deleted when the test ends.
func Redis(t testing.TB) (*redis.Client, string) {
	t.Helper()
	opts, err := redis.ParseURL(RedisURL())
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opts)
	if err := c.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	prefix := "registrar:test:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 500).Iterator()
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
		}
		if err := iter.Err(); err != nil {
			t.Errorf("clean redis prefix %s: %v", prefix, err)
		}
		c.Close()
	})
	return c, prefix
}

// Keys lists the keys under prefix (tests check what the gate left behind).
func Keys(t testing.TB, c *redis.Client, prefix string) []string {
	t.Helper()
	keys, err := c.Keys(context.Background(), prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	return keys
}
