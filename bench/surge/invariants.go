package surge

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Charge is one payment intent as the payment simulator recorded it.
type Charge struct {
	RegistrationID string
	Status         string
	Amount         int64
	AmountRefunded int64
}

// Truth is where the invariants are read from: the registration and schedule databases
// (the owners' own tables), the simulator's ledger, and what the bench was told.
type Truth struct {
	Registration *pgxpool.Pool
	Schedule     *pgxpool.Pool
	Charges      []Charge
	// Sections are the sections the bench touched.
	Sections []string
	// Accepted are the registration ids the platform answered 2xx for.
	Accepted []string
	Now      time.Time
}

// Invariant is one checked rule and what was found.
type Invariant struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// Invariants is the outcome of CheckInvariants.
type Invariants []Invariant

// OK reports whether every invariant held.
func (iv Invariants) OK() bool {
	for _, i := range iv {
		if !i.OK {
			return false
		}
	}
	return len(iv) > 0
}

// endStates are the statuses a registration may rest in once nothing is in flight.
var endStates = []string{"CONFIRMED", "FAILED", "EXPIRED", "DROPPED", "WAITLISTED"}

// CheckInvariants reads the invariants of DESIGN.md straight from the truth: seats per
// section, money, stuck registrations, waitlist positions, and every accepted request.
// An error means the truth could not be read; a broken invariant is an entry with OK false.
func CheckInvariants(ctx context.Context, t Truth) (Invariants, error) {
	var out Invariants
	add := func(name string, bad []string, good string) {
		if len(bad) == 0 {
			out = append(out, Invariant{Name: name, OK: true, Detail: good})
			return
		}
		detail := strings.Join(bad[:min(len(bad), 5)], "; ")
		if len(bad) > 5 {
			detail += fmt.Sprintf("; and %d more", len(bad)-5)
		}
		out = append(out, Invariant{Name: name, OK: false, Detail: detail})
	}

	// Seats, from schedule: per section the capacity and the seat rows by status.
	rows, err := t.Schedule.Query(ctx, `
		SELECT s.id::text, s.capacity,
		       count(st.*) FILTER (WHERE st.status = 'free'),
		       count(st.*) FILTER (WHERE st.status = 'held'),
		       count(st.*) FILTER (WHERE st.status = 'confirmed'),
		       count(st.*),
		       count(st.registration_id) - count(DISTINCT st.registration_id)
		FROM sections s LEFT JOIN seats st ON st.section_id = s.id
		WHERE s.id = ANY($1::uuid[])
		GROUP BY s.id, s.capacity`, t.Sections)
	if err != nil {
		return nil, fmt.Errorf("read seats: %w", err)
	}
	var overbooked, unbalanced, twice []string
	seatsConfirmed := map[string]int{}
	found := 0
	for rows.Next() {
		var id string
		var capacity, free, held, confirmed, all, dup int
		if err := rows.Scan(&id, &capacity, &free, &held, &confirmed, &all, &dup); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read seats: %w", err)
		}
		found++
		seatsConfirmed[id] = confirmed
		if confirmed+held > capacity {
			overbooked = append(overbooked, fmt.Sprintf("section %s: %d confirmed + %d held > capacity %d", id, confirmed, held, capacity))
		}
		if capacity != free+held+confirmed || all != capacity {
			unbalanced = append(unbalanced, fmt.Sprintf("section %s: capacity %d ≠ %d free + %d held + %d confirmed (%d seat rows)",
				id, capacity, free, held, confirmed, all))
		}
		if dup > 0 {
			twice = append(twice, fmt.Sprintf("section %s: %d registrations hold more than one seat", id, dup))
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read seats: %w", err)
	}
	if found != len(t.Sections) {
		unbalanced = append(unbalanced, fmt.Sprintf("%d of %d sections missing in schedule", len(t.Sections)-found, len(t.Sections)))
	}
	add("confirmed + held ≤ capacity", overbooked, fmt.Sprintf("%d sections", found))
	add("capacity = free + held + confirmed", unbalanced, fmt.Sprintf("%d sections", found))
	add("no registration holds two seats", twice, fmt.Sprintf("%d sections", found))

	// Confirmed seats agree with confirmed registrations, section by section.
	regConfirmed := map[string]int{}
	rows, err = t.Registration.Query(ctx, `SELECT section_id::text, count(*) FROM registrations
		WHERE section_id = ANY($1::uuid[]) AND status = 'CONFIRMED' GROUP BY section_id`, t.Sections)
	if err != nil {
		return nil, fmt.Errorf("read confirmed registrations: %w", err)
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read confirmed registrations: %w", err)
		}
		regConfirmed[id] = n
	}
	rows.Close()
	var disagree []string
	for _, s := range t.Sections {
		if seatsConfirmed[s] != regConfirmed[s] {
			disagree = append(disagree, fmt.Sprintf("section %s: %d confirmed seats, %d confirmed registrations", s, seatsConfirmed[s], regConfirmed[s]))
		}
	}
	add("confirmed seats = confirmed registrations", disagree, fmt.Sprintf("%d sections", len(t.Sections)))

	// The bench's registrations as registration has them.
	type reg struct {
		status string
		fee    int64
	}
	regs := map[string]reg{}
	var stuck []string
	rows, err = t.Registration.Query(ctx, `SELECT id::text, status, fee_minor,
		(status = 'PENDING_PAYMENT' AND hold_expires_at < $2) OR (status = 'OFFERED' AND offer_expires_at < $2)
		FROM registrations WHERE id = ANY($1::uuid[])`, t.Accepted, t.Now)
	if err != nil {
		return nil, fmt.Errorf("read registrations: %w", err)
	}
	for rows.Next() {
		var id string
		var r reg
		var late *bool
		if err := rows.Scan(&id, &r.status, &r.fee, &late); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read registrations: %w", err)
		}
		regs[id] = r
		if late != nil && *late {
			stuck = append(stuck, fmt.Sprintf("registration %s still %s past its deadline", id, r.status))
		}
	}
	rows.Close()
	// Stuck ones on the bench's sections that the bench did not see accepted count too.
	rows, err = t.Registration.Query(ctx, `SELECT id::text, status FROM registrations
		WHERE section_id = ANY($1::uuid[]) AND NOT (id = ANY($2::uuid[]))
		  AND ((status = 'PENDING_PAYMENT' AND hold_expires_at < $3) OR (status = 'OFFERED' AND offer_expires_at < $3))`,
		t.Sections, t.Accepted, t.Now)
	if err != nil {
		return nil, fmt.Errorf("read stuck registrations: %w", err)
	}
	for rows.Next() {
		var id, status string
		if err := rows.Scan(&id, &status); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read stuck registrations: %w", err)
		}
		stuck = append(stuck, fmt.Sprintf("registration %s still %s past its deadline", id, status))
	}
	rows.Close()
	add("no registration stuck past its deadline", stuck, fmt.Sprintf("%d registrations", len(regs)))

	var lost []string
	for _, id := range t.Accepted {
		r, ok := regs[id]
		switch {
		case !ok:
			lost = append(lost, fmt.Sprintf("accepted registration %s does not exist", id))
		case !contains(endStates, r.status):
			lost = append(lost, fmt.Sprintf("accepted registration %s is %s", id, r.status))
		}
	}
	add("every accepted request ends in an end state", lost, fmt.Sprintf("%d accepted registrations", len(t.Accepted)))

	// Money: what the simulator kept for the bench's registrations equals their confirmed fees.
	var net, fees int64
	perReg := map[string]int{}
	for _, c := range t.Charges {
		if _, ours := regs[c.RegistrationID]; !ours || c.Status != "succeeded" {
			continue
		}
		net += c.Amount - c.AmountRefunded
		if c.Amount > c.AmountRefunded {
			perReg[c.RegistrationID]++
		}
	}
	for _, r := range regs {
		if r.status == "CONFIRMED" {
			fees += r.fee
		}
	}
	var money []string
	if net != fees {
		money = append(money, fmt.Sprintf("charges − refunds = %d, confirmed fees = %d", net, fees))
	}
	add("charges − refunds = confirmed fees", money, fmt.Sprintf("%d minor units", net))
	var double []string
	for id, n := range perReg {
		if n > 1 {
			double = append(double, fmt.Sprintf("registration %s charged %d times", id, n))
		}
	}
	add("no double charge", double, fmt.Sprintf("%d registrations charged", len(perReg)))

	// Waitlist positions per section: 1..n, each once.
	rows, err = t.Registration.Query(ctx, `SELECT section_id::text, count(*), count(DISTINCT position),
		coalesce(min(position), 1), coalesce(max(position), 0)
		FROM waitlist WHERE section_id = ANY($1::uuid[]) GROUP BY section_id`, t.Sections)
	if err != nil {
		return nil, fmt.Errorf("read waitlists: %w", err)
	}
	var gaps []string
	waiting := 0
	for rows.Next() {
		var id string
		var n, distinct, lo, hi int
		if err := rows.Scan(&id, &n, &distinct, &lo, &hi); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read waitlists: %w", err)
		}
		waiting += n
		if distinct != n || lo != 1 || hi != n {
			gaps = append(gaps, fmt.Sprintf("section %s: %d entries, %d distinct positions from %d to %d", id, n, distinct, lo, hi))
		}
	}
	rows.Close()
	add("waitlist positions unique and gap-free", gaps, fmt.Sprintf("%d waiting", waiting))
	return out, nil
}

// IdleSeats lists the sections that have free seats while students wait on their waitlist.
// It is not one of DESIGN.md's invariants (nothing is overbooked, lost or charged twice),
// but a seat nobody is offered is a registration the platform owes someone.
func IdleSeats(ctx context.Context, t Truth) ([]string, error) {
	waiting := map[string]int{}
	rows, err := t.Registration.Query(ctx, `SELECT section_id::text, count(*) FROM waitlist
		WHERE section_id = ANY($1::uuid[]) GROUP BY section_id`, t.Sections)
	if err != nil {
		return nil, fmt.Errorf("read waitlists: %w", err)
	}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err == nil {
			waiting[id] = n
		}
	}
	rows.Close()
	var out []string
	rows, err = t.Schedule.Query(ctx, `SELECT section_id::text, count(*) FROM seats
		WHERE section_id = ANY($1::uuid[]) AND status = 'free' GROUP BY section_id`, t.Sections)
	if err != nil {
		return nil, fmt.Errorf("read free seats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var free int
		if err := rows.Scan(&id, &free); err == nil && waiting[id] > 0 {
			out = append(out, fmt.Sprintf("section %s: %d free seats, %d students waiting", id, free, waiting[id]))
		}
	}
	return out, rows.Err()
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
