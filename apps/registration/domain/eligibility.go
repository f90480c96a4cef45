package domain

import (
	"fmt"
	"slices"
	"time"
)

// Grades from best to worst.
var Grades = []string{"A", "B", "C", "D", "E", "F"}

// PassMark is the lowest passing grade: a module completed with it or better is done.
const PassMark = "E"

// GradeMeets reports whether grade is minimum or better.
func GradeMeets(grade, minimum string) bool {
	g, m := slices.Index(Grades, grade), slices.Index(Grades, minimum)
	return g >= 0 && m >= 0 && g <= m
}

// Prerequisite is an AND/OR tree of modules with minimum grades.
type Prerequisite struct {
	Op       string         `json:"op,omitempty"` // AND, OR, or "" for a leaf
	Module   string         `json:"module,omitempty"`
	MinGrade string         `json:"minGrade,omitempty"`
	Operands []Prerequisite `json:"operands,omitempty"`
}

// Met reports whether the grades satisfy the tree.
func (p Prerequisite) Met(grades map[string]string) bool {
	switch p.Op {
	case "AND":
		for _, o := range p.Operands {
			if !o.Met(grades) {
				return false
			}
		}
		return true
	case "OR":
		for _, o := range p.Operands {
			if o.Met(grades) {
				return true
			}
		}
		return len(p.Operands) == 0
	default:
		g, ok := grades[p.Module]
		return ok && GradeMeets(g, p.MinGrade)
	}
}

// String renders the tree for a refusal message.
func (p Prerequisite) String() string {
	if p.Op == "" {
		return p.Module + " (grade " + p.MinGrade + " or better)"
	}
	s := ""
	for i, o := range p.Operands {
		if i > 0 {
			s += " " + p.Op + " "
		}
		if o.Op != "" {
			s += "(" + o.String() + ")"
		} else {
			s += o.String()
		}
	}
	return s
}

// Module is what eligibility needs of a module.
type Module struct {
	Code           string
	Credits        int
	Fee            Money
	Terms          []string
	Prerequisites  *Prerequisite
	CoRequisites   []string
	AntiRequisites []string
}

// Slot is a weekly timeslot in minutes after midnight.
type Slot struct {
	Day        string
	Start, End int
}

// Overlaps reports whether two slots share time.
func (s Slot) Overlaps(o Slot) bool { return s.Day == o.Day && s.Start < o.End && o.Start < s.End }

// Section is what eligibility needs of a section.
type Section struct {
	ID, ModuleCode, Semester, LecturerID string
	Slots                                []Slot
}

// Window is a registration time ticket for one year of study.
type Window struct {
	Year              int
	OpensAt, ClosesAt time.Time
}

// Semester is what eligibility needs of a semester.
type Semester struct {
	Code, Term      string
	AddDropDeadline time.Time
	Windows         []Window
}

// Student is what eligibility needs of a student.
type Student struct {
	ID            string
	Programme     string
	Year          int
	Completed     map[string]string // module → best grade
	BlockingHolds int
}

// Taking is a registration the student already holds or waits for this semester.
type Taking struct {
	RegistrationID string
	Section        Section
	Credits        int
}

// Override waives one rule for one student and module, granted by registry staff.
type Override struct {
	ModuleCode string
	Rule       string // prerequisite, capacity, time-conflict
}

// Violation is one failed eligibility rule.
type Violation struct {
	Rule      string `json:"rule"`
	SectionID string `json:"sectionId,omitempty"`
	Module    string `json:"module,omitempty"`
	Message   string `json:"message"`
}

// The eligibility rules, by the code a refusal names.
const (
	RuleUnknownSection    = "unknown-section"
	RuleWrongSemester     = "wrong-semester"
	RuleOffered           = "offered"
	RuleLecturer          = "lecturer"
	RulePrerequisite      = "prerequisite"
	RuleCoRequisite       = "corequisite"
	RuleAntiRequisite     = "antirequisite"
	RuleTimeConflict      = "time-conflict"
	RuleCreditLoad        = "credit-load"
	RuleHold              = "hold"
	RuleWindow            = "registration-window"
	RuleAlreadyRegistered = "already-registered"
	RuleDuplicateModule   = "duplicate-module"
	RuleUnknownStudent    = "unknown-student"
	// RuleCapacity is not checked here (a seat is the seat inventory's answer); an
	// override of it lets a student into a full section.
	RuleCapacity = "capacity"
)

// Request is everything one eligibility decision looks at.
type Request struct {
	Student    Student
	Semester   Semester
	Sections   []Section // requested, in order; a missing one has only its ID
	Modules    map[string]Module
	Taking     []Taking
	Overrides  []Override
	MaxCredits int
	Now        time.Time
}

