// Package app holds the schedule service's commands and queries: the timetable (semesters,
// rooms, lecturers, sections) and the seat inventory. It declares the storage and the gate it
// needs; adapters provide them.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// Timetable stores semesters, rooms, lecturers and sections.
type Timetable interface {
	CreateSemester(ctx context.Context, s domain.Semester) error
	GetSemester(ctx context.Context, code string) (domain.Semester, error)
	ListSemesters(ctx context.Context) ([]domain.Semester, error)
	CreateRoom(ctx context.Context, r domain.Room) error
	ListRooms(ctx context.Context) ([]domain.Room, error)
	CreateLecturer(ctx context.Context, l domain.Lecturer) error
	ListLecturers(ctx context.Context) ([]domain.Lecturer, error)
	// CreateSection writes the section and its free seats in one transaction, after checking
	// there that the semester, room and lecturer exist, that the section fits them
	// (domain.Section.CheckPlacement) and that neither room nor lecturer is booked at an
	// overlapping time in the semester; two concurrent creates can never both pass. A broken
	// rule is a *domain.RuleError.
	CreateSection(ctx context.Context, s domain.Section) error
	GetSection(ctx context.Context, id string) (domain.SectionSeats, error)
	ListSections(ctx context.Context, q SectionQuery) ([]domain.SectionSeats, error)
	// Sections loads the given sections; missing ones are simply absent from the result.
	Sections(ctx context.Context, ids []string) ([]domain.Section, error)
	// SectionsAfter loads up to limit sections with their timeslots, ordered by id, whose id
	// sorts after after ("" = from the first).
	SectionsAfter(ctx context.Context, after string, limit int) ([]domain.Section, error)
}

// SectionQuery filters and pages the section listing.
type SectionQuery struct {
	Semester   string
	ModuleCode string
	After      string // section id to start after
	Limit      int
}

// Service is the schedule application service.
type Service struct {
	Timetable Timetable
	Seats     Seats
	Gate      SeatGate
	Log       *slog.Logger
	Metrics   *Metrics
	Now       func() time.Time

	holdSlots chan struct{}
	// AdmitMargin is how much longer than the hold a registration's gate admission lasts.
	AdmitMargin time.Duration
	// ReapInterval is how often expired holds are looked for; ReapBatch caps one pass.
	ReapInterval time.Duration
	ReapBatch    int
}

// NewService wires a service. holdConcurrency bounds how many holds of this instance run
// against PostgreSQL at once (see HoldSeat).
func NewService(t Timetable, seats Seats, gate SeatGate, log *slog.Logger, m *Metrics, holdConcurrency int) *Service {
	if holdConcurrency < 1 {
		holdConcurrency = 1
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Service{Timetable: t, Seats: seats, Gate: gate, Log: log, Metrics: m, Now: time.Now,
		holdSlots: make(chan struct{}, holdConcurrency), AdmitMargin: time.Minute,
		ReapInterval: time.Second, ReapBatch: 500}
}

// Errors adapters return for missing things.
var (
	ErrSemesterNotFound = errs.E(errs.NotFound, "semester not found")
	ErrSectionNotFound  = errs.E(errs.NotFound, "section not found")
	ErrHoldNotFound     = errs.E(errs.NotFound, "this registration holds no seat")
)

// unprocessable turns a broken domain rule into the 422 the client sees, naming the fields.
func unprocessable(err error) error {
	re, ok := domain.AsRuleError(err)
	if !ok {
		return err
	}
	fields := make([]errs.FieldError, 0, len(re.Violations))
	for _, v := range re.Violations {
		fields = append(fields, errs.FieldError{Field: v.Field, Message: v.Message})
	}
	return &errs.Error{Kind: errs.Unprocessable, Message: re.Message, Fields: fields, Err: err}
}

func invalidID(field, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return errs.InvalidFields("malformed "+field, errs.FieldError{Field: field, Message: "must be a UUID"})
	}
	return nil
}

// TimeslotInput is a timeslot as a client writes it.
type TimeslotInput struct{ Day, Start, End string }

