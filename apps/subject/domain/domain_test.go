package domain_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/subject/domain"
)

var now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

func validSpec() domain.ModuleSpec {
	p := domain.All(domain.Leaf("cs101", domain.GradeC), domain.Any(domain.Leaf("MA101", domain.GradeB), domain.Leaf("MA102", domain.GradeB)))
	return domain.ModuleSpec{Code: " cs201 ", Title: " Algorithms ", Credits: 15, Level: 5,
		Fee: domain.Money{AmountMinor: 125000, Currency: "gbp"}, Programmes: []string{"bsccs"},
		Terms: []domain.Term{"SPRING", "autumn"}, Prerequisites: &p, CoRequisites: []string{"CS202"},
		AntiRequisites: []string{"CS299"}}
}

func TestNewModuleEnforcesInvariants(t *testing.T) {
	cases := []struct {
		name   string
		change func(*domain.ModuleSpec)
		fields []string // violated fields; none means valid
	}{
		{"valid", func(*domain.ModuleSpec) {}, nil},
		{"no prerequisites", func(s *domain.ModuleSpec) { s.Prerequisites = nil }, nil},
		{"bad code", func(s *domain.ModuleSpec) { s.Code = "101CS" }, []string{"code"}},
		{"blank title", func(s *domain.ModuleSpec) { s.Title = "  " }, []string{"title"}},
		{"zero credits", func(s *domain.ModuleSpec) { s.Credits = 0 }, []string{"credits"}},
		{"too many credits", func(s *domain.ModuleSpec) { s.Credits = 121 }, []string{"credits"}},
		{"negative fee", func(s *domain.ModuleSpec) { s.Fee.AmountMinor = -1 }, []string{"fee.amountMinor"}},
		{"bad currency", func(s *domain.ModuleSpec) { s.Fee.Currency = "POUNDS" }, []string{"fee.currency"}},
		{"level 0", func(s *domain.ModuleSpec) { s.Level = 0 }, []string{"level"}},
		{"level 8", func(s *domain.ModuleSpec) { s.Level = 8 }, []string{"level"}},
		{"no terms", func(s *domain.ModuleSpec) { s.Terms = nil }, []string{"termsOffered"}},
		{"unknown term", func(s *domain.ModuleSpec) { s.Terms = []domain.Term{"WINTER"} }, []string{"termsOffered[0]"}},
		{"term twice", func(s *domain.ModuleSpec) { s.Terms = []domain.Term{"AUTUMN", "autumn"} }, []string{"termsOffered[1]"}},
		{"programme twice", func(s *domain.ModuleSpec) { s.Programmes = []string{"CS", "cs"} }, []string{"programmes[1]"}},
		{"self prerequisite", func(s *domain.ModuleSpec) { p := domain.Leaf("CS201", domain.GradeA); s.Prerequisites = &p }, []string{"prerequisites"}},
		{"self co-requisite", func(s *domain.ModuleSpec) { s.CoRequisites = []string{"cs201"} }, []string{"coRequisites"}},
		{"anti also co", func(s *domain.ModuleSpec) { s.AntiRequisites = []string{"CS202"} }, []string{"antiRequisites"}},
		{"anti also prerequisite", func(s *domain.ModuleSpec) { s.AntiRequisites = []string{"CS101"} }, []string{"antiRequisites"}},
		{"bad grade", func(s *domain.ModuleSpec) { p := domain.Leaf("CS101", "A+"); s.Prerequisites = &p }, []string{"prerequisites.minGrade"}},
		{"bad leaf code", func(s *domain.ModuleSpec) { p := domain.Leaf("x", "A"); s.Prerequisites = &p }, []string{"prerequisites.module"}},
		{"one operand", func(s *domain.ModuleSpec) { p := domain.All(domain.Leaf("CS101", "A")); s.Prerequisites = &p }, []string{"prerequisites.operands"}},
		{"unknown op", func(s *domain.ModuleSpec) {
			p := domain.Prerequisite{Op: "XOR", Operands: []domain.Prerequisite{domain.Leaf("CS101", "A"), domain.Leaf("CS102", "A")}}
			s.Prerequisites = &p
		}, []string{"prerequisites.op"}},
		{"leaf with operands", func(s *domain.ModuleSpec) {
			p := domain.Prerequisite{Module: "CS101", MinGrade: "A", Operands: []domain.Prerequisite{domain.Leaf("CS102", "A")}}
			s.Prerequisites = &p
		}, []string{"prerequisites"}},
		{"too deep", func(s *domain.ModuleSpec) {
			p := domain.Leaf("CS100", "C")
			for i := range 5 {
				p = domain.All(p, domain.Leaf("CS1"+string(rune('1'+i))+"0", "C"))
			}
			s.Prerequisites = &p
		}, []string{"prerequisites.operands[0].operands[0].operands[0].operands[0]"}},
		{"several at once", func(s *domain.ModuleSpec) { s.Credits, s.Level = 0, 9 }, []string{"credits", "level"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := validSpec()
			c.change(&spec)
			m, err := domain.NewModule(spec, now)
			if len(c.fields) == 0 {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				if m.Code != "CS201" || m.Title != "Algorithms" || m.Fee.Currency != "GBP" || m.Version != 1 ||
					!slices.Equal(m.Terms, []domain.Term{domain.TermAutumn, domain.TermSpring}) {
					t.Fatalf("not normalised: %+v", m)
				}
				return
			}
			var v domain.Violations
			if !errors.As(err, &v) {
				t.Fatalf("error %v is not Violations", err)
			}
			var got []string
			for _, x := range v {
				got = append(got, x.Field)
			}
			for _, f := range c.fields {
				if !slices.Contains(got, f) {
					t.Fatalf("violations %v do not name %q", got, f)
				}
			}
		})
	}
}

