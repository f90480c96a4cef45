// Package domain holds the student aggregate and its rules. It imports only the standard
// library.
package domain

import (
	"errors"
	"strings"
	"time"
)

// Student is a person enrolled on a programme.
type Student struct {
	ID            string
	StudentNumber string
	GivenName     string
	FamilyName    string
	Email         string
	Programme     string
	YearOfStudy   int
	Version       int
	CreatedAt     time.Time
}

// ErrInvalidStudent is returned by NewStudent for values that break the aggregate's rules.
var ErrInvalidStudent = errors.New("invalid student")

// MaxYearOfStudy bounds the year of study (long part-time programmes included).
const MaxYearOfStudy = 7

// NewStudent creates a student at version 1, enforcing the aggregate's invariants.
func NewStudent(id, number, given, family, email, programme string, year int, now time.Time) (Student, error) {
	s := Student{
		ID: id, StudentNumber: strings.ToUpper(strings.TrimSpace(number)),
		GivenName: strings.TrimSpace(given), FamilyName: strings.TrimSpace(family),
		Email: strings.ToLower(strings.TrimSpace(email)), Programme: strings.ToUpper(strings.TrimSpace(programme)),
		YearOfStudy: year, Version: 1, CreatedAt: now.UTC(),
	}
	switch {
	case s.ID == "", s.StudentNumber == "", s.GivenName == "", s.FamilyName == "", s.Programme == "":
		return Student{}, errors.Join(ErrInvalidStudent, errors.New("id, number, names and programme are required"))
	case !strings.Contains(s.Email, "@"):
		return Student{}, errors.Join(ErrInvalidStudent, errors.New("email must be an address"))
	case year < 1 || year > MaxYearOfStudy:
		return Student{}, errors.Join(ErrInvalidStudent, errors.New("year of study out of range"))
	}
	return s, nil
}

// StudentCreated is the event announcing a new student. It carries ids and facts only:
// consumers look personal data up, so no event log ever holds it.
type StudentCreated struct {
	StudentID        string    `json:"studentId"`
	Programme        string    `json:"programme"`
	YearOfStudy      int       `json:"yearOfStudy"`
	AggregateVersion int       `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// Event types and the topic of the student aggregate.
const (
	TopicStudents         = "students"
	EventStudentCreatedV1 = "student.created.v1"
)

// Created returns the StudentCreated event for s.
func (s Student) Created() StudentCreated {
	return StudentCreated{StudentID: s.ID, Programme: s.Programme, YearOfStudy: s.YearOfStudy,
		AggregateVersion: s.Version, OccurredAt: s.CreatedAt}
}
