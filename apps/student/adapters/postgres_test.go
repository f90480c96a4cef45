package adapters_test

import (
	"context"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/student/adapters"
	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
	"github.com/registrar-edu/registrar/internal/platform/pgdb/pgtest"
)

func TestCreateWritesStudentAndEventTogether(t *testing.T) {
	ctx := context.Background()
	url, _ := pgtest.NewDB(t)
	pool, err := pgdb.Open(ctx, url, adapters.Migrations())
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := outbox.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	repo := &adapters.PostgresStudents{Pool: pool}
	s, err := domain.NewStudent("7f1b8f1e-2c4e-4a51-9a3a-3a1f0c1d2e3f", "S0001", "Ada", "Lovelace", "ada@x.ac.uk", "CS", 1, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Create(ctx, s); err != nil {
		t.Fatal(err)
	}
	got, err := repo.Get(ctx, s.ID)
	if err != nil || got.StudentNumber != "S0001" {
		t.Fatalf("get: %+v %v", got, err)
	}
	var events int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE aggregate_id = $1 AND event_type = $2`,
		s.ID, domain.EventStudentCreatedV1).Scan(&events); err != nil || events != 1 {
		t.Fatalf("outbox rows %d %v", events, err)
	}

	dup := s
	dup.ID = "0c8e0c59-7d1a-4f1e-8a52-0b9a3c2d1e4f"
	err = repo.Create(ctx, dup)
	if errs.KindOf(err) != errs.Conflict {
		t.Fatalf("duplicate number: %v, want a conflict", err)
	}
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM outbox`).Scan(&events); err != nil || events != 1 {
		t.Fatalf("a refused create left an event: %d rows", events)
	}
	if _, err := repo.Get(ctx, dup.ID); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("get missing: %v", err)
	}
	list, err := repo.List(ctx, app.ListQuery{Programme: "CS", Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("list %v %v", list, err)
	}
}
