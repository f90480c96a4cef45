package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/internal/campus"
)

const semester = "2027-SPR"

type registrationView struct {
	ID        string `json:"id"`
	SectionID string `json:"sectionId"`
	Status    string `json:"status"`
	Reason    string `json:"reason"`
	Message   string `json:"message"`
	Position  int    `json:"position"`
	Timeline  []struct {
		Status string `json:"status"`
	} `json:"timeline"`
}

type accepted struct {
	BasketID      string             `json:"basketId"`
	Registrations []registrationView `json:"registrations"`
}

var (
	regDB     *pgxpool.Pool
	regDBOnce sync.Once
	slotSeq   atomic.Int64
)

// registrationDB reads the registration app's tables, to wait for its read models and to
// check invariants straight from the truth.
func registrationDB(t *testing.T) *pgxpool.Pool {
	regDBOnce.Do(func() {
		spec, _ := opts.App("registration")
		var err error
		regDB, err = pgxpool.New(context.Background(), spec.Env["DATABASE_URL"])
		if err != nil {
			t.Fatal(err)
		}
	})
	return regDB
}

// openModule is a seeded module anyone can take in spring: level 1, no prerequisites,
// no co-requisites.
func openModule(t *testing.T) campus.Module {
	for _, m := range seeded.Campus.Modules {
		if m.Level == 1 && m.Prerequisites == nil && len(m.Corequisites) == 0 && slices.Contains(m.Terms, "SPRING") {
			return m
		}
	}
	t.Fatal("the seeded campus has no open spring module")
	return campus.Module{}
}

// newSection creates a section of an open module with the given capacity, in a timeslot no
// seeded section uses, and waits until the registration app's read model knows it.
func newSection(t *testing.T, capacity int) (string, campus.Module) {
	t.Helper()
	return newSectionOf(t, openModule(t), capacity)
}

// newSectionOf is newSection for a module of the test's choosing.
func newSectionOf(t *testing.T, m campus.Module, capacity int) (string, campus.Module) {
	t.Helper()
	n := int(slotSeq.Add(1))
	staff := bearer(users.token(t, "registry"))
	// A room and a lecturer of the test's own, so nothing seeded is double-booked.
	room := fmt.Sprintf("E2E%03d", n)
	status, _, body := call(t, http.MethodPost, appURL("gateway")+"/api/v1/rooms",
		map[string]any{"code": room, "building": "Test Wing", "capacity": max(capacity, 10)}, staff...)
	if status != http.StatusCreated {
		t.Fatalf("create room: %d %s", status, body)
	}
	var avail []map[string]string
	for _, d := range []string{"MON", "TUE", "WED", "THU", "FRI"} {
		avail = append(avail, map[string]string{"day": d, "start": "08:00", "end": "21:00"})
	}
	status, _, body = call(t, http.MethodPost, appURL("gateway")+"/api/v1/lecturers",
		map[string]any{"name": fmt.Sprintf("Dr Test %d", n), "department": "Testing", "availability": avail}, staff...)
	if status != http.StatusCreated {
		t.Fatalf("create lecturer: %d %s", status, body)
	}
	lect := decode[struct {
		ID string `json:"id"`
	}](t, body).ID
	status, _, body = call(t, http.MethodPost, appURL("gateway")+"/api/v1/sections", map[string]any{
		"moduleCode": m.Code, "semester": semester, "capacity": capacity, "lecturerId": lect, "roomCode": room,
		"timeslots": []map[string]string{{"day": "FRI", "start": "18:00", "end": "18:50"}},
	}, staff...)
	if status != http.StatusCreated {
		t.Fatalf("create section: %d %s", status, body)
	}
	id := decode[struct {
		ID string `json:"id"`
	}](t, body).ID
	eventually(t, 60*time.Second, "the registration app to learn about the new section", func() bool {
		var ok bool
		_ = registrationDB(t).QueryRow(context.Background(), `SELECT true FROM rm_sections WHERE id = $1`, id).Scan(&ok)
		return ok
	})
	return id, m
}

// enrolled creates a student with a login and waits until registration knows them.
func enrolled(t *testing.T) (student, string) {
	t.Helper()
	s, tok := studentWithLogin(t)
	eventually(t, 60*time.Second, "the registration app to learn about the new student", func() bool {
		var ok bool
		_ = registrationDB(t).QueryRow(context.Background(), `SELECT true FROM rm_students WHERE id = $1`, s.ID).Scan(&ok)
		return ok
	})
	return s, tok
}

