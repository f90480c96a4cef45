// Package pgtest gives adapter tests a real PostgreSQL database of their own, created for
// the test and dropped after it.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/internal/devstack"
)

// ServerURL is the PostgreSQL server tests use (REGISTRAR_TEST_PG overrides it).
func ServerURL() string {
	if u := os.Getenv("REGISTRAR_TEST_PG"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// NewDB creates a uniquely named database, returns its URL and a pool on it, and drops it
// when the test ends.
func NewDB(t testing.TB) (string, *pgxpool.Pool) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "registrar_test_" + strings.ToLower(hex.EncodeToString(b))
	url := strings.Replace(ServerURL(), "/postgres?", "/"+name+"?", 1)
	ctx := context.Background()
	if err := devstack.EnsureDatabase(ctx, url); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		if err := devstack.DropDatabase(context.Background(), url); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	return url, pool
}
