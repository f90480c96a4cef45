package adapters_test

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/registrar-edu/registrar/apps/schedule/adapters"
	"github.com/registrar-edu/registrar/apps/schedule/app"
	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/apps/schedule/schedtest"
	"github.com/registrar-edu/registrar/contracts"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// env is one test's schedule service on real PostgreSQL and Redis.
type env struct {
	ctx    context.Context
	pool   *pgxpool.Pool
	rdb    *redis.Client
	gate   *adapters.RedisSeatGate
	seats  *adapters.PostgresSeats
	svc    *app.Service
	semest string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	_, pool := schedtest.DB(t)
	rdb, prefix := schedtest.Redis(t)
	gate := &adapters.RedisSeatGate{Client: rdb, Prefix: prefix, FullTTL: time.Minute}
	seats := &adapters.PostgresSeats{Pool: pool}
	svc := app.NewService(&adapters.PostgresTimetable{Pool: pool}, seats, gate,
		slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 4)
	e := &env{ctx: context.Background(), pool: pool, rdb: rdb, gate: gate, seats: seats, svc: svc, semest: "2026-AUT"}
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	if _, err := svc.CreateSemester(e.ctx, app.CreateSemester{Code: e.semest, Term: "AUTUMN",
		StartsOn: day("2026-09-21"), EndsOn: day("2027-01-29"), AddDropDeadline: day("2026-10-02"),
		Windows: []domain.RegistrationWindow{{YearOfStudy: 1, OpensAt: day("2026-08-01"), ClosesAt: day("2026-10-02")}}}); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) room(t *testing.T, code string, capacity int) {
	t.Helper()
	if _, err := e.svc.CreateRoom(e.ctx, code, "Engineering", capacity); err != nil {
		t.Fatal(err)
	}
}

func (e *env) lecturer(t *testing.T, slots ...app.TimeslotInput) string {
	t.Helper()
	l, err := e.svc.CreateLecturer(e.ctx, app.CreateLecturer{Name: "Grace Hopper", Department: "CS", Availability: slots})
	if err != nil {
		t.Fatal(err)
	}
	return l.ID
}

func slot(day, start, end string) app.TimeslotInput {
	return app.TimeslotInput{Day: day, Start: start, End: end}
}

func (e *env) section(capacity int, lecturer, room string, slots ...app.TimeslotInput) (domain.SectionSeats, error) {
	return e.svc.CreateSection(e.ctx, app.CreateSection{ModuleCode: "CS101", Semester: e.semest, Capacity: capacity,
		LecturerID: lecturer, RoomCode: room, Timeslots: slots})
}

func (e *env) mustSection(t *testing.T, capacity int, lecturer, room string, slots ...app.TimeslotInput) string {
	t.Helper()
	s, err := e.section(capacity, lecturer, room, slots...)
	if err != nil {
		t.Fatal(err)
	}
	return s.Section.ID
}

