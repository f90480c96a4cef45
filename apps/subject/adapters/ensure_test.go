package adapters_test

import (
	"context"
	"testing"

	"github.com/registrar-edu/registrar/apps/subject/adapters"
	"github.com/registrar-edu/registrar/internal/platform/mongodb/mongotest"
)

// TestEnsureIndexesIsIdempotent: every app start runs it against the same database.
func TestEnsureIndexesIsIdempotent(t *testing.T) {
	db := mongotest.NewDB(t)
	for i := range 3 {
		if err := adapters.EnsureIndexes(context.Background(), db); err != nil {
			t.Fatalf("start %d: %v", i+1, err)
		}
	}
}
