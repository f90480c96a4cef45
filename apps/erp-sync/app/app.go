// Package app is what erp-sync does with the events it consumes: look up what the events
// leave out, map it onto the legacy ERP's records and write them, idempotently.
package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Students reads student records from the student app.
type Students interface {
	// Record returns the student's record; an unknown student is an errs.NotFound.
	Record(ctx context.Context, studentID string) (domain.StudentRecord, error)
}

// ERP writes the legacy ERP's tables. Each write is an upsert by the row's business key
// that keeps the newest source version, so repeating it changes nothing.
type ERP interface {
	UpsertStudent(ctx context.Context, s domain.StudentMaster) error
	UpsertEnrolment(ctx context.Context, e domain.Enrolment) error
}

// Sync keeps the legacy ERP in step with Registrar.
type Sync struct {
	Students Students
	ERP      ERP
}

// StudentCreated writes the new student's STUDENT_MASTER row.
func (s *Sync) StudentCreated(ctx context.Context, studentID string) error {
	return s.syncStudent(ctx, studentID)
}

// RegistrationConfirmed writes the registration's ENROLMENT row, and the student's
// STUDENT_MASTER row first: the ERP must know the student of an enrolment even when the
// student's own event has not arrived yet (RabbitMQ may reorder) or predates erp-sync.
func (s *Sync) RegistrationConfirmed(ctx context.Context, e domain.RegistrationConfirmed) error {
	row, err := domain.NewEnrolment(e)
	if err != nil {
		return err
	}
	if err := s.syncStudent(ctx, e.StudentID); err != nil {
		return err
	}
	if err := s.ERP.UpsertEnrolment(ctx, row); err != nil {
		return fmt.Errorf("write enrolment %s: %w", row.RegID, err)
	}
	return nil
}

func (s *Sync) syncStudent(ctx context.Context, studentID string) error {
	rec, err := s.Students.Record(ctx, studentID)
	if err != nil {
		return fmt.Errorf("read student %s: %w", studentID, err)
	}
	row, err := domain.NewStudentMaster(rec)
	if err != nil {
		return err
	}
	if err := s.ERP.UpsertStudent(ctx, row); err != nil {
		return fmt.Errorf("write student master %s: %w", row.StudentID, err)
	}
	return nil
}

// Poison reports whether err can never succeed on redelivery: a fact the ERP cannot
// hold, or a student the student app does not know or refuses to look up. Everything else
// (the student app, the sidecar or MariaDB unavailable) is transient.
func Poison(err error) bool {
	if errors.Is(err, domain.ErrUnmappable) {
		return true
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return e.Kind == errs.NotFound || e.Kind == errs.Invalid
	}
	return false
}