func register(t *testing.T, tok, key string, sections []string, payment string) (int, []byte) {
	t.Helper()
	body := map[string]any{"semester": semester, "sectionIds": sections}
	if payment != "" {
		body["paymentMethod"] = payment
	}
	status, _, b := call(t, http.MethodPost, appURL("gateway")+"/api/v1/registrations", body,
		append(bearer(tok), "Idempotency-Key", key)...)
	return status, b
}

func registration(t *testing.T, tok, id string) registrationView {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/registrations/"+id, nil, bearer(tok)...)
	if status != http.StatusOK {
		t.Fatalf("get registration: %d %s", status, body)
	}
	return decode[registrationView](t, body)
}

func waitStatus(t *testing.T, tok, id string, want ...string) registrationView {
	t.Helper()
	var r registrationView
	eventually(t, 90*time.Second, "registration "+id+" to become "+strings.Join(want, "/"), func() bool {
		r = registration(t, tok, id)
		return slices.Contains(want, r.Status)
	})
	return r
}

type seats struct{ Capacity, Held, Confirmed, Free int }

func seatsOf(t *testing.T, sectionID string) seats {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/sections/"+sectionID, nil, bearer(users.token(t, "registry"))...)
	if status != http.StatusOK {
		t.Fatalf("section: %d %s", status, body)
	}
	var s struct {
		Seats seats `json:"seats"`
	}
	_ = json.Unmarshal(body, &s)
	return s.Seats
}

// paygateLog is the simulator's own record of payment intents and refunds.
type paygateLog struct {
	PaymentIntents []struct {
		IdempotencyKey string `json:"idempotencyKey"`
		Status         string `json:"status"`
		Amount         int64  `json:"amount"`
		AmountRefunded int64  `json:"amountRefunded"`
		Metadata       struct {
			RegistrationID string `json:"registration_id"`
		} `json:"metadata"`
	} `json:"paymentIntents"`
}

func paygateCharges(t *testing.T) paygateLog {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("paygate")+"/admin/charges", nil)
	if status != http.StatusOK {
		t.Fatalf("paygate log: %d %s", status, body)
	}
	return decode[paygateLog](t, body)
}

// netCharged is what the simulator holds for a registration: charged minus refunded.
func netCharged(t *testing.T, registrationID string) int64 {
	t.Helper()
	var net int64
	for _, pi := range paygateCharges(t).PaymentIntents {
		if pi.Metadata.RegistrationID == registrationID && pi.Status == "succeeded" {
			net += pi.Amount - pi.AmountRefunded
		}
	}
	return net
}

// chargesFor counts succeeded charges in the simulator's log for a registration.
func chargesFor(t *testing.T, registrationID string) int {
	t.Helper()
	n := 0
	for _, pi := range paygateCharges(t).PaymentIntents {
		if pi.Metadata.RegistrationID == registrationID && pi.Status == "succeeded" {
			n++
		}
	}
	return n
}

