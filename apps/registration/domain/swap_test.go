package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/registration/domain"
)

func TestSwapIsJudgedWithoutTheRegistrationItGivesUp(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	fri6 := []domain.Slot{{Day: "FRI", Start: 1080, End: 1130}}
	req := domain.Request{
		Student:  domain.Student{ID: "s", Programme: "CS", Year: 1, Completed: map[string]string{}},
		Semester: domain.Semester{Code: "2027-SPR", Term: "SPRING", Windows: []domain.Window{{Year: 1, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour)}}},
		Modules: map[string]domain.Module{
			"CS101": {Code: "CS101", Credits: 40, Terms: []string{"SPRING"}},
			"MA101": {Code: "MA101", Credits: 20, Terms: []string{"SPRING"}},
		},
		// Section B of CS101, at the same time as section A that the student holds.
		Sections: []domain.Section{{ID: "B", ModuleCode: "CS101", Semester: "2027-SPR", LecturerID: "l", Slots: fri6}},
		Taking: []domain.Taking{
			{RegistrationID: "regA", Section: domain.Section{ID: "A", ModuleCode: "CS101", Semester: "2027-SPR", Slots: fri6}, Credits: 40},
			{RegistrationID: "regM", Section: domain.Section{ID: "M", ModuleCode: "MA101", Semester: "2027-SPR"}, Credits: 20},
		},
		MaxCredits: 60, Now: now,
	}
	rules := func(v []domain.Violation) []string {
		var out []string
		for _, x := range v {
			out = append(out, x.Rule)
		}
		return out
	}
	cases := []struct {
		name    string
		without string
		want    []string
	}{
		{"as a new registration", "", []string{domain.RuleAlreadyRegistered, domain.RuleTimeConflict, domain.RuleCreditLoad}},
		{"as a swap of A", "regA", nil},
		// Giving up another registration does not make room for B's module or timeslot.
		{"as a swap of another module", "regM", []string{domain.RuleAlreadyRegistered, domain.RuleTimeConflict, domain.RuleCreditLoad}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := req
			if c.without != "" {
				r = req.Without(c.without)
			}
			if got := rules(domain.Check(r)); !slices.Equal(got, c.want) {
				t.Errorf("violations %v, want %v", got, c.want)
			}
		})
	}
	if len(req.Taking) != 2 {
		t.Fatalf("Without changed the request it was called on: %d takings left", len(req.Taking))
	}
}