func TestPrerequisiteIsNormalisedAndEvaluated(t *testing.T) {
	m, err := domain.NewModule(validSpec(), now)
	if err != nil {
		t.Fatal(err)
	}
	if got := m.PrerequisiteModules(); !slices.Equal(got, []string{"CS101", "MA101", "MA102"}) {
		t.Fatalf("modules %v", got)
	}
	if s := m.Prerequisites.String(); s != "(CS101>=C AND (MA101>=B OR MA102>=B))" {
		t.Fatalf("string %s", s)
	}
	cases := []struct {
		name   string
		grades map[string]domain.Grade
		ok     bool
	}{
		{"all passed well", map[string]domain.Grade{"CS101": "A", "MA101": "B"}, true},
		{"other branch of OR", map[string]domain.Grade{"CS101": "C", "MA102": "A"}, true},
		{"CS101 too low", map[string]domain.Grade{"CS101": "D", "MA101": "A"}, false},
		{"OR unmet", map[string]domain.Grade{"CS101": "A", "MA101": "C", "MA102": "F"}, false},
		{"nothing taken", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := m.Prerequisites.SatisfiedBy(c.grades); got != c.ok {
				t.Fatalf("SatisfiedBy = %v, want %v", got, c.ok)
			}
		})
	}
}

func TestGrades(t *testing.T) {
	for _, c := range []struct {
		g, min domain.Grade
		ok     bool
	}{{"A", "C", true}, {"C", "C", true}, {"D", "C", false}, {"F", "F", true}, {"X", "F", false}} {
		if got := c.g.AtLeast(c.min); got != c.ok {
			t.Errorf("%s AtLeast %s = %v", c.g, c.min, got)
		}
	}
	if domain.GradeA.Points() != 5 || domain.GradeF.Points() != 0 {
		t.Fatal("points scale moved")
	}
	if _, err := domain.ParseGrade("a"); err == nil {
		t.Fatal("lower-case grade accepted")
	}
}

