package domain_test

import (
	"slices"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/registration/domain"
)

func TestCheckListsEveryFailedRule(t *testing.T) {
	now := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	sem := domain.Semester{Code: "2027-SPR", Term: "SPRING", Windows: []domain.Window{
		{Year: 2, OpensAt: now.Add(-time.Hour), ClosesAt: now.Add(time.Hour)}}}
	mon9 := []domain.Slot{{Day: "MON", Start: 540, End: 590}}
	modules := map[string]domain.Module{
		"CS101": {Code: "CS101", Credits: 15, Terms: []string{"AUTUMN", "SPRING"}},
		"CS201": {Code: "CS201", Credits: 15, Terms: []string{"SPRING"},
			Prerequisites: &domain.Prerequisite{Op: "AND", Operands: []domain.Prerequisite{{Module: "CS101", MinGrade: "C"}, {Module: "MA101", MinGrade: "D"}}}},
		"CS202": {Code: "CS202", Credits: 15, Terms: []string{"AUTUMN"}, CoRequisites: []string{"CS203"}, AntiRequisites: []string{"CS201"}},
		"CS300": {Code: "CS300", Credits: 40, Terms: []string{"SPRING"}},
	}
	base := func() domain.Request {
		return domain.Request{Student: domain.Student{ID: "s", Programme: "CS", Year: 2, Completed: map[string]string{"CS101": "B", "MA101": "D"}},
			Semester: sem, Modules: modules, MaxCredits: 60, Now: now,
			Sections: []domain.Section{{ID: "x1", ModuleCode: "CS201", Semester: "2027-SPR", LecturerID: "l", Slots: mon9}}}
	}
	rules := func(v []domain.Violation) []string {
		var out []string
		for _, x := range v {
			out = append(out, x.Rule)
		}
		return out
	}
	cases := []struct {
		name string
		mod  func(*domain.Request)
		want []string
	}{
		{"eligible", func(*domain.Request) {}, nil},
		{"prerequisite grade too low", func(r *domain.Request) { r.Student.Completed["CS101"] = "D" }, []string{domain.RulePrerequisite}},
		{"prerequisite overridden", func(r *domain.Request) {
			r.Student.Completed["CS101"] = "D"
			r.Overrides = []domain.Override{{ModuleCode: "CS201", Rule: domain.RulePrerequisite}}
		}, nil},
		{"hold and window", func(r *domain.Request) { r.Student.BlockingHolds = 1; r.Student.Year = 3 }, []string{domain.RuleHold, domain.RuleWindow}},
		{"already registered", func(r *domain.Request) {
			r.Taking = []domain.Taking{{Section: domain.Section{ID: "x0", ModuleCode: "CS201", Slots: []domain.Slot{{Day: "TUE", Start: 540, End: 590}}}, Credits: 15}}
		}, []string{domain.RuleAlreadyRegistered}},
		{"clash", func(r *domain.Request) {
			r.Taking = []domain.Taking{{Section: domain.Section{ID: "x0", ModuleCode: "CS101", Slots: []domain.Slot{{Day: "MON", Start: 560, End: 600}}}, Credits: 15}}
		}, []string{domain.RuleTimeConflict}},
		{"everything at once", func(r *domain.Request) {
			r.Sections = []domain.Section{{ID: "x2", ModuleCode: "CS202", Semester: "2026-AUT"}, {ID: "x3", ModuleCode: "CS300", Semester: "2027-SPR", LecturerID: "l"},
				{ID: "x4", ModuleCode: "CS201", Semester: "2027-SPR", LecturerID: "l"}, {ID: "nope"}}
			r.MaxCredits = 40
		}, []string{domain.RuleWrongSemester, domain.RuleOffered, domain.RuleLecturer, domain.RuleCoRequisite, domain.RuleAntiRequisite,
			domain.RuleUnknownSection, domain.RuleCreditLoad}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := base()
			r.Student.Completed = map[string]string{"CS101": "B", "MA101": "D"}
			c.mod(&r)
			got := rules(domain.Check(r))
			for _, w := range c.want {
				if !slices.Contains(got, w) {
					t.Errorf("missing %s in %v", w, got)
				}
			}
			if len(c.want) == 0 && len(got) > 0 {
				t.Errorf("unexpected %v", got)
			}
		})
	}
}

func TestLifecycle(t *testing.T) {
	r := domain.Registration{Status: domain.PendingPayment}
	if ch, err := r.MoveTo(domain.Confirmed, "", time.Now()); !ch || err != nil {
		t.Fatal(err)
	}
	if ch, err := r.MoveTo(domain.Confirmed, "", time.Now()); ch || err != nil {
		t.Fatal("repeat must be a no-op")
	}
	if _, err := r.MoveTo(domain.Expired, "", time.Now()); err == nil {
		t.Fatal("confirmed → expired allowed")
	}
}
