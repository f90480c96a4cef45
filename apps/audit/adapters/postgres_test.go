package adapters_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/audit/adapters"
	"github.com/registrar-edu/registrar/apps/audit/domain"
	"github.com/registrar-edu/registrar/internal/platform/pgdb/pgtest"
)

// setup returns the log as the app works with it (its own role) and a superuser pool on
// the same database, to tamper with what the app cannot.
func setup(t *testing.T) (*adapters.PostgresLog, *pgxpool.Pool) {
	t.Helper()
	url, super := pgtest.NewDB(t)
	ctx := context.Background()
	app, err := adapters.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(app.Close)
	return &adapters.PostgresLog{Pool: app, Now: time.Now}, super
}

func event(i int) domain.Event {
	return domain.Event{ID: fmt.Sprintf("ev-%04d", i), Type: "seat.held.v1", Topic: "seats",
		Data: json.RawMessage(fmt.Sprintf(`{"sectionId": "s-%d", "registrationId": "r-%d", "aggregateVersion": %d}`, i, i, i))}
}

func appendAll(t *testing.T, l *adapters.PostgresLog, n int) {
	t.Helper()
	for i := range n {
		if _, dup, err := l.Append(context.Background(), event(i)); err != nil || dup {
			t.Fatalf("append %d: dup=%v err=%v", i, dup, err)
		}
	}
}

func verify(t *testing.T, l *adapters.PostgresLog) domain.Report {
	t.Helper()
	r, err := l.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestAppendedChainVerifiesIntact(t *testing.T) {
	l, _ := setup(t)
	if r := verify(t, l); !r.Intact || r.Entries != 0 {
		t.Fatalf("empty log judged %+v", r)
	}
	appendAll(t, l, 5)
	r := verify(t, l)
	if !r.Intact || r.Entries != 5 || len(r.Head) != 64 {
		t.Fatalf("intact log judged %+v", r)
	}
	entries, err := l.Entries(context.Background(), 2, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 3 || entries[0].Seq != 3 || entries[0].EventID != "ev-0002" {
		t.Fatalf("entries after 2: %+v", entries)
	}
}

func TestDuplicateDeliveryAddsNothing(t *testing.T) {
	l, super := setup(t)
	appendAll(t, l, 2)
	first, _ := l.Entries(context.Background(), 0, 1)
	again := event(0)
	again.Data = json.RawMessage(`{"other":"body"}`) // same id: the first delivery stands
	e, dup, err := l.Append(context.Background(), again)
	if err != nil || !dup || e.Seq != 1 {
		t.Fatalf("duplicate: entry %+v dup=%v err=%v", e, dup, err)
	}
	var n int
	_ = super.QueryRow(context.Background(), `SELECT count(*) FROM audit_events`).Scan(&n)
	if n != 2 {
		t.Fatalf("%d rows after a duplicate, want 2", n)
	}
	now, _ := l.Entries(context.Background(), 0, 1)
	if string(now[0].Data) != string(first[0].Data) {
		t.Fatalf("the duplicate changed the entry: %s", now[0].Data)
	}
	if r := verify(t, l); !r.Intact {
		t.Fatalf("judged %+v", r.FirstBroken)
	}
}

func TestTamperedRowIsNamed(t *testing.T) {
	for name, sql := range map[string]string{
		"data":        `UPDATE audit_events SET data = jsonb_set(data, '{sectionId}', '"forged"') WHERE seq = 3`,
		"type":        `UPDATE audit_events SET type = 'seat.released.v1' WHERE seq = 3`,
		"received_at": `UPDATE audit_events SET received_at = received_at - interval '1 day' WHERE seq = 3`,
		"deleted":     `DELETE FROM audit_events WHERE seq = 2`,
	} {
		t.Run(name, func(t *testing.T) {
			l, super := setup(t)
			appendAll(t, l, 5)
			if _, err := super.Exec(context.Background(), sql); err != nil {
				t.Fatal(err)
			}
			r := verify(t, l)
			if r.Intact || r.FirstBroken == nil || r.FirstBroken.Seq != 3 || r.FirstBroken.EventID != "ev-0002" {
				t.Fatalf("tampered log judged %+v, first broken %+v", r, r.FirstBroken)
			}
		})
	}
}

func TestConcurrentAppendsKeepOneGapFreeChain(t *testing.T) {
	l, super := setup(t)
	const writers, each = 8, 25
	var wg sync.WaitGroup
	errc := make(chan error, writers*each)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				// Every event is delivered twice, by different writers at once.
				n := (w/2)*each + i
				if _, _, err := l.Append(context.Background(), event(n)); err != nil {
					errc <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	for err := range errc {
		t.Fatal(err)
	}
	var rows, maxSeq, distinct int
	_ = super.QueryRow(context.Background(),
		`SELECT count(*), max(seq), count(DISTINCT event_id) FROM audit_events`).Scan(&rows, &maxSeq, &distinct)
	if want := writers / 2 * each; rows != want || maxSeq != want || distinct != want {
		t.Fatalf("rows %d, max seq %d, distinct events %d; want %d of each", rows, maxSeq, distinct, want)
	}
	if r := verify(t, l); !r.Intact || r.Entries != int64(rows) {
		t.Fatalf("concurrently built chain judged %+v, first broken %+v", r, r.FirstBroken)
	}
}

func TestAppRoleCannotRewriteHistory(t *testing.T) {
	l, _ := setup(t)
	appendAll(t, l, 2)
	ctx := context.Background()
	var role string
	if err := l.Pool.QueryRow(ctx, `SELECT current_user`).Scan(&role); err != nil || role != adapters.AppRole {
		t.Fatalf("the app works as %q (%v), want %s", role, err, adapters.AppRole)
	}
	for _, sql := range []string{
		`UPDATE audit_events SET type = 'forged' WHERE seq = 1`,
		`DELETE FROM audit_events WHERE seq = 2`,
		`TRUNCATE audit_events`,
		`ALTER TABLE audit_events DROP COLUMN hash`,
	} {
		_, err := l.Pool.Exec(ctx, sql)
		if err == nil || !strings.Contains(err.Error(), "42501") && !strings.Contains(err.Error(), "must be owner") {
			t.Errorf("%s: got %v, want permission denied", sql, err)
		}
	}
	if r := verify(t, l); !r.Intact || r.Entries != 2 {
		t.Fatalf("after refused rewrites the log is %+v", r)
	}
}
