// Package domain holds the student aggregate — profile, personal data, academic history
// and holds — and its rules. It imports only the standard library.
package domain

import (
	"errors"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Personal is the student's personal data. It is encrypted at rest and never leaves the
// student service in an event.
type Personal struct {
	Email       string
	Phone       string
	DateOfBirth string // YYYY-MM-DD
	Address     string
}

// Student is a person enrolled on a programme.
type Student struct {
	ID            string
	StudentNumber string
	GivenName     string
	FamilyName    string
	Personal      Personal
	Programme     string
	YearOfStudy   int
	Version       int
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// ErrInvalidStudent is returned for values that break the aggregate's rules.
var ErrInvalidStudent = errors.New("invalid student")

// MaxYearOfStudy bounds the year of study (long part-time programmes included).
const MaxYearOfStudy = 7

var phoneRule = regexp.MustCompile(`^\+?[0-9 ()-]{6,20}$`)

func invalid(msg string) error { return errors.Join(ErrInvalidStudent, errors.New(msg)) }

// NewStudent creates a student at version 1, enforcing the aggregate's invariants.
func NewStudent(id, number, given, family string, p Personal, programme string, year int, now time.Time) (Student, error) {
	s := Student{
		ID: id, StudentNumber: strings.ToUpper(strings.TrimSpace(number)),
		GivenName: strings.TrimSpace(given), FamilyName: strings.TrimSpace(family),
		Programme: strings.ToUpper(strings.TrimSpace(programme)), YearOfStudy: year,
		Version: 1, CreatedAt: now.UTC(), UpdatedAt: now.UTC(),
	}
	if s.ID == "" || s.StudentNumber == "" || s.GivenName == "" || s.FamilyName == "" || s.Programme == "" {
		return Student{}, invalid("id, number, names and programme are required")
	}
	if year < 1 || year > MaxYearOfStudy {
		return Student{}, invalid("year of study out of range")
	}
	if err := s.SetPersonal(p, now); err != nil {
		return Student{}, err
	}
	s.Version = 1
	return s, nil
}

// SetPersonal replaces the personal data after checking it, and bumps the version.
func (s *Student) SetPersonal(p Personal, now time.Time) error {
	p.Email = strings.ToLower(strings.TrimSpace(p.Email))
	p.Phone = strings.TrimSpace(p.Phone)
	p.Address = strings.TrimSpace(p.Address)
	if at := strings.IndexByte(p.Email, '@'); at < 1 || at == len(p.Email)-1 {
		return invalid("email must be an address")
	}
	if p.Phone != "" && !phoneRule.MatchString(p.Phone) {
		return invalid("phone must be a phone number")
	}
	if p.DateOfBirth != "" {
		dob, err := time.Parse(time.DateOnly, p.DateOfBirth)
		if err != nil || dob.After(now) || now.Sub(dob) > 120*365*24*time.Hour {
			return invalid("date of birth must be a past date (YYYY-MM-DD)")
		}
	}
	s.Personal = p
	s.touch(now)
	return nil
}

// SetYearOfStudy moves the student to another year.
func (s *Student) SetYearOfStudy(year int, now time.Time) error {
	if year < 1 || year > MaxYearOfStudy {
		return invalid("year of study out of range")
	}
	s.YearOfStudy = year
	s.touch(now)
	return nil
}

func (s *Student) touch(now time.Time) {
	s.Version++
	s.UpdatedAt = now.UTC()
}

// Grades from best to worst; a prerequisite's minimum grade is met by it or any better.
var Grades = []string{"A", "B", "C", "D", "E", "F"}

// GradeMeets reports whether grade is at least minimum.
func GradeMeets(grade, minimum string) bool {
	g, m := slices.Index(Grades, grade), slices.Index(Grades, minimum)
	return g >= 0 && m >= 0 && g <= m
}

// Completed is one module in the student's academic history.
type Completed struct {
	ModuleCode string
	Grade      string
	Term       string // e.g. 2025-AUT
	Credits    int
	RecordedAt time.Time
}

var (
	moduleRule = regexp.MustCompile(`^[A-Z]{2,5}[0-9]{3,4}$`)
	termRule   = regexp.MustCompile(`^[0-9]{4}-(AUT|SPR|SUM)$`)
)

// NewCompleted checks a history entry.
func NewCompleted(module, grade, term string, credits int, now time.Time) (Completed, error) {
	c := Completed{ModuleCode: strings.ToUpper(strings.TrimSpace(module)), Grade: strings.ToUpper(grade),
		Term: strings.ToUpper(term), Credits: credits, RecordedAt: now.UTC()}
	switch {
	case !moduleRule.MatchString(c.ModuleCode):
		return Completed{}, invalid("module code must look like CS101")
	case !slices.Contains(Grades, c.Grade):
		return Completed{}, invalid("grade must be one of A-F")
	case !termRule.MatchString(c.Term):
		return Completed{}, invalid("term must look like 2025-AUT")
	case credits < 0 || credits > 120:
		return Completed{}, invalid("credits out of range")
	}
	return c, nil
}

// HoldKind says whether a hold blocks registration or only warns.
type HoldKind string

// The kinds of hold.
const (
	Blocking HoldKind = "blocking"
	Warning  HoldKind = "warning"
)

// Hold is a registry flag on a student (unpaid fees, missing documents …).
type Hold struct {
	ID        string
	StudentID string
	Kind      HoldKind
	Reason    string
	PlacedBy  string
	PlacedAt  time.Time
	LiftedAt  *time.Time
}

// NewHold checks a hold.
func NewHold(id, studentID string, kind HoldKind, reason, placedBy string, now time.Time) (Hold, error) {
	h := Hold{ID: id, StudentID: studentID, Kind: kind, Reason: strings.TrimSpace(reason), PlacedBy: placedBy, PlacedAt: now.UTC()}
	switch {
	case kind != Blocking && kind != Warning:
		return Hold{}, invalid("hold kind must be blocking or warning")
	case h.Reason == "" || len(h.Reason) > 200:
		return Hold{}, invalid("a hold needs a reason of at most 200 characters")
	case placedBy == "":
		return Hold{}, invalid("a hold records who placed it")
	}
	return h, nil
}

// Active reports whether the hold is in force.
func (h Hold) Active() bool { return h.LiftedAt == nil }
