package app

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// A lecturer's account carries the id of their lecturer record (identity user id =
// schedule lecturer id), so the sections a lecturer teaches are those whose read-model
// lecturer is the caller.

// TeachingSection is a section a lecturer teaches, with its numbers now.
type TeachingSection struct {
	ID         string      `json:"id"`
	ModuleCode string      `json:"moduleCode"`
	Semester   string      `json:"semester"`
	Capacity   int         `json:"capacity"`
	Timeslots  []SlotFacts `json:"timeslots"`
	Confirmed  int         `json:"confirmed"`
	Pending    int         `json:"pending"`
	Waitlisted int         `json:"waitlisted"`
}

// RosterEntry is a student holding or having a seat in a section.
type RosterEntry struct {
	RegistrationID string    `json:"registrationId"`
	StudentID      string    `json:"studentId"`
	Status         string    `json:"status"`
	Since          time.Time `json:"since"`
}

// WaitlistSeat is a student waiting for a seat in a section.
type WaitlistSeat struct {
	RegistrationID string `json:"registrationId"`
	StudentID      string `json:"studentId"`
	Position       int    `json:"position"`
}

// Roster is who is in a section: confirmed and seat-holding students, then the waitlist.
type Roster struct {
	SectionID  string         `json:"sectionId"`
	ModuleCode string         `json:"moduleCode"`
	Semester   string         `json:"semester"`
	Capacity   int            `json:"capacity"`
	LecturerID string         `json:"lecturerId"`
	Students   []RosterEntry  `json:"students"`
	Waitlist   []WaitlistSeat `json:"waitlist"`
}

// Teaching reads sections and rosters for lecturers and registry staff.
type Teaching interface {
	// SectionsTaughtBy lists the sections whose lecturer is lecturerID.
	SectionsTaughtBy(ctx context.Context, lecturerID string) ([]TeachingSection, error)
	// Roster returns a section's roster; errs.NotFound when the section is unknown.
	Roster(ctx context.Context, sectionID string) (Roster, error)
}

// SectionsTaught lists the sections the lecturer (by their user id) teaches.
func (s *Service) SectionsTaught(ctx context.Context, lecturerID string) ([]TeachingSection, error) {
	list, err := s.Teaching.SectionsTaughtBy(ctx, lecturerID)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []TeachingSection{}
	}
	return list, nil
}

// SectionRoster returns a section's roster to registry staff or to the lecturer who
// teaches it; any other lecturer is refused.
func (s *Service) SectionRoster(ctx context.Context, sectionID, lecturerID string, staff bool) (Roster, error) {
	if _, err := uuid.Parse(sectionID); err != nil {
		return Roster{}, errs.InvalidFields("malformed id", errs.FieldError{Field: "id", Message: "must be a UUID"})
	}
	r, err := s.Teaching.Roster(ctx, sectionID)
	if err != nil {
		return Roster{}, err
	}
	if !staff && (lecturerID == "" || r.LecturerID != lecturerID) {
		return Roster{}, errs.E(errs.Forbidden, "you do not teach this section")
	}
	return r, nil
}
