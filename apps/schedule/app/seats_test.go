package app_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/schedule/app"
	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

type fakeSeats struct {
	app.Seats
	hold    func(sectionID, registrationID string, ttl time.Duration) (app.HoldOutcome, error)
	release func(registrationID string) (domain.Hold, bool, error)
	holds   int
}

func (f *fakeSeats) Hold(_ context.Context, s, r string, ttl time.Duration) (app.HoldOutcome, error) {
	f.holds++
	return f.hold(s, r, ttl)
}

func (f *fakeSeats) Release(_ context.Context, r string) (domain.Hold, bool, error) {
	return f.release(r)
}

type fakeGate struct {
	check    func() (app.GateState, error)
	admitted []string
	marked   []string // epochs passed to MarkFull
	reopened int
}

func (g *fakeGate) Check(context.Context, string, string) (app.GateState, error) { return g.check() }
func (g *fakeGate) Admit(_ context.Context, _, reg string, _ time.Duration) error {
	g.admitted = append(g.admitted, reg)
	return nil
}
func (g *fakeGate) MarkFull(_ context.Context, _, epoch string) (bool, error) {
	g.marked = append(g.marked, epoch)
	return true, nil
}
func (g *fakeGate) Reopen(context.Context, string) error { g.reopened++; return nil }

func TestHoldSeatUsesTheGate(t *testing.T) {
	sec, reg := uuid.NewString(), uuid.NewString()
	held := app.HoldOutcome{Hold: domain.Hold{SectionID: sec, SeatNo: 3, RegistrationID: reg, Status: domain.StatusHeld}}
	cases := []struct {
		name       string
		gate       func() (app.GateState, error)
		db         func() (app.HoldOutcome, error)
		ttl        time.Duration
		wantFull   app.AnsweredBy // "" when a seat is held
		wantKind   errs.Kind      // -1 when no error
		wantDB     int
		wantMarked []string
		wantReopen int
		wantAdmit  int
	}{
		{"flag set: no database", func() (app.GateState, error) { return app.GateState{Full: true}, nil },
			nil, time.Minute, app.ByGate, -1, 0, nil, 0, 0},
		{"seat free", func() (app.GateState, error) { return app.GateState{Epoch: "7"}, nil },
			func() (app.HoldOutcome, error) { return held, nil }, time.Minute, "", -1, 1, nil, 0, 1},
		{"database full: flag with the epoch read before", func() (app.GateState, error) { return app.GateState{Epoch: "7"}, nil },
			func() (app.HoldOutcome, error) { return app.HoldOutcome{Full: true}, nil }, time.Minute, app.ByDatabase, -1, 1, []string{"7"}, 0, 1},
		{"gate down: database decides, flag untouched", func() (app.GateState, error) { return app.GateState{}, errors.New("redis down") },
			func() (app.HoldOutcome, error) { return app.HoldOutcome{Full: true}, nil }, time.Minute, app.ByDatabase, -1, 1, nil, 0, 0},
		{"database error: reopen in case a seat was skipped", func() (app.GateState, error) { return app.GateState{}, nil },
			func() (app.HoldOutcome, error) { return app.HoldOutcome{}, errors.New("connection reset") }, time.Minute, "", errs.Internal, 1, nil, 1, 1},
		{"ttl out of range", func() (app.GateState, error) { return app.GateState{}, nil },
			nil, app.MaxHoldTTL + time.Hour, "", errs.Invalid, 0, nil, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			seats := &fakeSeats{hold: func(string, string, time.Duration) (app.HoldOutcome, error) { return c.db() }}
			gate := &fakeGate{check: c.gate}
			svc := app.NewService(nil, seats, gate, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 2)
			res, err := svc.HoldSeat(context.Background(), app.HoldSeat{SectionID: sec, RegistrationID: reg, TTL: c.ttl})
			if c.wantKind >= 0 {
				if err == nil || errs.KindOf(err) != c.wantKind {
					t.Fatalf("err %v, want kind %v", err, c.wantKind)
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if c.wantKind < 0 && (res.Full != (c.wantFull != "") || res.AnsweredBy != c.wantFull) {
				t.Fatalf("result %+v, want full by %q", res, c.wantFull)
			}
			if seats.holds != c.wantDB || len(gate.marked) != len(c.wantMarked) || gate.reopened != c.wantReopen || len(gate.admitted) != c.wantAdmit {
				t.Fatalf("db holds %d, marked %v, reopened %d, admitted %d", seats.holds, gate.marked, gate.reopened, len(gate.admitted))
			}
			for i := range c.wantMarked {
				if gate.marked[i] != c.wantMarked[i] {
					t.Fatalf("marked with epoch %q, want %q", gate.marked[i], c.wantMarked[i])
				}
			}
		})
	}
}

func TestReleaseReopensOnlyWhenASeatWasFreed(t *testing.T) {
	for _, released := range []bool{true, false} {
		seats := &fakeSeats{release: func(r string) (domain.Hold, bool, error) {
			return domain.Hold{SectionID: "s", RegistrationID: r}, released, nil
		}}
		gate := &fakeGate{}
		svc := app.NewService(nil, seats, gate, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 1)
		if _, got, err := svc.ReleaseSeat(context.Background(), uuid.NewString()); err != nil || got != released {
			t.Fatalf("release: %v %v", got, err)
		}
		if want := map[bool]int{true: 1, false: 0}[released]; gate.reopened != want {
			t.Fatalf("released=%v reopened %d times", released, gate.reopened)
		}
	}
	svc := app.NewService(nil, &fakeSeats{}, &fakeGate{}, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, 1)
	if _, _, err := svc.ReleaseSeat(context.Background(), "not-a-uuid"); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("malformed id: %v", err)
	}
}
