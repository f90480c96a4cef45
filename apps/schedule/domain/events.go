package domain

import "time"

// Event types and topics of the timetable: the facts registration keeps in its own read
// models (contracts/events/section.created.v1 and semester.created.v1).
const (
	TopicSections          = "sections"
	EventSectionCreatedV1  = "section.created.v1"
	TopicSemesters         = "semesters"
	EventSemesterCreatedV1 = "semester.created.v1"
)

// TimeslotFacts is a weekly timeslot as events and read models carry it: "MON", "09:00", "09:50".
type TimeslotFacts struct {
	Day   string `json:"day"`
	Start string `json:"start"`
	End   string `json:"end"`
}

// TimeslotsFacts returns slots as events carry them (never nil).
func TimeslotsFacts(slots []Timeslot) []TimeslotFacts {
	out := make([]TimeslotFacts, len(slots))
	for i, t := range slots {
		out[i] = TimeslotFacts{Day: t.Day.String(), Start: t.StartClock(), End: t.EndClock()}
	}
	return out
}

// SectionCreated announces a new section with everything eligibility checks need of it.
type SectionCreated struct {
	SectionID        string          `json:"sectionId"`
	ModuleCode       string          `json:"moduleCode"`
	Semester         string          `json:"semester"`
	Capacity         int             `json:"capacity"`
	LecturerID       string          `json:"lecturerId"` // "" while unassigned
	RoomCode         string          `json:"roomCode"`
	Timeslots        []TimeslotFacts `json:"timeslots"`
	AggregateVersion int             `json:"aggregateVersion"`
	OccurredAt       time.Time       `json:"occurredAt"`
}

// Created is the SectionCreated event of s.
func (s Section) Created(at time.Time) SectionCreated {
	return SectionCreated{SectionID: s.ID, ModuleCode: s.ModuleCode, Semester: s.Semester, Capacity: s.Capacity,
		LecturerID: s.LecturerID, RoomCode: s.RoomCode, Timeslots: TimeslotsFacts(s.Timeslots),
		AggregateVersion: s.Version, OccurredAt: at.UTC()}
}

// WindowFacts is a cohort's registration window as events and read models carry it.
type WindowFacts struct {
	YearOfStudy int       `json:"yearOfStudy"`
	OpensAt     time.Time `json:"opensAt"`
	ClosesAt    time.Time `json:"closesAt"`
}

// SemesterCreated announces a new semester with its registration windows.
type SemesterCreated struct {
	Code     string `json:"code"`
	Term     Term   `json:"term"`
	StartsOn string `json:"startsOn"` // 2006-01-02
	EndsOn   string `json:"endsOn"`   // 2006-01-02, inclusive
	// AddDropDeadline is the instant add/drop closes: the end of the inclusive deadline date
	// (see Semester.AddDropCloses).
	AddDropDeadline  time.Time     `json:"addDropDeadline"`
	Windows          []WindowFacts `json:"windows"`
	AggregateVersion int           `json:"aggregateVersion"`
	OccurredAt       time.Time     `json:"occurredAt"`
}

// DateLayout is how semester dates are written.
const DateLayout = "2006-01-02"

// SemesterVersion is every semester's version: a semester is not changed once created, so
// its first version is its only one. Events carry it so consumers can apply the usual
// "ignore older versions" rule once semesters do change.
const SemesterVersion = 1

// AddDropCloses is the instant the add/drop period ends. The deadline is a date and the
// whole of it counts (UTC), so the period closes at the following midnight, exclusive:
// consumers compare instants and need no knowledge of the date convention.
func (s Semester) AddDropCloses() time.Time { return s.AddDropDeadline.AddDate(0, 0, 1) }

// WindowsFacts returns s's registration windows as events carry them (never nil).
func (s Semester) WindowsFacts() []WindowFacts {
	out := make([]WindowFacts, len(s.Windows))
	for i, w := range s.Windows {
		out[i] = WindowFacts{YearOfStudy: w.YearOfStudy, OpensAt: w.OpensAt.UTC(), ClosesAt: w.ClosesAt.UTC()}
	}
	return out
}

// Created is the SemesterCreated event of s.
func (s Semester) Created(at time.Time) SemesterCreated {
	return SemesterCreated{Code: s.Code, Term: s.Term, StartsOn: s.StartsOn.Format(DateLayout),
		EndsOn: s.EndsOn.Format(DateLayout), AddDropDeadline: s.AddDropCloses().UTC(), Windows: s.WindowsFacts(),
		AggregateVersion: SemesterVersion, OccurredAt: at.UTC()}
}
