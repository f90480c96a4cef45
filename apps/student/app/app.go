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
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// Students stores student aggregates. Every change bumps the student's version and records
// its event in the same transaction (the outbox), so events exist exactly when changes do.
type Students interface {
	Create(ctx context.Context, s domain.Student) error
	Get(ctx context.Context, id string) (domain.Student, error)
	Update(ctx context.Context, id string, fn func(*domain.Student) error) (domain.Student, error)
	Search(ctx context.Context, q SearchQuery) ([]domain.Student, error)
	RecordCompleted(ctx context.Context, studentID string, c domain.Completed) (domain.Student, error)
	History(ctx context.Context, studentID string) ([]domain.Completed, error)
	PlaceHold(ctx context.Context, h domain.Hold) (domain.Student, error)
	LiftHold(ctx context.Context, studentID, holdID string, at time.Time) (domain.Student, error)
	Holds(ctx context.Context, studentID string) ([]domain.Hold, error)
	// SummariesAfter builds the summaries of up to limit students, ordered by id, whose id
	// sorts after after ("" = from the first), each from one consistent snapshot.
	SummariesAfter(ctx context.Context, after string, limit int) ([]Summary, error)
}

// Summaries is the key-value read model of students (registration reads it).
type Summaries interface {
	// Put stores s unless the stored summary is as new or newer.
	Put(ctx context.Context, s Summary) error
	Get(ctx context.Context, studentID string) (Summary, error)
}

// Summary is what other services need to know about a student to register them: no
// personal data, only programme, year, completed modules and holds.
type Summary struct {
	StudentID     string           `json:"studentId"`
	Programme     string           `json:"programme"`
	YearOfStudy   int              `json:"yearOfStudy"`
	Completed     []CompletedEntry `json:"completed"`
	BlockingHolds int              `json:"blockingHolds"`
	WarningHolds  int              `json:"warningHolds"`
	Version       int              `json:"version"`
}

// CompletedEntry is one completed module in a summary.
type CompletedEntry struct {
	ModuleCode string `json:"moduleCode"`
	Grade      string `json:"grade"`
	Term       string `json:"term"`
	Credits    int    `json:"credits"`
}

// SearchQuery pages through students by name or programme, ordered by student number.
type SearchQuery struct {
	Name      string
	Programme string
	After     string
	Limit     int
}

// Service is the student application service.
type Service struct {
	Students  Students
	Summaries Summaries
	Now       func() time.Time
}

// ErrNotFound is what adapters return for a missing student or hold.
var ErrNotFound = errs.E(errs.NotFound, "student not found")

func invalid(err error) error { return errs.Wrap(errs.Invalid, err, err.Error()) }

func checkID(id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errs.InvalidFields("malformed id", errs.FieldError{Field: "id", Message: "must be a UUID"})
	}
	return nil
}

// CreateStudent is the command to enrol a new student.
type CreateStudent struct {
	StudentNumber string
	GivenName     string
	FamilyName    string
	Personal      domain.Personal
	Programme     string
	YearOfStudy   int
}

// Create enrols a student and announces it.
func (s *Service) Create(ctx context.Context, cmd CreateStudent) (domain.Student, error) {
	st, err := domain.NewStudent(uuid.NewString(), cmd.StudentNumber, cmd.GivenName, cmd.FamilyName,
		cmd.Personal, cmd.Programme, cmd.YearOfStudy, s.Now())
	if err != nil {
		return domain.Student{}, invalid(err)
	}
	if err := s.Students.Create(ctx, st); err != nil {
		return domain.Student{}, fmt.Errorf("create student %s: %w", st.StudentNumber, err)
	}
	return st, nil
}

// Get returns one student.
func (s *Service) Get(ctx context.Context, id string) (domain.Student, error) {
	if err := checkID(id); err != nil {
		return domain.Student{}, err
	}
	return s.Students.Get(ctx, id)
}

// UpdateStudent changes a profile; nil fields stay as they are.
type UpdateStudent struct {
	Email       *string
	Phone       *string
	DateOfBirth *string
	Address     *string
	YearOfStudy *int // registry staff only: the port refuses it from students
}

// Update applies cmd to a student.
func (s *Service) Update(ctx context.Context, id string, cmd UpdateStudent) (domain.Student, error) {
	if err := checkID(id); err != nil {
		return domain.Student{}, err
	}
	now := s.Now()
	return s.Students.Update(ctx, id, func(st *domain.Student) error {
		p := st.Personal
		for _, f := range []struct {
			v   *string
			dst *string
		}{{cmd.Email, &p.Email}, {cmd.Phone, &p.Phone}, {cmd.DateOfBirth, &p.DateOfBirth}, {cmd.Address, &p.Address}} {
			if f.v != nil {
				*f.dst = *f.v
			}
		}
		if err := st.SetPersonal(p, now); err != nil {
			return invalid(err)
		}
		if cmd.YearOfStudy != nil {
			if err := st.SetYearOfStudy(*cmd.YearOfStudy, now); err != nil {
				return invalid(err)
			}
		}
		return nil
	})
}

