package app_test

import (
	"context"
	"testing"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/apps/registration/domain"
)

// A full section: without an override the student is waitlisted behind those already
// waiting; with a registry capacity override the section grows by a seat for them.
func TestCapacityOverride(t *testing.T) {
	for _, c := range []struct {
		name     string
		override bool
		want     domain.Status
		added    int
	}{
		{"no override: waitlisted", false, domain.Waitlisted, 0},
		{"capacity override: a seat is added and held", true, domain.PendingPayment, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			svc, store, seats, _ := swapWorld()
			seats.free = false
			store.tx.waiting = 3
			store.tx.request.Taking = nil
			if c.override {
				store.tx.request.Overrides = []domain.Override{{ModuleCode: "CS101", Rule: domain.RuleCapacity}}
			}
			if _, err := svc.Register(context.Background(), app.Register{StudentID: studentID, Key: "key-cap-0001",
				Semester: "2027-SPR", SectionIDs: []string{secB}}); err != nil {
				t.Fatal(err)
			}
			if len(store.tx.inserted) != 1 || store.tx.inserted[0].Status != c.want || seats.added != c.added {
				t.Fatalf("inserted %+v, seats added %d", store.tx.inserted, seats.added)
			}
		})
	}
}