func TestRegistrationHappyPathDeclineAndExpiry(t *testing.T) {
	section, _ := newSection(t, 3)

	a, tokA := enrolled(t)
	status, body := register(t, tokA, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	reg := decode[accepted](t, body).Registrations[0]
	if reg.Status != "PENDING_PAYMENT" || !strings.Contains(reg.Message, "seat held") {
		t.Fatalf("accepted %+v", reg)
	}
	done := waitStatus(t, tokA, reg.ID, "CONFIRMED", "FAILED", "EXPIRED")
	if done.Status != "CONFIRMED" {
		t.Fatalf("happy path ended %s (%s)", done.Status, done.Reason)
	}
	if n := chargesFor(t, reg.ID); n != 1 {
		t.Fatalf("charges for %s in the simulator: %d, want 1", reg.ID, n)
	}
	_ = a

	_, tokB := enrolled(t)
	status, body = register(t, tokB, "key-"+uuid.NewString(), []string{section}, "pm_card_chargeDeclined")
	if status != http.StatusAccepted {
		t.Fatalf("register B: %d %s", status, body)
	}
	regB := decode[accepted](t, body).Registrations[0]
	failed := waitStatus(t, tokB, regB.ID, "CONFIRMED", "FAILED", "EXPIRED")
	if failed.Status != "FAILED" || !strings.Contains(failed.Reason, "declined") {
		t.Fatalf("declined card ended %s (%s)", failed.Status, failed.Reason)
	}
	if n := chargesFor(t, regB.ID); n != 0 {
		t.Fatalf("a declined card was charged %d times", n)
	}

	_, tokC := enrolled(t)
	status, body = register(t, tokC, "key-"+uuid.NewString(), []string{section}, "")
	if status != http.StatusAccepted {
		t.Fatalf("register C: %d %s", status, body)
	}
	regC := decode[accepted](t, body).Registrations[0]
	expired := waitStatus(t, tokC, regC.ID, "CONFIRMED", "FAILED", "EXPIRED")
	if expired.Status != "EXPIRED" {
		t.Fatalf("unpaid registration ended %s (%s)", expired.Status, expired.Reason)
	}
	eventually(t, 30*time.Second, "the seats to return", func() bool {
		s := seatsOf(t, section)
		return s.Confirmed == 1 && s.Held == 0 && s.Free == 2
	})
}

func TestIdempotencyKeys(t *testing.T) {
	section, _ := newSection(t, 5)
	_, tok := enrolled(t)
	key := "key-" + uuid.NewString()
	var wg sync.WaitGroup
	statuses := make([]int, 5)
	bodies := make([][]byte, 5)
	for i := range 5 {
		wg.Add(1)
		go func() { defer wg.Done(); statuses[i], bodies[i] = register(t, tok, key, []string{section}, "pm_card_visa") }()
	}
	wg.Wait()
	ids := map[string]bool{}
	for i, s := range statuses {
		switch s {
		case http.StatusAccepted:
			ids[decode[accepted](t, bodies[i]).Registrations[0].ID] = true
		case http.StatusConflict: // the first request was still running
		default:
			t.Fatalf("same key, request %d: %d %s", i, s, bodies[i])
		}
	}
	if len(ids) != 1 {
		t.Fatalf("one key made %d registrations", len(ids))
	}
	// Replays after completion give the same answer; a different body is refused.
	status, body := register(t, tok, key, []string{section}, "pm_card_visa")
	if status != http.StatusAccepted || !ids[decode[accepted](t, body).Registrations[0].ID] {
		t.Fatalf("replay: %d %s", status, body)
	}
	if status, body := register(t, tok, key, []string{section}, "pm_card_mastercard"); status != http.StatusUnprocessableEntity {
		t.Fatalf("same key, other body: %d %s", status, body)
	}
	if status, _ := register(t, tok, "", []string{section}, "pm_card_visa"); status != http.StatusBadRequest {
		t.Fatalf("missing key: %d", status)
	}
	var id string
	for k := range ids {
		id = k
	}
	waitStatus(t, tok, id, "CONFIRMED")
	if n := chargesFor(t, id); n != 1 {
		t.Fatalf("charges: %d", n)
	}

	// Five different keys for the same section: one registration, the rest "already registered".
	_, tok2 := enrolled(t)
	for i := range 5 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], bodies[i] = register(t, tok2, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
		}()
	}
	wg.Wait()
	okCount := 0
	for i, s := range statuses {
		switch {
		case s == http.StatusAccepted:
			okCount++
		case s == http.StatusUnprocessableEntity && strings.Contains(string(bodies[i]), "already-registered"):
		default:
			t.Fatalf("different keys, request %d: %d %s", i, s, bodies[i])
		}
	}
	if okCount != 1 {
		t.Fatalf("%d registrations from five keys, want 1", okCount)
	}
}

func TestWaitlistOfferOnDropAndGapFreePositions(t *testing.T) {
	section, _ := newSection(t, 1)
	_, tokA := enrolled(t)
	status, body := register(t, tokA, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("A: %d %s", status, body)
	}
	regA := decode[accepted](t, body).Registrations[0]
	waitStatus(t, tokA, regA.ID, "CONFIRMED")

	_, tokB := enrolled(t)
	_, tokC := enrolled(t)
	status, body = register(t, tokB, "key-"+uuid.NewString(), []string{section}, "")
	regB := decode[accepted](t, body).Registrations[0]
	if status != http.StatusAccepted || regB.Status != "WAITLISTED" || regB.Position != 1 {
		t.Fatalf("B: %d %s", status, body)
	}
	status, body = register(t, tokC, "key-"+uuid.NewString(), []string{section}, "")
	regC := decode[accepted](t, body).Registrations[0]
	if regC.Status != "WAITLISTED" || regC.Position != 2 || !strings.Contains(regC.Message, "position 2") {
		t.Fatalf("C: %d %s", status, body)
	}

	// A drops (before the add/drop deadline: refunded); B is offered the seat and lets the
	// offer lapse; it passes to C, who claims it.
	status, _, body = call(t, http.MethodDelete, appURL("gateway")+"/api/v1/registrations/"+regA.ID, nil, bearer(tokA)...)
	if status != http.StatusAccepted {
		t.Fatalf("drop: %d %s", status, body)
	}
	waitStatus(t, tokA, regA.ID, "DROPPED")
	waitStatus(t, tokB, regB.ID, "OFFERED")
	if c := registration(t, tokC, regC.ID); c.Status != "WAITLISTED" || c.Position != 1 {
		t.Fatalf("C after B's offer: %+v", c)
	}
	waitStatus(t, tokB, regB.ID, "EXPIRED")
	waitStatus(t, tokC, regC.ID, "OFFERED")
	status, _, body = call(t, http.MethodPost, appURL("gateway")+"/api/v1/waitlist/offers/"+regC.ID+"/accept",
		map[string]string{"paymentMethod": "pm_card_visa"}, bearer(tokC)...)
	if status != http.StatusAccepted {
		t.Fatalf("accept offer: %d %s", status, body)
	}
	waitStatus(t, tokC, regC.ID, "CONFIRMED")
	if s := seatsOf(t, section); s.Confirmed != 1 || s.Held != 0 || s.Free != 0 {
		t.Fatalf("seats %+v", s)
	}
}

