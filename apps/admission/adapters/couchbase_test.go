package adapters_test

import (
	"context"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/admission/adapters"
	"github.com/registrar-edu/registrar/apps/admission/domain"
)

// openRecords connects to the local Couchbase-protocol mock (make setup starts it) with a
// key prefix of the test's own, and removes the test's documents afterwards.
func openRecords(t *testing.T) (*adapters.CouchbaseRecords, *[]string) {
	t.Helper()
	url := os.Getenv("TEST_COUCHBASE_URL")
	if url == "" {
		url = "couchbase://127.0.0.1:21040"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	recs, err := adapters.OpenCouchbase(ctx, adapters.CouchbaseConfig{URL: url, Username: "Administrator",
		Password: "password", Bucket: "registrar-test", KeyPrefix: "t-" + uuid.NewString()[:8] + "::"})
	if err != nil {
		t.Fatalf("Couchbase mock not reachable (run make setup): %v", err)
	}
	var ids []string
	t.Cleanup(func() {
		for _, id := range ids {
			_, _ = recs.Collection().Remove(recs.Key(id), nil)
		}
		_ = recs.Close()
	})
	return recs, &ids
}

func TestCouchbaseRecordsInsertGetAndNoChange(t *testing.T) {
	recs, ids := openRecords(t)
	ctx := context.Background()
	id := uuid.NewString()
	*ids = append(*ids, id)

	if r, err := recs.Get(ctx, id); err != nil || r != nil {
		t.Fatalf("Get of a missing record = %v, %v; want nil, nil", r, err)
	}
	now := time.Now().UTC().Truncate(time.Millisecond)
	got, err := recs.Mutate(ctx, id, func(r *domain.Record) (*domain.Record, error) {
		if r != nil {
			t.Fatalf("Mutate saw a record before the first write: %+v", r)
		}
		r, _ = domain.NewRecord(domain.Student{StudentID: id, Name: "Ada Lovelace", Programme: "CS"}, now)
		if _, err := r.AddModule(domain.Module{RegistrationID: "r1", ModuleCode: "CS101", Credits: 15}, r.Student, now); err != nil {
			return nil, err
		}
		return r, nil
	})
	if err != nil || got.Version != 1 {
		t.Fatalf("first Mutate = %+v, %v", got, err)
	}
	// The document is keyed by the business id and holds the record as JSON.
	res, err := recs.Collection().Get(recs.Key(id), nil)
	if err != nil {
		t.Fatalf("document %s not found: %v", recs.Key(id), err)
	}
	var doc domain.Record
	if err := res.Content(&doc); err != nil || doc.Name != "Ada Lovelace" || len(doc.Modules) != 1 {
		t.Fatalf("document = %+v, %v", doc, err)
	}
	// change returning nil writes nothing: the CAS stays.
	if _, err := recs.Mutate(ctx, id, func(*domain.Record) (*domain.Record, error) { return nil, nil }); err != nil {
		t.Fatal(err)
	}
	res2, _ := recs.Collection().Get(recs.Key(id), nil)
	if res2.Cas() != res.Cas() {
		t.Fatal("a Mutate that changed nothing wrote the document")
	}
}

// Concurrent writers on one record: every change lands exactly once (compare-and-swap with
// re-read), including the mock's stale-CAS answer (a temporary failure, not a mismatch).
func TestCouchbaseRecordsConcurrentMutateLosesNothing(t *testing.T) {
	recs, ids := openRecords(t)
	ctx := context.Background()
	id := uuid.NewString()
	*ids = append(*ids, id)
	const writers = 12
	var wg sync.WaitGroup
	errc := make(chan error, writers)
	var mu sync.Mutex
	calls := 0
	for i := range writers {
		wg.Go(func() {
			_, err := recs.Mutate(ctx, id, func(r *domain.Record) (*domain.Record, error) {
				mu.Lock()
				calls++
				mu.Unlock()
				now := time.Now().UTC()
				if r == nil {
					r, _ = domain.NewRecord(domain.Student{StudentID: id}, now)
				}
				_, err := r.AddModule(domain.Module{RegistrationID: fmt.Sprintf("reg-%d", i),
					ModuleCode: fmt.Sprintf("CS%03d", 100+i), Credits: 10}, r.Student, now)
				return r, err
			})
			errc <- err
		})
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		if err != nil {
			t.Fatal(err)
		}
	}
	r, err := recs.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Modules) != writers || r.Version != writers || r.TotalCredits() != 10*writers {
		t.Fatalf("after %d concurrent adds: %d modules, version %d, %d credits", writers, len(r.Modules), r.Version, r.TotalCredits())
	}
	if calls <= writers {
		t.Logf("no race was lost this time (%d calls)", calls)
	} else {
		t.Logf("%d changes took %d attempts", writers, calls)
	}
}

func TestCouchbaseRecordsStaleCASIsARaceNotAnError(t *testing.T) {
	recs, ids := openRecords(t)
	ctx := context.Background()
	id := uuid.NewString()
	*ids = append(*ids, id)
	now := time.Now().UTC()
	r, _ := domain.NewRecord(domain.Student{StudentID: id}, now)
	if _, err := recs.Collection().Insert(recs.Key(id), r, nil); err != nil {
		t.Fatal(err)
	}
	// A writer that changes the document between Mutate's read and its write: the first
	// attempt's CAS is stale, the second attempt sees the other change and keeps it.
	// (Retried by gocb's default strategy, the mock's answer would end in a timeout error.)
	first := true
	got, err := recs.Mutate(ctx, id, func(cur *domain.Record) (*domain.Record, error) {
		if first {
			first = false
			other := *cur
			other.Name = "changed meanwhile"
			if _, err := recs.Collection().Upsert(recs.Key(id), &other, nil); err != nil {
				t.Fatal(err)
			}
		}
		cur.Programme = "MATH"
		return cur, nil
	})
	if err != nil {
		t.Fatalf("Mutate after a stale CAS: %v", err)
	}
	if got.Name != "changed meanwhile" || got.Programme != "MATH" {
		t.Fatalf("record = %+v; want both changes", got)
	}
	var doc domain.Record
	res, err := recs.Collection().Get(recs.Key(id), nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Content(&doc)
	if doc.Name != "changed meanwhile" || doc.Programme != "MATH" {
		t.Fatalf("stored = %+v", doc)
	}
}