func (e *env) count(t *testing.T, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := e.pool.QueryRow(e.ctx, sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// wantRefused checks err is a 422 naming field, and that nothing was written.
func wantRefused(t *testing.T, e *env, err error, field string, sectionsBefore int) {
	t.Helper()
	fe, ok := errs.As(err)
	if !ok || fe.Kind != errs.Unprocessable {
		t.Fatalf("error %v, want unprocessable", err)
	}
	found := false
	for _, f := range fe.Fields {
		found = found || f.Field == field
	}
	if !found {
		t.Fatalf("fields %+v do not name %q", fe.Fields, field)
	}
	if n := e.count(t, `SELECT count(*) FROM sections`); n != sectionsBefore {
		t.Fatalf("a refused section was written: %d sections, want %d", n, sectionsBefore)
	}
	if n := e.count(t, `SELECT count(*) FROM seats`); n != e.count(t, `SELECT coalesce(sum(capacity), 0)::int FROM sections`) {
		t.Fatalf("seat rows %d do not match the sections' capacity", n)
	}
}

func TestSectionPlacementRules(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	e.room(t, "ENG-102", 30)
	lect := e.lecturer(t, slot("MON", "09:00", "12:00"), slot("MON", "12:00", "17:00"), slot("WED", "09:00", "11:00"))
	first := e.mustSection(t, 30, lect, "ENG-101", slot("MON", "09:00", "10:50"))
	if n := e.count(t, `SELECT count(*) FROM seats WHERE section_id = $1 AND status = 'free'`, first); n != 30 {
		t.Fatalf("new section has %d free seats, want 30", n)
	}

	cases := []struct {
		name     string
		capacity int
		lecturer string
		room     string
		slots    []app.TimeslotInput
		field    string // "" when the section is accepted
	}{
		{"room double-booked", 10, "", "ENG-101", []app.TimeslotInput{slot("MON", "10:00", "11:00")}, "roomCode"},
		{"lecturer double-booked", 10, lect, "ENG-102", []app.TimeslotInput{slot("MON", "10:49", "11:30")}, "lecturerId"},
		{"capacity above the room's", 31, "", "ENG-102", []app.TimeslotInput{slot("TUE", "09:00", "10:00")}, "capacity"},
		{"lecturer unavailable", 10, lect, "ENG-102", []app.TimeslotInput{slot("WED", "10:00", "11:30")}, "timeslots[0]"},
		{"unknown room", 10, "", "NOPE-1", []app.TimeslotInput{slot("TUE", "09:00", "10:00")}, "roomCode"},
		{"unknown lecturer", 10, uuid.NewString(), "ENG-102", []app.TimeslotInput{slot("TUE", "09:00", "10:00")}, "lecturerId"},
		{"own timeslots overlap", 10, "", "ENG-102", []app.TimeslotInput{slot("TUE", "09:00", "10:00"), slot("TUE", "09:30", "10:30")}, "timeslots[1]"},
		{"back to back is no overlap", 10, lect, "ENG-101", []app.TimeslotInput{slot("MON", "10:50", "12:30")}, ""},
		{"unassigned lecturer", 10, "", "ENG-102", []app.TimeslotInput{slot("MON", "09:00", "10:50")}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.count(t, `SELECT count(*) FROM sections`)
			_, err := e.section(c.capacity, c.lecturer, c.room, c.slots...)
			if c.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			wantRefused(t, e, err, c.field, before)
		})
	}

	// Another semester may use the same room at the same time.
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	if _, err := e.svc.CreateSemester(e.ctx, app.CreateSemester{Code: "2027-SPR", Term: "SPRING",
		StartsOn: day("2027-02-01"), EndsOn: day("2027-06-30"), AddDropDeadline: day("2027-02-12")}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.CreateSection(e.ctx, app.CreateSection{ModuleCode: "CS101", Semester: "2027-SPR", Capacity: 5,
		RoomCode: "ENG-101", Timeslots: []app.TimeslotInput{slot("MON", "09:00", "10:50")}}); err != nil {
		t.Fatalf("same room in another semester: %v", err)
	}
}

// TestConcurrentDoubleBookingHasOneWinner creates overlapping sections in one room (and, in a
// second round, for one lecturer in different rooms) from many goroutines at once.
func TestConcurrentDoubleBookingHasOneWinner(t *testing.T) {
	e := newEnv(t)
	const n = 12
	lect := e.lecturer(t, slot("THU", "08:00", "18:00"))
	for i := range n {
		e.room(t, "R-"+string(rune('A'+i)), 50)
	}
	rounds := []struct {
		name  string
		room  func(i int) string
		lect  string
		field string
	}{
		{"room", func(int) string { return "R-A" }, "", "roomCode"},
		{"lecturer", func(i int) string { return "R-" + string(rune('A'+i)) }, lect, "lecturerId"},
	}
	for r, round := range rounds {
		t.Run(round.name, func(t *testing.T) {
			day := []string{"MON", "THU"}[r]
			var wg sync.WaitGroup
			results := make([]error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					// Each overlaps every other: they all contain 10:00-10:30.
					from := []string{"09:00", "09:30", "10:00"}[i%3]
					_, results[i] = e.section(5, round.lect, round.room(i), slot(day, from, "10:30"))
				}()
			}
			close(start)
			wg.Wait()
			ok := 0
			for _, err := range results {
				if err == nil {
					ok++
					continue
				}
				if fe, isE := errs.As(err); !isE || fe.Kind != errs.Unprocessable || len(fe.Fields) == 0 || fe.Fields[0].Field != round.field {
					t.Errorf("loser got %v, want a 422 on %s", err, round.field)
				}
			}
			if ok != 1 {
				t.Fatalf("%d of %d overlapping sections were created, want exactly 1", ok, n)
			}
		})
	}
}

func TestHoldIsIdempotentPerRegistration(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	sec := e.mustSection(t, 3, "", "ENG-101", slot("TUE", "09:00", "10:00"))
	reg := uuid.NewString()

	first, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: reg, TTL: time.Minute})
	if err != nil || first.Full || first.Repeat || first.Hold.Status != domain.StatusHeld {
		t.Fatalf("first hold: %+v %v", first, err)
	}
	again, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: reg, TTL: time.Minute})
	if err != nil || !again.Repeat || again.Hold.SeatNo != first.Hold.SeatNo {
		t.Fatalf("repeated hold: %+v %v, want seat %d again", again, err, first.Hold.SeatNo)
	}

	// The same registration from many goroutines at once: still one seat.
	reg2 := uuid.NewString()
	var wg sync.WaitGroup
	seatsSeen := sync.Map{}
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: reg2, TTL: time.Minute})
			if err != nil || r.Full {
				t.Errorf("concurrent hold of one registration: %+v %v", r, err)
				return
			}
			seatsSeen.Store(r.Hold.SeatNo, true)
		}()
	}
	wg.Wait()
	distinct := 0
	seatsSeen.Range(func(any, any) bool { distinct++; return true })
	if distinct != 1 || e.count(t, `SELECT count(*) FROM seats WHERE registration_id = $1`, reg2) != 1 {
		t.Fatalf("one registration got %d seats", distinct)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE event_type = 'seat.held.v1'`); n != 2 {
		t.Fatalf("%d seat.held events, want one per registration (2)", n)
	}

	// A registration holding a seat of one section cannot hold one of another.
	e.room(t, "ENG-102", 30)
	other := e.mustSection(t, 3, "", "ENG-102", slot("TUE", "09:00", "10:00"))
	if _, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: other, RegistrationID: reg, TTL: time.Minute}); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("hold in a second section: %v, want a conflict", err)
	}
	// An unknown section is not found, and is never flagged full.
	if _, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: uuid.NewString(), RegistrationID: uuid.NewString(), TTL: time.Minute}); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("hold in an unknown section: %v", err)
	}
}

func TestFullSectionIsAnsweredByTheGateAndReopenedByRelease(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	sec := e.mustSection(t, 2, "", "ENG-101", slot("TUE", "09:00", "10:00"))
	hold := func(reg string) app.HoldResult {
		t.Helper()
		r, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: reg, TTL: time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	a, b := uuid.NewString(), uuid.NewString()
	hold(a)
	hold(b)
	if r := hold(uuid.NewString()); !r.Full || r.AnsweredBy != app.ByDatabase {
		t.Fatalf("first hold on a full section: %+v, want full from the database", r)
	}
	if r := hold(uuid.NewString()); !r.Full || r.AnsweredBy != app.ByGate {
		t.Fatalf("second hold on a full section: %+v, want full from the gate", r)
	}
	// A registration that holds a seat is not refused by the flag: it gets its seat back.
	if r := hold(a); r.Full || !r.Repeat {
		t.Fatalf("repeated hold behind the flag: %+v", r)
	}

	if _, released, err := e.svc.ReleaseSeat(e.ctx, a); err != nil || !released {
		t.Fatalf("release: %v %v", released, err)
	}
	if n, _ := e.rdb.Exists(e.ctx, e.gate.FullKey(sec)).Result(); n != 0 {
		t.Fatal("release left the full flag set")
	}
	if _, released, err := e.svc.ReleaseSeat(e.ctx, a); err != nil || released {
		t.Fatalf("second release: %v %v, want a no-op", released, err)
	}
	c := uuid.NewString()
	if r := hold(c); r.Full {
		t.Fatalf("hold after a release: %+v", r)
	}
	var reason string
	if err := e.pool.QueryRow(e.ctx, `SELECT payload->>'reason' FROM outbox WHERE event_type = 'seat.released.v1'`).Scan(&reason); err != nil || reason != "released" {
		t.Fatalf("released event reason %q %v", reason, err)
	}
}

func TestConfirm(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	sec := e.mustSection(t, 2, "", "ENG-101", slot("TUE", "09:00", "10:00"))
	reg := uuid.NewString()
	if _, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: reg, TTL: time.Minute}); err != nil {
		t.Fatal(err)
	}
	h, err := e.svc.ConfirmSeat(e.ctx, reg)
	if err != nil || h.Status != domain.StatusConfirmed || !h.ExpiresAt.IsZero() {
		t.Fatalf("confirm: %+v %v", h, err)
	}
	if h2, err := e.svc.ConfirmSeat(e.ctx, reg); err != nil || h2.SeatNo != h.SeatNo {
		t.Fatalf("repeated confirm: %+v %v", h2, err)
	}
	if n := e.count(t, `SELECT count(*) FROM outbox WHERE event_type = 'seat.confirmed.v1'`); n != 1 {
		t.Fatalf("%d confirmed events, want 1", n)
	}
	if _, err := e.svc.ConfirmSeat(e.ctx, uuid.NewString()); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("confirm without a hold: %v", err)
	}
	got, err := e.svc.GetSection(e.ctx, sec)
	if err != nil || got.Seats != (domain.SeatCounts{Capacity: 2, Confirmed: 1, Free: 1}) {
		t.Fatalf("seats after confirm: %+v %v", got.Seats, err)
	}
	// A confirmed seat never expires.
	if _, err := e.pool.Exec(e.ctx, `UPDATE seats SET version = version`); err != nil {
		t.Fatal(err)
	}
	if n, err := e.svc.ReapExpiredHolds(e.ctx); err != nil || n != 0 {
		t.Fatalf("reaper took %d confirmed seats: %v", n, err)
	}
}

func TestExpiredHoldsAreReclaimed(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	sec := e.mustSection(t, 2, "", "ENG-101", slot("TUE", "09:00", "10:00"))
	short, long := uuid.NewString(), uuid.NewString()
	for _, reg := range []string{short, long} {
		if _, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: reg, TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if r, _ := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: uuid.NewString(), TTL: time.Minute}); !r.Full {
		t.Fatal("section should be full")
	}
	// Age one hold past its expiry instead of sleeping.
	if _, err := e.pool.Exec(e.ctx, `UPDATE seats SET expires_at = now() - interval '1 second' WHERE registration_id = $1`, short); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ConfirmSeat(e.ctx, short); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("confirm of an expired hold: %v, want a conflict", err)
	}
	n, err := e.svc.ReapExpiredHolds(e.ctx)
	if err != nil || n != 1 {
		t.Fatalf("reaped %d %v, want 1", n, err)
	}
	if n, _ := e.rdb.Exists(e.ctx, e.gate.FullKey(sec)).Result(); n != 0 {
		t.Fatal("expiry left the full flag set")
	}
	got, _ := e.svc.GetSection(e.ctx, sec)
	if got.Seats != (domain.SeatCounts{Capacity: 2, Held: 1, Free: 1}) {
		t.Fatalf("seats after expiry: %+v", got.Seats)
	}
	var reason, reg string
	if err := e.pool.QueryRow(e.ctx, `SELECT payload->>'reason', payload->>'registrationId' FROM outbox
		WHERE event_type = 'seat.released.v1'`).Scan(&reason, &reg); err != nil || reason != "expired" || reg != short {
		t.Fatalf("expired event: %q %q %v", reason, reg, err)
	}
	if _, err := e.svc.GetHold(e.ctx, short); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("hold after expiry: %v", err)
	}
	if r, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: uuid.NewString(), TTL: time.Minute}); err != nil || r.Full {
		t.Fatalf("hold after expiry: %+v %v", r, err)
	}
}

// TestGateNeverKeepsAStaleFull plays the race between a losing hold and a release in both
// orders: the flag set from an epoch read before the release must not survive it.
func TestGateNeverKeepsAStaleFull(t *testing.T) {
	e := newEnv(t)
	sec, reg := uuid.NewString(), uuid.NewString()
	full := func() bool {
		n, err := e.rdb.Exists(e.ctx, e.gate.FullKey(sec)).Result()
		if err != nil {
			t.Fatal(err)
		}
		return n == 1
	}
	// Loser reads the epoch, a release reopens, then the loser tries to flag: refused.
	st, err := e.gate.Check(e.ctx, sec, reg)
	if err != nil || st.Full {
		t.Fatalf("check: %+v %v", st, err)
	}
	if err := e.gate.Reopen(e.ctx, sec); err != nil {
		t.Fatal(err)
	}
	if set, err := e.gate.MarkFull(e.ctx, sec, st.Epoch); err != nil || set || full() {
		t.Fatalf("flag set from a stale epoch: %v %v", set, err)
	}
	// Loser flags first, then the release reopens: cleared.
	st, _ = e.gate.Check(e.ctx, sec, reg)
	if set, err := e.gate.MarkFull(e.ctx, sec, st.Epoch); err != nil || !set || !full() {
		t.Fatalf("flag from a current epoch: %v %v", set, err)
	}
	if st2, _ := e.gate.Check(e.ctx, sec, uuid.NewString()); !st2.Full {
		t.Fatal("gate does not report the flag")
	}
	if err := e.gate.Admit(e.ctx, sec, reg, time.Minute); err != nil {
		t.Fatal(err)
	}
	if st2, _ := e.gate.Check(e.ctx, sec, reg); st2.Full {
		t.Fatal("gate refuses an admitted registration")
	}
	if err := e.gate.Reopen(e.ctx, sec); err != nil || full() {
		t.Fatalf("reopen left the flag: %v", err)
	}
	// The flag expires on its own (the safety net).
	short := &adapters.RedisSeatGate{Client: e.rdb, Prefix: e.gate.Prefix, FullTTL: 50 * time.Millisecond}
	st, _ = short.Check(e.ctx, sec, reg)
	if set, _ := short.MarkFull(e.ctx, sec, st.Epoch); !set {
		t.Fatal("flag not set")
	}
	deadline := time.Now().Add(5 * time.Second)
	for full() {
		if time.Now().After(deadline) {
			t.Fatal("the full flag never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestClashesAndListing(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	e.room(t, "ENG-102", 30)
	a := e.mustSection(t, 5, "", "ENG-101", slot("MON", "09:00", "10:50"), slot("WED", "09:00", "10:50"))
	b := e.mustSection(t, 5, "", "ENG-102", slot("WED", "10:00", "11:00"))
	c := e.mustSection(t, 5, "", "ENG-102", slot("MON", "10:50", "12:00"))
	clashes, err := e.svc.FindClashes(e.ctx, []string{a, b, c})
	if err != nil {
		t.Fatal(err)
	}
	if len(clashes) != 1 || clashes[0].SectionA != a || clashes[0].SectionB != b || clashes[0].TimeslotA.Day != domain.Wednesday {
		t.Fatalf("clashes %+v, want only a-b on Wednesday", clashes)
	}
	if _, err := e.svc.FindClashes(e.ctx, []string{a, uuid.NewString()}); errs.KindOf(err) != errs.Unprocessable {
		t.Fatalf("clash query with an unknown section: %v", err)
	}
	list, err := e.svc.ListSections(e.ctx, app.SectionQuery{Semester: e.semest, ModuleCode: "CS101"})
	if err != nil || len(list) != 3 {
		t.Fatalf("list: %d %v", len(list), err)
	}
	for _, s := range list {
		if s.Seats != (domain.SeatCounts{Capacity: 5, Free: 5}) || len(s.Section.Timeslots) == 0 {
			t.Fatalf("listed section %+v", s)
		}
	}
	if list, _ := e.svc.ListSections(e.ctx, app.SectionQuery{ModuleCode: "NOPE"}); len(list) != 0 {
		t.Fatalf("filter by module: %d", len(list))
	}
}

// TestEventsMatchTheirContracts checks every event the schedule writes (the semester and
// section it creates, and every seat event) against its JSON Schema in contracts/events
// (contracts.Validate) and its topic.
func TestEventsMatchTheirContracts(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-101", 30)
	lect := e.lecturer(t, slot("TUE", "08:00", "18:00"))
	sec := e.mustSection(t, 3, "", "ENG-101", slot("TUE", "09:00", "10:00"))
	e.mustSection(t, 3, lect, "ENG-101", slot("TUE", "10:00", "11:00"), slot("TUE", "14:00", "15:50"))
	a, b, c := uuid.NewString(), uuid.NewString(), uuid.NewString()
	for _, reg := range []string{a, b, c} {
		if _, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: reg, TTL: time.Minute}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.svc.ConfirmSeat(e.ctx, a); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.svc.ReleaseSeat(e.ctx, b); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(e.ctx, `UPDATE seats SET expires_at = now() - interval '1 second' WHERE registration_id = $1`, c); err != nil {
		t.Fatal(err)
	}
	if _, err := e.svc.ReapExpiredHolds(e.ctx); err != nil {
		t.Fatal(err)
	}
	rows, err := e.pool.Query(e.ctx, `SELECT event_type, topic, payload FROM outbox ORDER BY created_at`)
	if err != nil {
		t.Fatal(err)
	}
	topics := map[string]string{domain.EventSeatHeldV1: domain.TopicSeats, domain.EventSeatConfirmedV1: domain.TopicSeats,
		domain.EventSeatReleasedV1: domain.TopicSeats, domain.EventSectionCreatedV1: domain.TopicSections,
		domain.EventSemesterCreatedV1: domain.TopicSemesters}
	seen := map[string]int{}
	for rows.Next() {
		var typ, topic string
		var payload []byte
		if err := rows.Scan(&typ, &topic, &payload); err != nil {
			t.Fatal(err)
		}
		seen[typ]++
		if err := contracts.Validate(typ, payload); err != nil {
			t.Errorf("%s breaks its contract: %v", typ, err)
		}
		if topic != topics[typ] {
			t.Errorf("%s on topic %s, want %q", typ, topic, topics[typ])
		}
	}
	if seen[domain.EventSemesterCreatedV1] != 1 || seen[domain.EventSectionCreatedV1] != 2 {
		t.Fatalf("events %v", seen)
	}
	if seen[domain.EventSeatHeldV1] != 3 || seen[domain.EventSeatConfirmedV1] != 1 || seen[domain.EventSeatReleasedV1] != 2 {
		t.Fatalf("events %v", seen)
	}
}

// A capacity override grows a full section by a seat, never past its room.
func TestAddSeatGrowsAFullSectionUpToItsRoom(t *testing.T) {
	e := newEnv(t)
	e.room(t, "ENG-201", 2)
	sec := e.mustSection(t, 1, "", "ENG-201", slot("WED", "09:00", "10:00"))
	if r, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: uuid.NewString(), TTL: time.Minute}); err != nil || r.Full {
		t.Fatalf("first hold: %+v %v", r, err)
	}
	late := uuid.NewString()
	if r, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: late, TTL: time.Minute}); err != nil || !r.Full {
		t.Fatalf("full section: %+v %v", r, err)
	}
	if capacity, err := e.svc.AddSeat(e.ctx, sec); err != nil || capacity != 2 {
		t.Fatalf("add seat: %d %v", capacity, err)
	}
	if r, err := e.svc.HoldSeat(e.ctx, app.HoldSeat{SectionID: sec, RegistrationID: late, TTL: time.Minute}); err != nil || r.Full {
		t.Fatalf("hold after the override: %+v %v (the gate must reopen)", r, err)
	}
	if _, err := e.svc.AddSeat(e.ctx, sec); err == nil {
		t.Fatal("a section grew past its room")
	}
}
