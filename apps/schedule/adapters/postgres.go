// Package adapters implements the schedule service's ports on real technology: the timetable
// and the seat inventory on PostgreSQL (pgx), the full-section gate on Redis.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/schedule/app"
	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the schedule schema for pgdb.Open.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// PostgresTimetable stores semesters, rooms, lecturers and sections in PostgreSQL. A new
// semester or section and its event (outbox) are written in one transaction.
type PostgresTimetable struct {
	Pool *pgxpool.Pool
	Now  func() time.Time
}

var _ app.Timetable = (*PostgresTimetable)(nil)

func (p *PostgresTimetable) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

func pgCode(err error) (string, string) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code, pgErr.ConstraintName
	}
	return "", ""
}

// CreateSemester inserts a semester, its registration windows and its SemesterCreated event.
func (p *PostgresTimetable) CreateSemester(ctx context.Context, s domain.Semester) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO semesters (code, term, starts_on, ends_on, add_drop_deadline)
			VALUES ($1, $2, $3, $4, $5)`, s.Code, string(s.Term), s.StartsOn, s.EndsOn, s.AddDropDeadline)
		if code, _ := pgCode(err); code == "23505" {
			return &errs.Error{Kind: errs.Conflict, Message: "a semester with this code exists already",
				Fields: []errs.FieldError{{Field: "code", Message: "is taken"}}}
		}
		if err != nil {
			return fmt.Errorf("insert semester: %w", err)
		}
		for _, w := range s.Windows {
			if _, err := tx.Exec(ctx, `INSERT INTO registration_windows (semester_code, year_of_study, opens_at, closes_at)
				VALUES ($1, $2, $3, $4)`, s.Code, w.YearOfStudy, w.OpensAt, w.ClosesAt); err != nil {
				return fmt.Errorf("insert registration window: %w", err)
			}
		}
		_, err = outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicSemesters, Type: domain.EventSemesterCreatedV1,
			AggregateID: s.Code, Data: s.Created(p.now())})
		return err
	})
}

// GetSemester loads one semester with its windows.
func (p *PostgresTimetable) GetSemester(ctx context.Context, code string) (domain.Semester, error) {
	list, err := p.semesters(ctx, code)
	if err != nil {
		return domain.Semester{}, err
	}
	if len(list) == 0 {
		return domain.Semester{}, app.ErrSemesterNotFound
	}
	return list[0], nil
}

// ListSemesters loads every semester, latest start first.
func (p *PostgresTimetable) ListSemesters(ctx context.Context) ([]domain.Semester, error) {
	return p.semesters(ctx, "")
}

func (p *PostgresTimetable) semesters(ctx context.Context, code string) ([]domain.Semester, error) {
	rows, err := p.Pool.Query(ctx, `SELECT code, term, starts_on, ends_on, add_drop_deadline FROM semesters
		WHERE $1 = '' OR code = $1 ORDER BY starts_on DESC, code`, code)
	if err != nil {
		return nil, fmt.Errorf("select semesters: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Semester, error) {
		var s domain.Semester
		var term string
		err := r.Scan(&s.Code, &term, &s.StartsOn, &s.EndsOn, &s.AddDropDeadline)
		s.Term = domain.Term(term)
		return s, err
	})
	if err != nil || len(list) == 0 {
		return list, err
	}
	rows, err = p.Pool.Query(ctx, `SELECT semester_code, year_of_study, opens_at, closes_at FROM registration_windows
		WHERE $1 = '' OR semester_code = $1 ORDER BY semester_code, year_of_study`, code)
	if err != nil {
		return nil, fmt.Errorf("select registration windows: %w", err)
	}
	windows := map[string][]domain.RegistrationWindow{}
	var sem string
	var w domain.RegistrationWindow
	_, err = pgx.ForEachRow(rows, []any{&sem, &w.YearOfStudy, &w.OpensAt, &w.ClosesAt}, func() error {
		windows[sem] = append(windows[sem], domain.RegistrationWindow{YearOfStudy: w.YearOfStudy,
			OpensAt: w.OpensAt.UTC(), ClosesAt: w.ClosesAt.UTC()})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan registration windows: %w", err)
	}
	for i := range list {
		list[i].Windows = windows[list[i].Code]
	}
	return list, nil
}

// CreateRoom inserts a room.
func (p *PostgresTimetable) CreateRoom(ctx context.Context, r domain.Room) error {
	_, err := p.Pool.Exec(ctx, `INSERT INTO rooms (code, building, capacity) VALUES ($1, $2, $3)`,
		r.Code, r.Building, r.Capacity)
	if code, _ := pgCode(err); code == "23505" {
		return &errs.Error{Kind: errs.Conflict, Message: "a room with this code exists already",
			Fields: []errs.FieldError{{Field: "code", Message: "is taken"}}}
	}
	if err != nil {
		return fmt.Errorf("insert room: %w", err)
	}
	return nil
}

// ListRooms loads every room by code.
func (p *PostgresTimetable) ListRooms(ctx context.Context) ([]domain.Room, error) {
	rows, err := p.Pool.Query(ctx, `SELECT code, building, capacity FROM rooms ORDER BY code`)
	if err != nil {
		return nil, fmt.Errorf("select rooms: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Room, error) {
		var x domain.Room
		return x, r.Scan(&x.Code, &x.Building, &x.Capacity)
	})
}

// CreateLecturer inserts a lecturer and their availability.
func (p *PostgresTimetable) CreateLecturer(ctx context.Context, l domain.Lecturer) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `INSERT INTO lecturers (id, name, department) VALUES ($1, $2, $3)`,
			l.ID, l.Name, l.Department); err != nil {
			return fmt.Errorf("insert lecturer: %w", err)
		}
		for _, a := range l.Availability {
			if _, err := tx.Exec(ctx, `INSERT INTO lecturer_availability (lecturer_id, day, start_minute, end_minute)
				VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, l.ID, int(a.Day), a.Start, a.End); err != nil {
				return fmt.Errorf("insert availability: %w", err)
			}
		}
		return nil
	})
}