func timeslots(field string, in []TimeslotInput) ([]domain.Timeslot, error) {
	out := make([]domain.Timeslot, 0, len(in))
	var fields []errs.FieldError
	for i, t := range in {
		ts, err := domain.NewTimeslot(t.Day, t.Start, t.End)
		if err != nil {
			fields = append(fields, errs.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Message: err.Error()})
			continue
		}
		out = append(out, ts)
	}
	if len(fields) > 0 {
		return nil, &errs.Error{Kind: errs.Unprocessable, Message: "the request has invalid timeslots", Fields: fields}
	}
	return out, nil
}

// CreateSemester is the command to open a semester with its registration windows.
type CreateSemester struct {
	Code            string
	Term            string
	StartsOn        time.Time
	EndsOn          time.Time
	AddDropDeadline time.Time
	Windows         []domain.RegistrationWindow
}

// CreateSemester records a semester.
func (s *Service) CreateSemester(ctx context.Context, cmd CreateSemester) (domain.Semester, error) {
	sem, err := domain.NewSemester(cmd.Code, domain.Term(cmd.Term), cmd.StartsOn, cmd.EndsOn, cmd.AddDropDeadline, cmd.Windows)
	if err != nil {
		return domain.Semester{}, unprocessable(err)
	}
	if err := s.Timetable.CreateSemester(ctx, sem); err != nil {
		return domain.Semester{}, fmt.Errorf("create semester %s: %w", sem.Code, err)
	}
	return sem, nil
}

// GetSemester returns one semester.
func (s *Service) GetSemester(ctx context.Context, code string) (domain.Semester, error) {
	sem, err := s.Timetable.GetSemester(ctx, code)
	if err != nil {
		return domain.Semester{}, fmt.Errorf("get semester %s: %w", code, err)
	}
	return sem, nil
}

// ListSemesters returns every semester, newest first.
func (s *Service) ListSemesters(ctx context.Context) ([]domain.Semester, error) {
	list, err := s.Timetable.ListSemesters(ctx)
	if err != nil {
		return nil, fmt.Errorf("list semesters: %w", err)
	}
	return list, nil
}

// CreateRoom records a room.
func (s *Service) CreateRoom(ctx context.Context, code, building string, capacity int) (domain.Room, error) {
	r, err := domain.NewRoom(code, building, capacity)
	if err != nil {
		return domain.Room{}, unprocessable(err)
	}
	if err := s.Timetable.CreateRoom(ctx, r); err != nil {
		return domain.Room{}, fmt.Errorf("create room %s: %w", r.Code, err)
	}
	return r, nil
}

// ListRooms returns every room.
func (s *Service) ListRooms(ctx context.Context) ([]domain.Room, error) {
	list, err := s.Timetable.ListRooms(ctx)
	if err != nil {
		return nil, fmt.Errorf("list rooms: %w", err)
	}
	return list, nil
}

// CreateLecturer is the command to record a lecturer and their weekly availability.
type CreateLecturer struct {
	Name         string
	Department   string
	Availability []TimeslotInput
}

// CreateLecturer records a lecturer under a new id.
func (s *Service) CreateLecturer(ctx context.Context, cmd CreateLecturer) (domain.Lecturer, error) {
	slots, err := timeslots("availability", cmd.Availability)
	if err != nil {
		return domain.Lecturer{}, err
	}
	l, err := domain.NewLecturer(uuid.NewString(), cmd.Name, cmd.Department, slots)
	if err != nil {
		return domain.Lecturer{}, unprocessable(err)
	}
	if err := s.Timetable.CreateLecturer(ctx, l); err != nil {
		return domain.Lecturer{}, fmt.Errorf("create lecturer: %w", err)
	}
	return l, nil
}

// ListLecturers returns every lecturer.
func (s *Service) ListLecturers(ctx context.Context) ([]domain.Lecturer, error) {
	list, err := s.Timetable.ListLecturers(ctx)
	if err != nil {
		return nil, fmt.Errorf("list lecturers: %w", err)
	}
	return list, nil
}

