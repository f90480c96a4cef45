package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Term is the part of the academic year a semester belongs to.
type Term string

// The terms of an academic year.
const (
	Autumn Term = "AUTUMN"
	Spring Term = "SPRING"
	Summer Term = "SUMMER"
)

// Valid reports whether t is a known term.
func (t Term) Valid() bool { return t == Autumn || t == Spring || t == Summer }

// MaxYearOfStudy bounds a cohort's year of study (long part-time programmes included).
const MaxYearOfStudy = 7

// RegistrationWindow is a cohort's time ticket: students in YearOfStudy may register from
// OpensAt (inclusive) until ClosesAt (exclusive).
type RegistrationWindow struct {
	YearOfStudy int
	OpensAt     time.Time
	ClosesAt    time.Time
}

// Semester is a teaching period with its add/drop deadline and registration windows.
type Semester struct {
	Code            string
	Term            Term
	StartsOn        time.Time // a date (UTC midnight)
	EndsOn          time.Time // a date (UTC midnight), inclusive
	AddDropDeadline time.Time // a date (UTC midnight), inclusive
	Windows         []RegistrationWindow
}

var semesterCode = regexp.MustCompile(`^[0-9]{4}-[A-Z]{2,6}$`)

// NewSemester builds a semester and checks its rules: a code like "2026-AUT", a known term,
// a start before the end, the add/drop deadline inside the semester, and at most one window
// per year of study, each opening before it closes and closing before the semester ends.
func NewSemester(code string, term Term, startsOn, endsOn, addDrop time.Time, windows []RegistrationWindow) (Semester, error) {
	s := Semester{Code: strings.ToUpper(strings.TrimSpace(code)), Term: Term(strings.ToUpper(string(term))),
		StartsOn: dateOf(startsOn), EndsOn: dateOf(endsOn), AddDropDeadline: dateOf(addDrop)}
	var v violations
	if !semesterCode.MatchString(s.Code) {
		v.add("code", "must look like 2026-AUT")
	}
	if !s.Term.Valid() {
		v.add("term", "must be one of AUTUMN, SPRING, SUMMER")
	}
	if !s.StartsOn.Before(s.EndsOn) {
		v.add("endsOn", "must be after startsOn")
	}
	if s.AddDropDeadline.Before(s.StartsOn) || s.AddDropDeadline.After(s.EndsOn) {
		v.add("addDropDeadline", "must lie between startsOn and endsOn")
	}
	end := s.EndsOn.AddDate(0, 0, 1)
	seen := map[int]bool{}
	for i, w := range windows {
		field := fmt.Sprintf("registrationWindows[%d]", i)
		switch {
		case w.YearOfStudy < 1 || w.YearOfStudy > MaxYearOfStudy:
			v.add(field+".yearOfStudy", fmt.Sprintf("must be between 1 and %d", MaxYearOfStudy))
		case seen[w.YearOfStudy]:
			v.add(field+".yearOfStudy", "has a window already")
		}
		seen[w.YearOfStudy] = true
		if !w.OpensAt.Before(w.ClosesAt) {
			v.add(field+".closesAt", "must be after opensAt")
		}
		if w.ClosesAt.After(end) {
			v.add(field+".closesAt", "must not be after the semester ends")
		}
		s.Windows = append(s.Windows, RegistrationWindow{YearOfStudy: w.YearOfStudy,
			OpensAt: w.OpensAt.UTC(), ClosesAt: w.ClosesAt.UTC()})
	}
	if err := v.err("the semester breaks the schedule's rules"); err != nil {
		return Semester{}, err
	}
	slices.SortFunc(s.Windows, func(a, b RegistrationWindow) int { return a.YearOfStudy - b.YearOfStudy })
	return s, nil
}

func dateOf(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// RegistrationOpen reports whether students in yearOfStudy may register at the instant at.
// A cohort without a window may not register.
func (s Semester) RegistrationOpen(yearOfStudy int, at time.Time) bool {
	for _, w := range s.Windows {
		if w.YearOfStudy == yearOfStudy {
			return !at.Before(w.OpensAt) && at.Before(w.ClosesAt)
		}
	}
	return false
}