// Search finds students by name or programme.
func (s *Service) Search(ctx context.Context, q SearchQuery) ([]domain.Student, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	return s.Students.Search(ctx, q)
}

// RecordCompleted adds a completed module to a student's history.
func (s *Service) RecordCompleted(ctx context.Context, id, module, grade, term string, credits int) (domain.Completed, error) {
	if err := checkID(id); err != nil {
		return domain.Completed{}, err
	}
	c, err := domain.NewCompleted(module, grade, term, credits, s.Now())
	if err != nil {
		return domain.Completed{}, invalid(err)
	}
	if _, err := s.Students.RecordCompleted(ctx, id, c); err != nil {
		return domain.Completed{}, fmt.Errorf("record %s for %s: %w", c.ModuleCode, id, err)
	}
	return c, nil
}

// History lists a student's completed modules.
func (s *Service) History(ctx context.Context, id string) ([]domain.Completed, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if _, err := s.Students.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.Students.History(ctx, id)
}

// PlaceHold puts a hold on a student.
func (s *Service) PlaceHold(ctx context.Context, id string, kind domain.HoldKind, reason, by string) (domain.Hold, error) {
	if err := checkID(id); err != nil {
		return domain.Hold{}, err
	}
	h, err := domain.NewHold(uuid.NewString(), id, kind, reason, by, s.Now())
	if err != nil {
		return domain.Hold{}, invalid(err)
	}
	if _, err := s.Students.PlaceHold(ctx, h); err != nil {
		return domain.Hold{}, fmt.Errorf("place hold on %s: %w", id, err)
	}
	return h, nil
}

// LiftHold ends a hold.
func (s *Service) LiftHold(ctx context.Context, id, holdID string) error {
	if err := checkID(id); err != nil {
		return err
	}
	if err := checkID(holdID); err != nil {
		return err
	}
	_, err := s.Students.LiftHold(ctx, id, holdID, s.Now())
	return err
}

// Holds lists a student's holds, lifted ones included.
func (s *Service) Holds(ctx context.Context, id string) ([]domain.Hold, error) {
	if err := checkID(id); err != nil {
		return nil, err
	}
	if _, err := s.Students.Get(ctx, id); err != nil {
		return nil, err
	}
	return s.Students.Holds(ctx, id)
}

// RefreshSummary rebuilds a student's read model from the database (the truth) when an
// event says it changed. Events may arrive twice or out of order: a summary is only ever
// replaced by a newer version.
func (s *Service) RefreshSummary(ctx context.Context, id string) error {
	st, err := s.Students.Get(ctx, id)
	if err != nil {
		return err
	}
	history, err := s.Students.History(ctx, id)
	if err != nil {
		return err
	}
	holds, err := s.Students.Holds(ctx, id)
	if err != nil {
		return err
	}
	sum := Summary{StudentID: st.ID, Programme: st.Programme, YearOfStudy: st.YearOfStudy, Version: st.Version,
		Completed: make([]CompletedEntry, 0, len(history))}
	for _, c := range history {
		sum.Completed = append(sum.Completed, CompletedEntry{ModuleCode: c.ModuleCode, Grade: c.Grade, Term: c.Term, Credits: c.Credits})
	}
	for _, h := range holds {
		if !h.Active() {
			continue
		}
		if h.Kind == domain.Blocking {
			sum.BlockingHolds++
		} else {
			sum.WarningHolds++
		}
	}
	return s.Summaries.Put(ctx, sum)
}

// Summary reads a student's read model.
func (s *Service) Summary(ctx context.Context, id string) (Summary, error) {
	if err := checkID(id); err != nil {
		return Summary{}, err
	}
	return s.Summaries.Get(ctx, id)
}

// SummaryFeed returns a page of every student's summary (no personal data), ordered by id,
// built from the database: the feed the registration app fills its student read model from.
func (s *Service) SummaryFeed(ctx context.Context, r page.Request) (page.Page[Summary], error) {
	r = r.Normalised()
	if r.After != "" {
		if _, err := uuid.Parse(r.After); err != nil {
			return page.Page[Summary]{}, errs.InvalidFields("malformed after", errs.FieldError{Field: "after", Message: "must be a UUID"})
		}
	}
	rows, err := s.Students.SummariesAfter(ctx, r.After, r.Limit+1)
	if err != nil {
		return page.Page[Summary]{}, fmt.Errorf("summary feed after %q: %w", r.After, err)
	}
	return page.Of(r, rows, func(x Summary) string { return x.StudentID }), nil
}