// ListLecturers loads every lecturer with their availability.
func (p *PostgresTimetable) ListLecturers(ctx context.Context) ([]domain.Lecturer, error) {
	return p.lecturers(ctx, p.Pool, "")
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func (p *PostgresTimetable) lecturers(ctx context.Context, q querier, id string) ([]domain.Lecturer, error) {
	rows, err := q.Query(ctx, `SELECT l.id::text, l.name, l.department, a.day, a.start_minute, a.end_minute
		FROM lecturers l LEFT JOIN lecturer_availability a ON a.lecturer_id = l.id
		WHERE $1 = '' OR l.id::text = $1 ORDER BY l.name, l.id, a.day, a.start_minute`, id)
	if err != nil {
		return nil, fmt.Errorf("select lecturers: %w", err)
	}
	var list []domain.Lecturer
	var lid, name, dept string
	var day, start, end *int
	_, err = pgx.ForEachRow(rows, []any{&lid, &name, &dept, &day, &start, &end}, func() error {
		if n := len(list); n == 0 || list[n-1].ID != lid {
			list = append(list, domain.Lecturer{ID: lid, Name: name, Department: dept})
		}
		if day != nil {
			l := &list[len(list)-1]
			l.Availability = append(l.Availability, domain.Timeslot{Day: domain.Weekday(*day), Start: *start, End: *end})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan lecturers: %w", err)
	}
	return list, nil
}

// CreateSection checks the section's placement and writes it, its timeslots, its free seats
// and its SectionCreated event in one transaction. The semester, room and lecturer rows are read FOR SHARE so they
// cannot change underneath the check; double booking is refused by the exclusion
// constraints of section_timeslots, which also settle two concurrent creates.
func (p *PostgresTimetable) CreateSection(ctx context.Context, s domain.Section) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var missing []domain.Violation
		var one int
		err := tx.QueryRow(ctx, `SELECT 1 FROM semesters WHERE code = $1 FOR SHARE`, s.Semester).Scan(&one)
		if errors.Is(err, pgx.ErrNoRows) {
			missing = append(missing, domain.Violation{Field: "semester", Message: "no such semester"})
		} else if err != nil {
			return fmt.Errorf("lock semester: %w", err)
		}
		var room domain.Room
		err = tx.QueryRow(ctx, `SELECT code, building, capacity FROM rooms WHERE code = $1 FOR SHARE`, s.RoomCode).
			Scan(&room.Code, &room.Building, &room.Capacity)
		if errors.Is(err, pgx.ErrNoRows) {
			missing = append(missing, domain.Violation{Field: "roomCode", Message: "no such room"})
		} else if err != nil {
			return fmt.Errorf("lock room: %w", err)
		}
		var lecturer *domain.Lecturer
		if s.LecturerID != "" {
			err := tx.QueryRow(ctx, `SELECT 1 FROM lecturers WHERE id = $1 FOR SHARE`, s.LecturerID).Scan(&one)
			if errors.Is(err, pgx.ErrNoRows) {
				missing = append(missing, domain.Violation{Field: "lecturerId", Message: "no such lecturer"})
			} else if err != nil {
				return fmt.Errorf("lock lecturer: %w", err)
			} else {
				ls, err := p.lecturers(ctx, tx, s.LecturerID)
				if err != nil {
					return err
				}
				lecturer = &ls[0]
			}
		}
		if len(missing) > 0 {
			return &domain.RuleError{Message: "the section refers to things that do not exist", Violations: missing}
		}
		if err := s.CheckPlacement(room, lecturer); err != nil {
			return err
		}

		var lecturerID *string
		if s.LecturerID != "" {
			lecturerID = &s.LecturerID
		}
		if _, err := tx.Exec(ctx, `INSERT INTO sections (id, module_code, semester_code, capacity, lecturer_id, room_code, version)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.ModuleCode, s.Semester, s.Capacity, lecturerID, s.RoomCode, s.Version); err != nil {
			return fmt.Errorf("insert section: %w", err)
		}
		for i, t := range s.Timeslots {
			_, err := tx.Exec(ctx, `INSERT INTO section_timeslots (section_id, semester_code, room_code, lecturer_id, day, start_minute, end_minute)
				VALUES ($1, $2, $3, $4, $5, $6, $7)`, s.ID, s.Semester, s.RoomCode, lecturerID, int(t.Day), t.Start, t.End)
			if code, constraint := pgCode(err); code == "23P01" {
				field, what := "roomCode", "room "+s.RoomCode
				if constraint == "lecturer_double_booked" {
					field, what = "lecturerId", "lecturer "+s.LecturerID
				}
				return &domain.RuleError{Message: "the section would double-book a room or lecturer",
					Violations: []domain.Violation{{Field: field,
						Message: fmt.Sprintf("%s is already booked at a time overlapping timeslots[%d] (%s) in %s", what, i, t, s.Semester)}}}
			}
			if err != nil {
				return fmt.Errorf("insert timeslot: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `INSERT INTO seats (section_id, seat_no) SELECT $1, n FROM generate_series(1, $2::int) AS n`,
			s.ID, s.Capacity); err != nil {
			return fmt.Errorf("insert seats: %w", err)
		}
		_, err = outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicSections, Type: domain.EventSectionCreatedV1,
			AggregateID: s.ID, Data: s.Created(p.now())})
		return err
	})
}

const sectionColumns = `s.id::text, s.module_code, s.semester_code, s.capacity, coalesce(s.lecturer_id::text, ''),
	s.room_code, s.version,
	count(st.seat_no) FILTER (WHERE st.status = 'free'),
	count(st.seat_no) FILTER (WHERE st.status = 'held'),
	count(st.seat_no) FILTER (WHERE st.status = 'confirmed')`

// sectionsWithSeats counts each section's seats from its rows in the same statement (one
// snapshot), so capacity = free + held + confirmed in every answer. A section has at most
// MaxRoomCapacity rows, read through the primary key; no counter row is kept, because a
// counter would be the one row every hold has to update.
func (p *PostgresTimetable) sectionsWithSeats(ctx context.Context, where string, args ...any) ([]domain.SectionSeats, error) {
	rows, err := p.Pool.Query(ctx, `SELECT `+sectionColumns+` FROM sections s
		LEFT JOIN seats st ON st.section_id = s.id `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("select sections: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.SectionSeats, error) {
		var x domain.SectionSeats
		s := &x.Section
		err := r.Scan(&s.ID, &s.ModuleCode, &s.Semester, &s.Capacity, &s.LecturerID, &s.RoomCode, &s.Version,
			&x.Seats.Free, &x.Seats.Held, &x.Seats.Confirmed)
		x.Seats.Capacity = s.Capacity
		return x, err
	})
	if err != nil || len(list) == 0 {
		return list, err
	}
	ids := make([]string, len(list))
	for i, x := range list {
		ids[i] = x.Section.ID
	}
	slots, err := p.timeslots(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Section.Timeslots = slots[list[i].Section.ID]
	}
	return list, nil
}

func (p *PostgresTimetable) timeslots(ctx context.Context, ids []string) (map[string][]domain.Timeslot, error) {
	rows, err := p.Pool.Query(ctx, `SELECT section_id::text, day, start_minute, end_minute FROM section_timeslots
		WHERE section_id = ANY($1::uuid[]) ORDER BY section_id, day, start_minute`, ids)
	if err != nil {
		return nil, fmt.Errorf("select timeslots: %w", err)
	}
	out := map[string][]domain.Timeslot{}
	var id string
	var day, start, end int
	_, err = pgx.ForEachRow(rows, []any{&id, &day, &start, &end}, func() error {
		out[id] = append(out[id], domain.Timeslot{Day: domain.Weekday(day), Start: start, End: end})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("scan timeslots: %w", err)
	}
	return out, nil
}

// GetSection loads one section with its seat counts.
func (p *PostgresTimetable) GetSection(ctx context.Context, id string) (domain.SectionSeats, error) {
	list, err := p.sectionsWithSeats(ctx, `WHERE s.id = $1 GROUP BY s.id`, id)
	if err != nil {
		return domain.SectionSeats{}, err
	}
	if len(list) == 0 {
		return domain.SectionSeats{}, app.ErrSectionNotFound
	}
	return list[0], nil
}

// ListSections pages through sections by id, optionally of one semester and module.
func (p *PostgresTimetable) ListSections(ctx context.Context, q app.SectionQuery) ([]domain.SectionSeats, error) {
	var after *string
	if q.After != "" {
		after = &q.After
	}
	return p.sectionsWithSeats(ctx, `WHERE ($1 = '' OR s.semester_code = $1) AND ($2 = '' OR s.module_code = $2)
		AND ($3::uuid IS NULL OR s.id > $3::uuid) GROUP BY s.id ORDER BY s.id LIMIT $4`,
		q.Semester, q.ModuleCode, after, q.Limit)
}

// Sections loads the given sections with their timeslots.
func (p *PostgresTimetable) Sections(ctx context.Context, ids []string) ([]domain.Section, error) {
	return p.sections(ctx, `WHERE id = ANY($1::uuid[])`, ids)
}

// SectionsAfter loads up to limit sections with their timeslots in id order, after the
// given id: two queries per page, through the primary keys.
func (p *PostgresTimetable) SectionsAfter(ctx context.Context, after string, limit int) ([]domain.Section, error) {
	var from *string
	if after != "" {
		from = &after
	}
	return p.sections(ctx, `WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2`, from, limit)
}

func (p *PostgresTimetable) sections(ctx context.Context, where string, args ...any) ([]domain.Section, error) {
	rows, err := p.Pool.Query(ctx, `SELECT id::text, module_code, semester_code, capacity, coalesce(lecturer_id::text, ''),
		room_code, version FROM sections `+where, args...)
	if err != nil {
		return nil, fmt.Errorf("select sections: %w", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Section, error) {
		var s domain.Section
		return s, r.Scan(&s.ID, &s.ModuleCode, &s.Semester, &s.Capacity, &s.LecturerID, &s.RoomCode, &s.Version)
	})
	if err != nil || len(list) == 0 {
		return list, err
	}
	ids := make([]string, len(list))
	for i, s := range list {
		ids[i] = s.ID
	}
	slots, err := p.timeslots(ctx, ids)
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Timeslots = slots[list[i].ID]
	}
	return list, nil
}