// CreateSection is the command to schedule a section of a module.
type CreateSection struct {
	ModuleCode string
	Semester   string
	Capacity   int
	LecturerID string
	RoomCode   string
	Timeslots  []TimeslotInput
}

// CreateSection schedules a section with all its seats free.
func (s *Service) CreateSection(ctx context.Context, cmd CreateSection) (domain.SectionSeats, error) {
	if cmd.LecturerID != "" {
		if err := invalidID("lecturerId", cmd.LecturerID); err != nil {
			return domain.SectionSeats{}, err
		}
	}
	slots, err := timeslots("timeslots", cmd.Timeslots)
	if err != nil {
		return domain.SectionSeats{}, err
	}
	sec, err := domain.NewSection(uuid.NewString(), cmd.ModuleCode, cmd.Semester, cmd.Capacity, cmd.LecturerID, cmd.RoomCode, slots)
	if err != nil {
		return domain.SectionSeats{}, unprocessable(err)
	}
	if err := s.Timetable.CreateSection(ctx, sec); err != nil {
		return domain.SectionSeats{}, fmt.Errorf("create section of %s: %w", sec.ModuleCode, unprocessable(err))
	}
	return domain.SectionSeats{Section: sec, Seats: domain.SeatCounts{Capacity: sec.Capacity, Free: sec.Capacity}}, nil
}

// GetSection returns a section with its seat counts.
func (s *Service) GetSection(ctx context.Context, id string) (domain.SectionSeats, error) {
	if err := invalidID("id", id); err != nil {
		return domain.SectionSeats{}, err
	}
	sec, err := s.Timetable.GetSection(ctx, id)
	if err != nil {
		return domain.SectionSeats{}, fmt.Errorf("get section %s: %w", id, err)
	}
	return sec, nil
}

// ListSections returns a page of sections with their seat counts.
func (s *Service) ListSections(ctx context.Context, q SectionQuery) ([]domain.SectionSeats, error) {
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	if q.After != "" {
		if err := invalidID("after", q.After); err != nil {
			return nil, err
		}
	}
	list, err := s.Timetable.ListSections(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list sections: %w", err)
	}
	return list, nil
}

// SectionFeed returns a page of every section (without seat counts), ordered by id: the
// feed the registration app fills its section read model from.
func (s *Service) SectionFeed(ctx context.Context, r page.Request) (page.Page[domain.Section], error) {
	r = r.Normalised()
	if r.After != "" {
		if err := invalidID("after", r.After); err != nil {
			return page.Page[domain.Section]{}, err
		}
	}
	rows, err := s.Timetable.SectionsAfter(ctx, r.After, r.Limit+1)
	if err != nil {
		return page.Page[domain.Section]{}, fmt.Errorf("section feed after %q: %w", r.After, err)
	}
	return page.Of(r, rows, func(x domain.Section) string { return x.ID }), nil
}

// FindClashes returns the pairs among the given sections whose timeslots overlap.
func (s *Service) FindClashes(ctx context.Context, ids []string) ([]domain.Clash, error) {
	var fields []errs.FieldError
	for i, id := range ids {
		if _, err := uuid.Parse(id); err != nil {
			fields = append(fields, errs.FieldError{Field: fmt.Sprintf("sectionIds[%d]", i), Message: "must be a UUID"})
		}
	}
	if len(fields) > 0 {
		return nil, errs.InvalidFields("malformed section ids", fields...)
	}
	found, err := s.Timetable.Sections(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("load sections: %w", err)
	}
	byID := make(map[string]domain.Section, len(found))
	for _, sec := range found {
		byID[sec.ID] = sec
	}
	ordered := make([]domain.Section, 0, len(ids))
	for i, id := range ids {
		sec, ok := byID[id]
		if !ok {
			fields = append(fields, errs.FieldError{Field: fmt.Sprintf("sectionIds[%d]", i), Message: "no such section"})
			continue
		}
		ordered = append(ordered, sec)
	}
	if len(fields) > 0 {
		return nil, &errs.Error{Kind: errs.Unprocessable, Message: "some sections do not exist", Fields: fields}
	}
	return domain.Clashes(ordered), nil
}
