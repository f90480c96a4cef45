package surge

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// scratchDB creates a database of the test's own on the local PostgreSQL with the tables
// the checker reads (the columns it uses, without the constraints that would refuse the
// broken states below), and drops it after.
func scratchDB(t *testing.T) *pgxpool.Pool {
	t.Helper()
	ctx := context.Background()
	admin := os.Getenv("BENCH_TEST_ADMIN_DB")
	if admin == "" {
		admin = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
	}
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatalf("the invariant tests need the local PostgreSQL (make setup): %v", err)
	}
	name := "registrar_bench_test_" + uuid.NewString()[:8]
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	cfg, _ := pgxpool.ParseConfig(admin)
	cfg.ConnConfig.Database = name
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		pool.Close()
		_, _ = conn.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		conn.Close(context.Background())
	})
	_, err = pool.Exec(ctx, `
		CREATE TABLE sections (id uuid PRIMARY KEY, capacity int NOT NULL);
		CREATE TABLE seats (section_id uuid NOT NULL, seat_no int NOT NULL, status text NOT NULL, registration_id uuid);
		CREATE TABLE registrations (id uuid PRIMARY KEY, section_id uuid NOT NULL, status text NOT NULL,
			fee_minor bigint NOT NULL, hold_expires_at timestamptz, offer_expires_at timestamptz);
		CREATE TABLE waitlist (section_id uuid NOT NULL, position int NOT NULL, registration_id uuid NOT NULL)`)
	if err != nil {
		t.Fatal(err)
	}
	return pool
}

// world is a small consistent state: one section of 2 seats, both confirmed and paid, one
// student waitlisted at position 1.
type world struct {
	db        *pgxpool.Pool
	section   string
	confirmed []string
	waiting   string
	charges   []Charge
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{db: scratchDB(t), section: uuid.NewString(), confirmed: []string{uuid.NewString(), uuid.NewString()}, waiting: uuid.NewString()}
	w.exec(t, `INSERT INTO sections VALUES ($1, 2)`, w.section)
	for i, r := range w.confirmed {
		w.exec(t, `INSERT INTO seats VALUES ($1, $2, 'confirmed', $3)`, w.section, i+1, r)
		w.exec(t, `INSERT INTO registrations (id, section_id, status, fee_minor) VALUES ($1, $2, 'CONFIRMED', 1000)`, r, w.section)
		w.charges = append(w.charges, Charge{RegistrationID: r, Status: "succeeded", Amount: 1000})
	}
	w.exec(t, `INSERT INTO registrations (id, section_id, status, fee_minor) VALUES ($1, $2, 'WAITLISTED', 1000)`, w.waiting, w.section)
	w.exec(t, `INSERT INTO waitlist VALUES ($1, 1, $2)`, w.section, w.waiting)
	return w
}

func (w *world) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := w.db.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

func (w *world) check(t *testing.T) Invariants {
	t.Helper()
	iv, err := CheckInvariants(context.Background(), Truth{Registration: w.db, Schedule: w.db, Charges: w.charges,
		Sections: []string{w.section}, Accepted: append(append([]string{}, w.confirmed...), w.waiting), Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return iv
}

func broken(iv Invariants) []string {
	var names []string
	for _, i := range iv {
		if !i.OK {
			names = append(names, i.Name+": "+i.Detail)
		}
	}
	return names
}

func TestCheckInvariantsPassesAConsistentState(t *testing.T) {
	w := newWorld(t)
	if iv := w.check(t); !iv.OK() {
		t.Fatalf("a consistent state fails: %v", broken(iv))
	}
}

// Each case breaks one rule of a consistent state; the checker must name that rule.
func TestCheckInvariantsCatchesBrokenStates(t *testing.T) {
	cases := []struct {
		name       string
		want       string
		breakState func(t *testing.T, w *world)
	}{
		{"a third seat confirmed on a 2-seat section", "confirmed + held ≤ capacity", func(t *testing.T, w *world) {
			w.exec(t, `INSERT INTO seats VALUES ($1, 3, 'confirmed', $2)`, w.section, uuid.NewString())
		}},
		{"a seat row lost", "capacity = free + held + confirmed", func(t *testing.T, w *world) {
			w.exec(t, `DELETE FROM seats WHERE seat_no = 2`)
		}},
		{"one registration confirmed on two seats", "no registration holds two seats", func(t *testing.T, w *world) {
			w.exec(t, `UPDATE seats SET registration_id = $1`, w.confirmed[0])
		}},
		{"a confirmed registration without its seat", "confirmed seats = confirmed registrations", func(t *testing.T, w *world) {
			w.exec(t, `UPDATE seats SET status = 'free', registration_id = NULL WHERE seat_no = 2`)
		}},
		{"a charge never refunded", "charges − refunds = confirmed fees", func(t *testing.T, w *world) {
			w.exec(t, `UPDATE registrations SET status = 'FAILED' WHERE id = $1`, w.confirmed[1])
			w.exec(t, `UPDATE seats SET status = 'free', registration_id = NULL WHERE seat_no = 2`)
		}},
		{"a registration charged twice", "no double charge", func(t *testing.T, w *world) {
			w.charges = append(w.charges, Charge{RegistrationID: w.confirmed[0], Status: "succeeded", Amount: 1000, AmountRefunded: 0})
			w.exec(t, `UPDATE registrations SET fee_minor = 2000 WHERE id = $1`, w.confirmed[0])
		}},
		{"a hold past its expiry", "no registration stuck past its deadline", func(t *testing.T, w *world) {
			w.exec(t, `UPDATE registrations SET status = 'PENDING_PAYMENT', hold_expires_at = now() - interval '1 minute' WHERE id = $1`, w.waiting)
		}},
		{"an accepted registration lost", "every accepted request ends in an end state", func(t *testing.T, w *world) {
			w.exec(t, `DELETE FROM waitlist`)
			w.exec(t, `DELETE FROM registrations WHERE id = $1`, w.waiting)
		}},
		{"a gap in the waitlist", "waitlist positions unique and gap-free", func(t *testing.T, w *world) {
			w.exec(t, `UPDATE waitlist SET position = 2`)
		}},
		{"two students at one position", "waitlist positions unique and gap-free", func(t *testing.T, w *world) {
			other := uuid.NewString()
			w.exec(t, `INSERT INTO registrations (id, section_id, status, fee_minor) VALUES ($1, $2, 'WAITLISTED', 1000)`, other, w.section)
			w.exec(t, `INSERT INTO waitlist VALUES ($1, 1, $2)`, w.section, other)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t)
			c.breakState(t, w)
			iv := w.check(t)
			if iv.OK() {
				t.Fatalf("the checker passed a broken state (%s)", c.name)
			}
			for _, i := range iv {
				if i.Name == c.want {
					if i.OK {
						t.Fatalf("%q held; broken: %v", c.want, broken(iv))
					}
					return
				}
			}
			t.Fatalf("no invariant named %q: %s", c.want, fmt.Sprint(iv))
		})
	}
}
