// Package app holds the student service's commands and queries. It declares the storage it
// needs; adapters provide it.
package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Students stores student aggregates. Create also records StudentCreated in the same
// transaction (the outbox), so the event exists exactly when the student does.
type Students interface {
	Create(ctx context.Context, s domain.Student) error
	Get(ctx context.Context, id string) (domain.Student, error)
	List(ctx context.Context, q ListQuery) ([]domain.Student, error)
}

// ListQuery pages through students ordered by student number.
type ListQuery struct {
	Programme string
	After     string // student number to start after
	Limit     int
}

// Service is the student application service.
type Service struct {
	Students Students
	Now      func() time.Time
}

// CreateStudent is the command to enrol a new student.
type CreateStudent struct {
	StudentNumber string
	GivenName     string
	FamilyName    string
	Email         string
	Programme     string
	YearOfStudy   int
}

// Create enrols a student and announces it.
func (s *Service) Create(ctx context.Context, cmd CreateStudent) (domain.Student, error) {
	st, err := domain.NewStudent(uuid.NewString(), cmd.StudentNumber, cmd.GivenName, cmd.FamilyName,
		cmd.Email, cmd.Programme, cmd.YearOfStudy, s.Now())
	if err != nil {
		return domain.Student{}, errs.Wrap(errs.Invalid, err, err.Error())
	}
	if err := s.Students.Create(ctx, st); err != nil {
		return domain.Student{}, fmt.Errorf("create student %s: %w", st.StudentNumber, err)
	}
	return st, nil
}

// Get returns one student.
func (s *Service) Get(ctx context.Context, id string) (domain.Student, error) {
	if _, err := uuid.Parse(id); err != nil {
		return domain.Student{}, errs.InvalidFields("malformed student id",
			errs.FieldError{Field: "id", Message: "must be a UUID"})
	}
	st, err := s.Students.Get(ctx, id)
	if err != nil {
		return domain.Student{}, fmt.Errorf("get student %s: %w", id, err)
	}
	return st, nil
}

// List returns a page of students.
func (s *Service) List(ctx context.Context, q ListQuery) ([]domain.Student, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	list, err := s.Students.List(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list students: %w", err)
	}
	return list, nil
}

// ErrNotFound is what adapters return for a missing student.
var ErrNotFound = errs.E(errs.NotFound, "student not found")
