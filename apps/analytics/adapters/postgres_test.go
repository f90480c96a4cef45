package adapters_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/analytics/adapters"
	"github.com/registrar-edu/registrar/apps/analytics/domain"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
	"github.com/registrar-edu/registrar/internal/platform/pgdb/pgtest"
)

var t0 = time.Date(2027, 1, 10, 9, 0, 0, 0, time.UTC)

func setup(t *testing.T) *adapters.PostgresAggregates {
	t.Helper()
	_, pool := pgtest.NewDB(t)
	if err := pgdb.Migrate(context.Background(), pool, adapters.Migrations()); err != nil {
		t.Fatal(err)
	}
	return &adapters.PostgresAggregates{Pool: pool, Now: func() time.Time { return t0.Add(5 * time.Minute) }}
}

type delivery struct {
	id, typ string
	fact    domain.Fact
}

func section(id, module string, capacity int) delivery {
	return delivery{"sec-" + id, domain.SectionCreated, domain.Fact{Section: &domain.Section{SectionID: id, ModuleCode: module,
		Semester: "2027-SPR", Capacity: capacity, AggregateVersion: 1}}}
}

// reg is registration reg's version v, of event type typ and status, at t0 + at.
func reg(regID, sectionID, typ, status string, v int64, at time.Duration) delivery {
	return delivery{fmt.Sprintf("%s:%d", regID, v), typ, domain.Fact{Registration: &domain.RegistrationFact{Type: typ,
		RegistrationID: regID, SectionID: sectionID, ModuleCode: "M1", Semester: "2027-SPR", Status: status,
		AggregateVersion: v, OccurredAt: t0.Add(at)}}}
}

func payment(regID, typ string, v int64) delivery {
	return delivery{regID + ":" + typ, typ, domain.Fact{Payment: &domain.PaymentOutcome{Type: typ, RegistrationID: regID,
		AggregateVersion: v, OccurredAt: t0.Add(time.Minute)}}}
}

func apply(t *testing.T, a *adapters.PostgresAggregates, ds ...delivery) {
	t.Helper()
	for _, d := range ds {
		if _, err := a.Apply(context.Background(), d.id, d.typ, d.fact); err != nil {
			t.Fatalf("apply %s: %v", d.id, err)
		}
	}
}

func sectionStats(t *testing.T, a *adapters.PostgresAggregates, id string) domain.SectionStats {
	t.Helper()
	secs, err := a.Sections(context.Background(), "2027-SPR")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secs {
		if s.SectionID == id {
			return s
		}
	}
	t.Fatalf("section %s not listed in %+v", id, secs)
	return domain.SectionStats{}
}

// The story of one section, delivered in order, then again shuffled and with every event
// twice: the figures must be the same.
func story() []delivery {
	return []delivery{
		section("S1", "M1", 4),
		reg("r1", "S1", domain.RegistrationRequested, "PENDING_PAYMENT", 1, 0),
		payment("r1", domain.PaymentConfirmed, 2),
		reg("r1", "S1", domain.RegistrationConfirmed, "CONFIRMED", 2, 10*time.Second),
		reg("r2", "S1", domain.RegistrationRequested, "PENDING_PAYMENT", 1, 0),
		payment("r2", domain.PaymentFailed, 2),
		reg("r2", "S1", domain.RegistrationFailed, "FAILED", 2, 20*time.Second),
		reg("r3", "S1", domain.RegistrationRequested, "PENDING_PAYMENT", 1, time.Minute),
		reg("r3", "S1", domain.RegistrationConfirmed, "CONFIRMED", 2, time.Minute+30*time.Second),
		reg("r4", "S1", domain.RegistrationWaitlisted, "WAITLISTED", 1, 2*time.Minute),
		reg("r5", "S1", domain.RegistrationWaitlisted, "WAITLISTED", 1, 2*time.Minute),
		reg("r5", "S1", domain.WaitlistOffered, "OFFERED", 2, 3*time.Minute),
		reg("r6", "S1", domain.RegistrationWaitlisted, "WAITLISTED", 1, 2*time.Minute),
		reg("r6", "S1", domain.RegistrationDropped, "DROPPED", 2, 3*time.Minute),
		{"u1", "user.created.v1", domain.Fact{}},
	}
}

