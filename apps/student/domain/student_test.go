package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/student/domain"
)

func TestNewStudentEnforcesInvariants(t *testing.T) {
	now := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	cases := []struct {
		name  string
		year  int
		email string
		given string
		ok    bool
	}{
		{"valid", 1, " A@B.ac.uk ", "Ada", true},
		{"year zero", 0, "a@b.ac.uk", "Ada", false},
		{"year too high", 8, "a@b.ac.uk", "Ada", false},
		{"no email", 2, "ab.ac.uk", "Ada", false},
		{"blank name", 2, "a@b.ac.uk", "  ", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := domain.NewStudent("id-1", " s123 ", c.given, "Lovelace", domain.Personal{Email: c.email, DateOfBirth: "2005-02-03"}, "cs", c.year, now)
			if c.ok != (err == nil) {
				t.Fatalf("err = %v", err)
			}
			if !c.ok {
				if !errors.Is(err, domain.ErrInvalidStudent) {
					t.Fatalf("error %v is not ErrInvalidStudent", err)
				}
				return
			}
			if s.StudentNumber != "S123" || s.Programme != "CS" || s.Personal.Email != "a@b.ac.uk" || s.Version != 1 {
				t.Fatalf("not normalised: %+v", s)
			}
			ev := s.Created()
			if ev.StudentID != "id-1" || ev.AggregateVersion != 1 || !ev.OccurredAt.Equal(now) {
				t.Fatalf("event %+v", ev)
			}
		})
	}
}

func TestGradeMeets(t *testing.T) {
	cases := []struct {
		grade, min string
		ok         bool
	}{{"A", "C", true}, {"C", "C", true}, {"D", "C", false}, {"F", "F", true}, {"X", "C", false}}
	for _, c := range cases {
		if domain.GradeMeets(c.grade, c.min) != c.ok {
			t.Errorf("GradeMeets(%s, %s) != %v", c.grade, c.min, c.ok)
		}
	}
}