func TestModuleLifecycleCountsVersions(t *testing.T) {
	m, err := domain.NewModule(validSpec(), now)
	if err != nil {
		t.Fatal(err)
	}
	spec := validSpec()
	spec.Code = "XX999" // ignored: a revision keeps the code
	spec.Credits = 30
	r, err := m.Revise(spec, now.Add(time.Hour))
	if err != nil || r.Version != 2 || r.Code != "CS201" || r.Credits != 30 || !r.CreatedAt.Equal(now) {
		t.Fatalf("revise: %+v %v", r, err)
	}
	d, err := r.Delete(now.Add(2 * time.Hour))
	if err != nil || !d.Deleted || d.Version != 3 {
		t.Fatalf("delete: %+v %v", d, err)
	}
	if _, err := d.Revise(spec, now); err == nil {
		t.Fatal("revised a deleted module")
	}
	if _, err := d.Delete(now); err == nil {
		t.Fatal("deleted twice")
	}
	back, err := d.Recreate(validSpec(), now.Add(3*time.Hour))
	if err != nil || back.Deleted || back.Version != 4 {
		t.Fatalf("recreate: %+v %v", back, err)
	}
	if _, err := m.Recreate(validSpec(), now); err == nil {
		t.Fatal("recreated a live module")
	}
	f := back.Facts()
	if f.AggregateVersion != 4 || f.Prerequisites == nil || f.Prerequisites.Op != domain.OpAnd || f.Fee.Currency != "GBP" {
		t.Fatalf("facts %+v", f)
	}
	if df := d.DeletedFacts(); df.Code != "CS201" || df.AggregateVersion != 3 {
		t.Fatalf("deleted facts %+v", df)
	}
}

func TestFindPrerequisiteCycle(t *testing.T) {
	graph := map[string][]string{
		"CS101": nil,
		"CS201": {"CS101"},
		"CS301": {"CS201", "MA101"},
		"MA101": nil,
	}
	cases := []struct {
		name    string
		module  string
		prereqs []string
		cycle   []string
	}{
		{"new leaf module", "CS401", []string{"CS301"}, nil},
		{"no prerequisites", "CS101", nil, nil},
		{"diamond is not a cycle", "CS401", []string{"CS301", "CS201", "CS101"}, nil},
		{"direct", "CS101", []string{"CS201"}, []string{"CS101", "CS201", "CS101"}},
		{"transitive", "CS101", []string{"MA101", "CS301"}, []string{"CS101", "CS301", "CS201", "CS101"}},
		{"through another branch", "MA101", []string{"CS301"}, []string{"MA101", "CS301", "MA101"}},
		{"self", "CS201", []string{"CS201"}, []string{"CS201", "CS201"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := domain.FindPrerequisiteCycle(graph, c.module, c.prereqs)
			if !slices.Equal(got, c.cycle) {
				t.Fatalf("cycle %v, want %v", got, c.cycle)
			}
		})
	}
}

func TestNewProgrammeEnforcesInvariants(t *testing.T) {
	cases := []struct {
		name      string
		spec      domain.ProgrammeSpec
		violation string
	}{
		{"valid", domain.ProgrammeSpec{Code: "bsccs", Name: "BSc Computer Science", Faculty: "Science",
			Required: []string{"cs101"}, Electives: []string{"MA101"}}, ""},
		{"bad code", domain.ProgrammeSpec{Code: "BSc CS", Name: "n", Faculty: "f"}, "code"},
		{"no name", domain.ProgrammeSpec{Code: "CS", Faculty: "f"}, "name"},
		{"no faculty", domain.ProgrammeSpec{Code: "CS", Name: "n"}, "faculty"},
		{"bad module", domain.ProgrammeSpec{Code: "CS", Name: "n", Faculty: "f", Required: []string{"nope"}}, "required[0]"},
		{"twice", domain.ProgrammeSpec{Code: "CS", Name: "n", Faculty: "f", Electives: []string{"CS101", "cs101"}}, "electives[1]"},
		{"required and elective", domain.ProgrammeSpec{Code: "CS", Name: "n", Faculty: "f",
			Required: []string{"CS101"}, Electives: []string{"CS101"}}, "electives"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := domain.NewProgramme(c.spec, now)
			if c.violation == "" {
				if err != nil || p.Code != "BSCCS" || p.Required[0] != "CS101" || p.Version != 1 {
					t.Fatalf("%+v %v", p, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.violation+" ") {
				t.Fatalf("error %v does not name %s", err, c.violation)
			}
		})
	}
}