func checkStory(t *testing.T, a *adapters.PostgresAggregates) {
	t.Helper()
	s := sectionStats(t, a, "S1")
	if s.Capacity == nil || *s.Capacity != 4 || s.Confirmed != 2 || s.Waitlisted != 2 || s.FillRate == nil || *s.FillRate != 0.5 {
		t.Fatalf("section S1: %+v", s)
	}
	sum, err := a.Summary(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if sum.Confirmed != 2 || sum.Capacity != 4 || sum.FillRate != 0.5 || sum.Waitlisted != 2 || sum.Registrations != 6 {
		t.Fatalf("summary: %+v", sum)
	}
	if sum.Payments.Confirmed != 1 || sum.Payments.Failed != 1 || sum.Payments.FailureRate != 0.5 {
		t.Fatalf("payments: %+v", sum.Payments)
	}
	// Two samples, 10 s and 30 s: p50 = 20 s, p95 = 29 s (linear interpolation).
	ttc := sum.TimeToConfirm
	if ttc.Samples != 2 || math.Abs(ttc.P50Seconds-20) > 1e-6 || math.Abs(ttc.P95Seconds-29) > 1e-6 {
		t.Fatalf("time to confirm: %+v", ttc)
	}
	if sum.EventsProcessed != int64(len(story())) || sum.EventsByType["user.created.v1"] != 1 {
		t.Fatalf("events processed %d (%v), want %d", sum.EventsProcessed, sum.EventsByType, len(story()))
	}
	tl, err := a.Timeline(context.Background(), 6)
	if err != nil {
		t.Fatal(err)
	}
	want := []int64{2, 1, 3, 0, 0, 0} // new registrations per minute from t0
	for i, m := range tl {
		if !m.At.Equal(t0.Add(time.Duration(i)*time.Minute)) || m.Registrations != want[i] {
			t.Fatalf("minute %d: %+v, want %d registrations at %v", i, m, want[i], t0.Add(time.Duration(i)*time.Minute))
		}
	}
	if tl[0].Events[domain.RegistrationConfirmed] != 1 || tl[1].Events[domain.PaymentFailed] != 1 {
		t.Fatalf("event counts per minute: %+v %+v", tl[0].Events, tl[1].Events)
	}
}

func TestFiguresFromEventsInOrder(t *testing.T) {
	a := setup(t)
	apply(t, a, story()...)
	checkStory(t, a)
	mods, _ := a.Sections(context.Background(), "")
	if m := domain.Modules(mods); len(m) != 1 || m[0].Confirmed != 2 || m[0].FillRate != 0.5 {
		t.Fatalf("modules: %+v", m)
	}
}

func TestDuplicatesAndReorderingChangeNothing(t *testing.T) {
	a := setup(t)
	ds := story()
	// Newest first, each delivered twice, and one fact republished under a new event id.
	for i := len(ds) - 1; i >= 0; i-- {
		apply(t, a, ds[i], ds[i])
	}
	again := ds[3]
	again.id = "republished"
	dup, err := a.Apply(context.Background(), again.id, again.typ, again.fact)
	if err != nil || dup {
		t.Fatalf("republished: dup=%v err=%v", dup, err)
	}
	dup, err = a.Apply(context.Background(), ds[1].id, ds[1].typ, ds[1].fact)
	if err != nil || !dup {
		t.Fatalf("a redelivery is not reported as duplicate: dup=%v err=%v", dup, err)
	}
	// The republished event is one more processed event but no new fact.
	sum, _ := a.Summary(context.Background())
	if sum.EventsProcessed != int64(len(ds))+1 {
		t.Fatalf("processed %d", sum.EventsProcessed)
	}
	a2 := setup(t)
	apply(t, a2, ds...)
	s1, s2 := sectionStats(t, a, "S1"), sectionStats(t, a2, "S1")
	if s1.Confirmed != s2.Confirmed || s1.Waitlisted != s2.Waitlisted || *s1.Capacity != *s2.Capacity {
		t.Fatalf("reordered %+v, in order %+v", s1, s2)
	}
	sum.EventsProcessed--
	sum.EventsByType[domain.RegistrationConfirmed]--
	checkStoryFigures(t, sum)
}

func checkStoryFigures(t *testing.T, sum domain.Summary) {
	t.Helper()
	if sum.Confirmed != 2 || sum.Waitlisted != 2 || sum.Payments.FailureRate != 0.5 || sum.TimeToConfirm.Samples != 2 ||
		math.Abs(sum.TimeToConfirm.P50Seconds-20) > 1e-6 {
		t.Fatalf("summary after duplicates and reordering: %+v", sum)
	}
}

func TestConcurrentDuplicateDeliveriesCountOnce(t *testing.T) {
	a := setup(t)
	apply(t, a, section("S2", "M2", 10))
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 10 {
				d := reg(fmt.Sprintf("c%d", i), "S2", domain.RegistrationConfirmed, "CONFIRMED", 2, time.Second)
				if _, err := a.Apply(context.Background(), d.id, d.typ, d.fact); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if s := sectionStats(t, a, "S2"); s.Confirmed != 10 || *s.FillRate != 1 {
		t.Fatalf("section S2: %+v", s)
	}
}

func TestAnOlderStateNeverOverwritesANewerOne(t *testing.T) {
	a := setup(t)
	apply(t, a, section("S3", "M1", 2),
		reg("d1", "S3", domain.RegistrationDropped, "DROPPED", 3, 2*time.Minute),
		reg("d1", "S3", domain.RegistrationConfirmed, "CONFIRMED", 2, time.Minute),
		reg("d1", "S3", domain.RegistrationRequested, "PENDING_PAYMENT", 1, 0))
	if s := sectionStats(t, a, "S3"); s.Confirmed != 0 {
		t.Fatalf("a dropped registration counts as confirmed: %+v", s)
	}
	sum, _ := a.Summary(context.Background())
	if sum.ByStatus["DROPPED"] != 1 || sum.TimeToConfirm.Samples != 1 || sum.TimeToConfirm.P50Seconds != 60 {
		t.Fatalf("summary: %+v", sum)
	}
}