// Without returns the request as if the student did not hold the registration: a swap
// gives up its registration, so that one's module, timeslot and credits must not block
// the section it moves to.
func (r Request) Without(registrationID string) Request {
	r.Taking = slices.DeleteFunc(slices.Clone(r.Taking), func(t Taking) bool { return t.RegistrationID == registrationID })
	return r
}

// Overridden reports whether registry staff waived rule for this student and module.
func (r Request) Overridden(module, rule string) bool { return r.overridden(module, rule) }

func (r Request) overridden(module, rule string) bool {
	return slices.ContainsFunc(r.Overrides, func(o Override) bool { return o.ModuleCode == module && o.Rule == rule })
}

// Check returns every rule the request breaks (none: eligible), in a stable order.
func Check(r Request) []Violation {
	var v []Violation
	add := func(rule, section, module, format string, args ...any) {
		v = append(v, Violation{Rule: rule, SectionID: section, Module: module, Message: fmt.Sprintf(format, args...)})
	}
	if r.Student.Programme == "" {
		add(RuleUnknownStudent, "", "", "your student record has not reached registration yet: try again in a minute")
		return v
	}
	if r.Student.BlockingHolds > 0 {
		add(RuleHold, "", "", "a blocking hold is on your record: contact the registry")
	}
	window := false
	for _, w := range r.Semester.Windows {
		if w.Year == r.Student.Year && !r.Now.Before(w.OpensAt) && r.Now.Before(w.ClosesAt) {
			window = true
		}
	}
	if !window {
		add(RuleWindow, "", "", "registration for %s is not open for year %d students now", r.Semester.Code, r.Student.Year)
	}

	taking := map[string]bool{} // modules already registered this semester
	credits := 0
	var busy []Section
	for _, t := range r.Taking {
		taking[t.Section.ModuleCode] = true
		credits += t.Credits
		busy = append(busy, t.Section)
	}
	basket := map[string]bool{}
	for _, s := range r.Sections {
		if s.ModuleCode != "" {
			basket[s.ModuleCode] = true
		}
	}
	seen := map[string]bool{}
	for _, s := range r.Sections {
		m, ok := r.Modules[s.ModuleCode]
		if s.ModuleCode == "" || !ok {
			add(RuleUnknownSection, s.ID, "", "section %s is not in the timetable", s.ID)
			continue
		}
		if s.Semester != r.Semester.Code {
			add(RuleWrongSemester, s.ID, m.Code, "section %s belongs to %s, not %s", s.ID, s.Semester, r.Semester.Code)
		}
		if !slices.Contains(m.Terms, r.Semester.Term) {
			add(RuleOffered, s.ID, m.Code, "%s is not offered in the %s term", m.Code, r.Semester.Term)
		}
		if s.LecturerID == "" {
			add(RuleLecturer, s.ID, m.Code, "section %s has no lecturer assigned yet", s.ID)
		}
		if seen[m.Code] {
			add(RuleDuplicateModule, s.ID, m.Code, "%s is requested twice", m.Code)
		}
		seen[m.Code] = true
		if taking[m.Code] {
			add(RuleAlreadyRegistered, s.ID, m.Code, "you are already registered (or waitlisted) for %s", m.Code)
		}
		if g, done := r.Student.Completed[m.Code]; done && GradeMeets(g, PassMark) {
			add(RuleAlreadyRegistered, s.ID, m.Code, "you have already passed %s (grade %s)", m.Code, g)
		}
		if m.Prerequisites != nil && !m.Prerequisites.Met(r.Student.Completed) && !r.overridden(m.Code, RulePrerequisite) {
			add(RulePrerequisite, s.ID, m.Code, "%s requires %s", m.Code, m.Prerequisites.String())
		}
		for _, co := range m.CoRequisites {
			if _, done := r.Student.Completed[co]; !done && !taking[co] && !basket[co] {
				add(RuleCoRequisite, s.ID, m.Code, "%s must be taken with %s (completed, registered or in this request)", m.Code, co)
			}
		}
		for _, anti := range m.AntiRequisites {
			if _, done := r.Student.Completed[anti]; done || taking[anti] || basket[anti] {
				add(RuleAntiRequisite, s.ID, m.Code, "%s cannot be taken with %s", m.Code, anti)
			}
		}
		if !r.overridden(m.Code, RuleTimeConflict) {
			for _, b := range busy {
				if clash(s, b) {
					add(RuleTimeConflict, s.ID, m.Code, "%s clashes with %s in your timetable", m.Code, b.ModuleCode)
				}
			}
		}
		busy = append(busy, s)
		credits += m.Credits
	}
	if r.MaxCredits > 0 && credits > r.MaxCredits {
		add(RuleCreditLoad, "", "", "%d credits this semester exceed the maximum of %d", credits, r.MaxCredits)
	}
	return v
}

func clash(a, b Section) bool {
	for _, x := range a.Slots {
		for _, y := range b.Slots {
			if x.Overlaps(y) {
				return true
			}
		}
	}
	return false
}
