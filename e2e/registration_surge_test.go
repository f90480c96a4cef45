package e2e

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// manyEnrolled creates n students with logins, a few at a time.
func manyEnrolled(t *testing.T, n int) []string {
	t.Helper()
	toks := make([]string, n)
	ids := make([]string, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			var s student
			s, toks[i] = studentWithLogin(t)
			ids[i] = s.ID
		}()
	}
	wg.Wait()
	eventually(t, 90*time.Second, "registration to know every new student", func() bool {
		var known int
		_ = registrationDB(t).QueryRow(context.Background(), `SELECT count(*) FROM rm_students WHERE id = ANY($1::uuid[])`,
			ids).Scan(&known)
		return known == n
	})
	return toks
}

type regRow struct {
	id, status, student string
	fee                 int64
}

func sectionRegistrations(t *testing.T, section string) []regRow {
	t.Helper()
	rows, err := registrationDB(t).Query(context.Background(),
		`SELECT id::text, status, student_id::text, fee_minor FROM registrations WHERE section_id = $1`, section)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []regRow
	for rows.Next() {
		var r regRow
		if err := rows.Scan(&r.id, &r.status, &r.student, &r.fee); err != nil {
			t.Fatal(err)
		}
		out = append(out, r)
	}
	return out
}

// 300 students on a 20-seat section, one in five with a declining card. The test plays
// the students: it claims every waitlist offer as it arrives (with the student's card).
// After the drain exactly 20 are confirmed, nothing is left in flight, the seat counts add
// up, and the simulator's money matches the confirmed fees.
func TestOpeningMinuteOnOneHotSection(t *testing.T) {
	const students, capacity = 300, 20
	section, _ := newSection(t, capacity)
	toks := manyEnrolled(t, students)
	card := func(i int) string {
		if i%5 == 4 {
			return "pm_card_chargeDeclined"
		}
		return "pm_card_visa"
	}

	regOf := make([]string, students)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 32)
	for i := range students {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			status, body := register(t, toks[i], "surge-"+uuid.NewString(), []string{section}, card(i))
			if status != http.StatusAccepted {
				t.Errorf("student %d: %d %s", i, status, body)
				return
			}
			regOf[i] = decode[accepted](t, body).Registrations[0].ID
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	byReg := map[string]int{}
	for i, id := range regOf {
		byReg[id] = i
	}

	claimed := map[string]bool{}
	deadline := time.Now().Add(4 * time.Minute)
	for {
		regs := sectionRegistrations(t, section)
		confirmed, inFlight := 0, 0
		for _, r := range regs {
			switch r.status {
			case "CONFIRMED":
				confirmed++
			case "PENDING_PAYMENT":
				inFlight++
			case "OFFERED":
				inFlight++
				if !claimed[r.id] {
					claimed[r.id] = true
					i := byReg[r.id]
					status, _, body := call(t, http.MethodPost, appURL("gateway")+"/api/v1/waitlist/offers/"+r.id+"/accept",
						map[string]string{"paymentMethod": card(i)}, bearer(toks[i])...)
					if status != http.StatusAccepted {
						t.Fatalf("claim offer %s: %d %s", r.id, status, body)
					}
				}
			}
		}
		if inFlight == 0 && confirmed == capacity {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no drain after 4 minutes: %d confirmed, %d in flight", confirmed, inFlight)
		}
		time.Sleep(500 * time.Millisecond)
	}

	// The invariants, straight from the truth.
	regs := sectionRegistrations(t, section)
	confirmedFees := map[string]int64{}
	counts := map[string]int{}
	for _, r := range regs {
		counts[r.status]++
		if r.status == "CONFIRMED" {
			confirmedFees[r.id] = r.fee
		}
	}
	if counts["CONFIRMED"] != capacity || counts["PENDING_PAYMENT"]+counts["OFFERED"] != 0 || len(regs) != students {
		t.Fatalf("after the drain: %v (of %d)", counts, len(regs))
	}
	if s := seatsOf(t, section); s.Confirmed != capacity || s.Held != 0 || s.Free != 0 || s.Capacity != s.Free+s.Held+s.Confirmed {
		t.Fatalf("seats %+v", s)
	}
	var net, want int64
	for _, pi := range paygateCharges(t).PaymentIntents {
		if _, ours := byReg[pi.Metadata.RegistrationID]; ours && pi.Status == "succeeded" {
			net += pi.Amount - pi.AmountRefunded
		}
	}
	for _, fee := range confirmedFees {
		want += fee
	}
	if net != want {
		t.Fatalf("charges − refunds = %d, confirmed fees = %d", net, want)
	}
	var gaps int
	_ = registrationDB(t).QueryRow(context.Background(), `SELECT count(*) FROM (SELECT position, row_number() OVER (ORDER BY position) rn
		FROM waitlist WHERE section_id = $1) w WHERE position <> rn`, section).Scan(&gaps)
	if gaps != 0 {
		t.Fatalf("%d waitlist positions out of sequence", gaps)
	}
	t.Logf("300 students, 20 seats: %v, %d offers claimed, money %d = confirmed fees", counts, len(claimed), net)
}
