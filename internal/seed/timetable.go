package seed

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	scheduleadapters "github.com/registrar-edu/registrar/apps/schedule/adapters"
	scheduledomain "github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/campus"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
)

// existed treats "already there" as done, which makes seeding repeatable.
func existed(err error) error {
	var pgErr *pgconn.PgError
	if errs.KindOf(err) == errs.Conflict || (errors.As(err, &pgErr) && pgErr.Code == "23505") {
		return nil
	}
	return err
}

func slots(in []campus.Slot) ([]scheduledomain.Timeslot, error) {
	out := make([]scheduledomain.Timeslot, 0, len(in))
	for _, s := range in {
		t, err := scheduledomain.NewTimeslot(s.Day, s.Start, s.End)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// seedTimetable writes semesters, rooms, lecturers and sections (with their seats) through
// the schedule service's adapter, whose constraints refuse double bookings.
func seedTimetable(ctx context.Context, e env, c campus.Campus, b *bar) error {
	url, err := e.get("schedule", "DATABASE_URL")
	if err != nil {
		return err
	}
	pool, err := pgdb.Open(ctx, url, scheduleadapters.Migrations())
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := outbox.Migrate(ctx, pool); err != nil {
		return err
	}
	t := &scheduleadapters.PostgresTimetable{Pool: pool}
	b.setTotal(len(c.Semesters) + len(c.Rooms) + len(c.Lecturers) + len(c.Sections))
	for _, s := range c.Semesters {
		var windows []scheduledomain.RegistrationWindow
		for _, w := range s.Windows {
			windows = append(windows, scheduledomain.RegistrationWindow{YearOfStudy: w.Year, OpensAt: w.OpensAt, ClosesAt: w.ClosesAt})
		}
		sem, err := scheduledomain.NewSemester(s.Code, scheduledomain.Term(s.Term), s.Starts, s.Ends, s.AddDropDeadline, windows)
		if err != nil {
			return fmt.Errorf("semester %s: %w", s.Code, err)
		}
		if err := existed(t.CreateSemester(ctx, sem)); err != nil {
			return err
		}
		b.add(1)
	}
	for _, r := range c.Rooms {
		room, err := scheduledomain.NewRoom(r.Code, r.Building, r.Capacity)
		if err != nil {
			return fmt.Errorf("room %s: %w", r.Code, err)
		}
		if err := existed(t.CreateRoom(ctx, room)); err != nil {
			return err
		}
		b.add(1)
	}
	for _, l := range c.Lecturers {
		avail, err := slots(l.Availability)
		if err != nil {
			return err
		}
		lect, err := scheduledomain.NewLecturer(l.ID, l.Name, l.Department, avail)
		if err != nil {
			return fmt.Errorf("lecturer %s: %w", l.Name, err)
		}
		if err := existed(t.CreateLecturer(ctx, lect)); err != nil {
			return err
		}
		b.add(1)
	}
	for _, s := range c.Sections {
		ts, err := slots(s.Slots)
		if err != nil {
			return err
		}
		sec, err := scheduledomain.NewSection(s.ID, s.Module, s.Semester, s.Capacity, s.Lecturer, s.Room, ts)
		if err != nil {
			return fmt.Errorf("section %s of %s: %w", s.ID, s.Module, err)
		}
		if err := existed(t.CreateSection(ctx, sec)); err != nil {
			return fmt.Errorf("section %s of %s: %w", s.ID, s.Module, err)
		}
		b.add(1)
	}
	return nil
}
