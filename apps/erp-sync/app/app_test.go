package app

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

type fakeStudents struct {
	record func(ctx context.Context, id string) (domain.StudentRecord, error)
}

func (f fakeStudents) Record(ctx context.Context, id string) (domain.StudentRecord, error) {
	return f.record(ctx, id)
}

type fakeERP struct {
	students   []domain.StudentMaster
	enrolments []domain.Enrolment
	err        error
}

func (f *fakeERP) UpsertStudent(_ context.Context, s domain.StudentMaster) error {
	f.students = append(f.students, s)
	return f.err
}

func (f *fakeERP) UpsertEnrolment(_ context.Context, e domain.Enrolment) error {
	f.enrolments = append(f.enrolments, e)
	return f.err
}

const studentID = "0b6f4c1e-8d0e-4a51-9c55-3f2d2f8f2a10"

func known(_ context.Context, id string) (domain.StudentRecord, error) {
	return domain.StudentRecord{ID: id, StudentNumber: "S1", GivenName: "Ada", FamilyName: "King", Programme: "CS",
		YearOfStudy: 1, Version: 1}, nil
}

func TestRegistrationConfirmedWritesTheStudentThenTheEnrolment(t *testing.T) {
	erp := &fakeERP{}
	s := &Sync{Students: fakeStudents{known}, ERP: erp}
	err := s.RegistrationConfirmed(context.Background(), domain.RegistrationConfirmed{
		RegistrationID: "6a1d3c52-7e0b-4f0e-8b9a-2b1b4a3c9d01", StudentID: studentID,
		SectionID: "f3a9e0d2-1c4b-4e8f-a7d6-5b2c8e9f0a13", ModuleCode: "CS1010", Semester: "2026-AUT",
		Status: "CONFIRMED", FeeMinor: 100, Currency: "GBP", AggregateVersion: 2, OccurredAt: "2026-09-01T10:00:00Z"})
	if err != nil {
		t.Fatal(err)
	}
	if len(erp.students) != 1 || erp.students[0].StudentID != studentID || erp.students[0].Surname != "King" {
		t.Fatalf("student master writes: %+v", erp.students)
	}
	if len(erp.enrolments) != 1 || erp.enrolments[0].ModuleCode != "CS1010" {
		t.Fatalf("enrolment writes: %+v", erp.enrolments)
	}
}

func TestAnUnmappableRegistrationTouchesNothing(t *testing.T) {
	erp := &fakeERP{}
	s := &Sync{Students: fakeStudents{known}, ERP: erp}
	err := s.RegistrationConfirmed(context.Background(), domain.RegistrationConfirmed{RegistrationID: "x", StudentID: studentID})
	if !Poison(err) {
		t.Fatalf("got %v, want poison", err)
	}
	if len(erp.students)+len(erp.enrolments) != 0 {
		t.Fatalf("wrote %+v %+v for an unmappable event", erp.students, erp.enrolments)
	}
}

func TestPoisonTellsDropFromRetry(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		poison bool
	}{
		{"unknown student", fmt.Errorf("read student: %w", errs.E(errs.NotFound, "student not found")), true},
		{"refused lookup", errs.E(errs.Invalid, "malformed id"), true},
		{"unmappable", fmt.Errorf("write: %w", domain.ErrUnmappable), true},
		{"student app down", errs.E(errs.Unavailable, "student is unreachable"), false},
		{"binding failed", errors.New("legacy ERP binding: connection refused"), false},
	}
	for _, c := range cases {
		if got := Poison(c.err); got != c.poison {
			t.Errorf("%s: Poison = %v, want %v", c.name, got, c.poison)
		}
	}
	erp := &fakeERP{}
	s := &Sync{Students: fakeStudents{func(context.Context, string) (domain.StudentRecord, error) {
		return domain.StudentRecord{}, errs.E(errs.Unavailable, "student is unreachable")
	}}, ERP: erp}
	if err := s.StudentCreated(context.Background(), studentID); err == nil || Poison(err) {
		t.Fatalf("an unreachable student app gave %v, want a transient error", err)
	}
}
