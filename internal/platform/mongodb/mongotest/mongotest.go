// Package mongotest gives adapter tests a real MongoDB-protocol database of their own
// (FerretDB locally), dropped when the test ends.
package mongotest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"testing"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/registrar-edu/registrar/internal/platform/mongodb"
)

// ServerURL is the server tests use (REGISTRAR_TEST_MONGODB overrides it).
func ServerURL() string {
	if u := os.Getenv("REGISTRAR_TEST_MONGODB"); u != "" {
		return u
	}
	return "mongodb://127.0.0.1:27017/"
}

// NewDB returns a uniquely named database and drops it when the test ends. It fails the
// test, never skips it, when the server is not reachable.
func NewDB(t testing.TB) *mongo.Database {
	t.Helper()
	ctx := context.Background()
	c, err := mongodb.Connect(ctx, ServerURL())
	if err != nil {
		t.Fatalf("no MongoDB-protocol server on %s: run `make setup` (it builds and starts FerretDB on 127.0.0.1:27017)\n%v", ServerURL(), err)
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	db := c.Database("registrar_test_" + hex.EncodeToString(b))
	t.Cleanup(func() {
		if err := db.Drop(context.Background()); err != nil {
			t.Errorf("drop test database %s: %v", db.Name(), err)
		}
		_ = c.Disconnect(context.Background())
	})
	return db
}