func TestConcurrentWaitlistJoinsGetUniqueGapFreePositions(t *testing.T) {
	section, _ := newSection(t, 1)
	_, holder := enrolled(t)
	if status, body := register(t, holder, "key-"+uuid.NewString(), []string{section}, ""); status != http.StatusAccepted {
		t.Fatalf("holder: %d %s", status, body)
	}
	const n = 200
	toks := manyEnrolled(t, n)
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i], _ = register(t, toks[i], "key-"+uuid.NewString(), []string{section}, "")
		}()
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusAccepted {
			t.Fatalf("join %d: %d", i, s)
		}
	}
	rows, err := registrationDB(t).Query(context.Background(), `SELECT position FROM waitlist WHERE section_id = $1 ORDER BY position`, section)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	want := 1
	for rows.Next() {
		var p int
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		if p != want {
			t.Fatalf("position %d where %d was expected: not gap-free", p, want)
		}
		want++
	}
	if want-1 != n {
		t.Fatalf("%d positions, want %d", want-1, n)
	}
}

func TestBadRegistrationInputWritesNothing(t *testing.T) {
	section, _ := newSection(t, 2)
	s, tok := enrolled(t)
	count := func() int {
		var n int
		_ = registrationDB(t).QueryRow(context.Background(), `SELECT count(*) FROM registrations WHERE student_id = $1`, s.ID).Scan(&n)
		return n
	}
	cases := []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"unknown section", map[string]any{"semester": semester, "sectionIds": []string{uuid.NewString()}}, 422},
		{"wrong semester", map[string]any{"semester": "2026-AUT", "sectionIds": []string{section}}, 422},
		{"malformed id", map[string]any{"semester": semester, "sectionIds": []string{"not-a-uuid"}}, 400},
		{"another student's id in the body", map[string]any{"semester": semester, "sectionIds": []string{section}, "studentId": uuid.NewString()}, 400},
		{"no sections", map[string]any{"semester": semester, "sectionIds": []string{}}, 400},
		{"card number instead of a token", map[string]any{"semester": semester, "sectionIds": []string{section}, "paymentMethod": "4242424242424242"}, 400},
	}
	for _, c := range cases {
		status, _, body := call(t, http.MethodPost, appURL("gateway")+"/api/v1/registrations", c.body,
			append(bearer(tok), "Idempotency-Key", "key-"+uuid.NewString())...)
		if status != c.status || !strings.Contains(string(body), "problem") && !strings.Contains(string(body), `"type"`) {
			t.Errorf("%s: %d %s, want %d problem+json", c.name, status, body, c.status)
		}
	}
	if n := count(); n != 0 {
		t.Fatalf("bad input wrote %d registrations", n)
	}
}

// A registry capacity override lets one student into a full section (it grows by a seat);
// without it they queue.
func TestCapacityOverrideAdmitsIntoAFullSection(t *testing.T) {
	section, m := newSection(t, 1)
	_, first := enrolled(t)
	if status, body := register(t, first, "key-"+uuid.NewString(), []string{section}, ""); status != http.StatusAccepted {
		t.Fatalf("first: %d %s", status, body)
	}
	s, tok := enrolled(t)
	status, _, body := call(t, http.MethodPost, appURL("gateway")+"/api/v1/overrides", map[string]any{
		"studentId": s.ID, "moduleCode": m.Code, "rule": "capacity", "reason": "final-year requirement, approved by the head of school",
	}, bearer(users.token(t, "registry"))...)
	if status != http.StatusNoContent {
		t.Fatalf("override: %d %s", status, body)
	}
	status, body = register(t, tok, "key-"+uuid.NewString(), []string{section}, "")
	if reg := decode[accepted](t, body).Registrations; status != http.StatusAccepted || reg[0].Status != "PENDING_PAYMENT" {
		t.Fatalf("with the override: %d %s", status, body)
	}
	if st := seatsOf(t, section); st.Capacity != 2 || st.Held != 2 || st.Free != 0 {
		t.Fatalf("seats %+v", st)
	}
}
