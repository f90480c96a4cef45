package app

import (
	"context"
	"time"

	"github.com/registrar-edu/registrar/apps/registration/domain"
)

// ModuleFacts is what registration keeps of a catalogue module.
type ModuleFacts struct {
	Code           string
	Credits        int
	Fee            domain.Money
	Terms          []string
	Prerequisites  *domain.Prerequisite
	CoRequisites   []string
	AntiRequisites []string
	Deleted        bool
	Version        int
}

// SlotFacts is a weekly timeslot.
type SlotFacts struct {
	Day   string `json:"day"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// SectionFacts is what registration keeps of a section.
type SectionFacts struct {
	ID         string      `json:"id"`
	ModuleCode string      `json:"moduleCode"`
	Semester   string      `json:"semester"`
	Capacity   int         `json:"capacity"`
	LecturerID string      `json:"lecturerId"`
	Timeslots  []SlotFacts `json:"timeslots"`
}

// WindowFacts is a registration window.
type WindowFacts struct {
	YearOfStudy int       `json:"yearOfStudy"`
	OpensAt     time.Time `json:"opensAt"`
	ClosesAt    time.Time `json:"closesAt"`
}

// SemesterFacts is what registration keeps of a semester.
type SemesterFacts struct {
	Code            string        `json:"code"`
	Term            string        `json:"term"`
	AddDropDeadline time.Time     `json:"addDropDeadline"`
	Windows         []WindowFacts `json:"windows"`
}

// CompletedFacts is one completed module of a student.
type CompletedFacts struct {
	ModuleCode string `json:"moduleCode"`
	Grade      string `json:"grade"`
	Term       string `json:"term"`
}

// StudentFacts is what registration keeps of a student.
type StudentFacts struct {
	StudentID     string           `json:"studentId"`
	Programme     string           `json:"programme"`
	YearOfStudy   int              `json:"yearOfStudy"`
	Completed     []CompletedFacts `json:"completed"`
	BlockingHolds int              `json:"blockingHolds"`
	Version       int              `json:"version"`
}

// ReadModels keeps registration's copies of other services' data, from their events and
// from reconciliation with their read-model endpoints.
type ReadModels interface {
	UpsertModule(ctx context.Context, m ModuleFacts) error
	DeleteModule(ctx context.Context, code string, version int) error
	UpsertSection(ctx context.Context, s SectionFacts) error
	UpsertSemester(ctx context.Context, s SemesterFacts) error
	UpsertStudent(ctx context.Context, s StudentFacts) error
	AddCompleted(ctx context.Context, studentID, module, term, grade string) error
	HoldChanged(ctx context.Context, studentID, holdID, kind string, lifted bool) error
	ReplaceHolds(ctx context.Context, studentID string, blocking int) error
	// ReconcileStudents applies a page of full student summaries in one round trip.
	ReconcileStudents(ctx context.Context, page []StudentFacts) error
}
