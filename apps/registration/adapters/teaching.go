package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

var _ app.Teaching = (*PostgresRegistrations)(nil)

// SectionsTaughtBy lists a lecturer's sections from the section read model, with live
// counts from the registrations.
func (p *PostgresRegistrations) SectionsTaughtBy(ctx context.Context, lecturerID string) ([]app.TeachingSection, error) {
	rows, err := p.Pool.Query(ctx, `
		SELECT s.id::text, s.module_code, s.semester, s.capacity, s.timeslots,
		       count(*) FILTER (WHERE r.status = 'CONFIRMED'),
		       count(*) FILTER (WHERE r.status IN ('PENDING_PAYMENT', 'OFFERED')),
		       count(*) FILTER (WHERE r.status = 'WAITLISTED')
		  FROM rm_sections s LEFT JOIN registrations r ON r.section_id = s.id
		 WHERE s.lecturer_id = $1
		 GROUP BY s.id ORDER BY s.semester, s.module_code, s.id`, lecturerID)
	if err != nil {
		return nil, fmt.Errorf("sections taught by %s: %w", lecturerID, err)
	}
	defer rows.Close()
	var out []app.TeachingSection
	for rows.Next() {
		var t app.TeachingSection
		var slots []byte
		if err := rows.Scan(&t.ID, &t.ModuleCode, &t.Semester, &t.Capacity, &slots, &t.Confirmed, &t.Pending, &t.Waitlisted); err != nil {
			return nil, err
		}
		if err := json.Unmarshal(slots, &t.Timeslots); err != nil {
			return nil, fmt.Errorf("timeslots of %s: %w", t.ID, err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Roster reads a section's students (seat holders, by when they registered) and waitlist
// (by position) in one snapshot.
func (p *PostgresRegistrations) Roster(ctx context.Context, sectionID string) (app.Roster, error) {
	r := app.Roster{Students: []app.RosterEntry{}, Waitlist: []app.WaitlistSeat{}}
	err := pgx.BeginTxFunc(ctx, p.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		err := tx.QueryRow(ctx, `SELECT id::text, module_code, semester, capacity, lecturer_id FROM rm_sections WHERE id = $1`, sectionID).
			Scan(&r.SectionID, &r.ModuleCode, &r.Semester, &r.Capacity, &r.LecturerID)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.E(errs.NotFound, "unknown section %s", sectionID)
		}
		if err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id::text, student_id::text, status, updated_at FROM registrations
			WHERE section_id = $1 AND status IN ('CONFIRMED', 'PENDING_PAYMENT', 'OFFERED') ORDER BY created_at, id`, sectionID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var e app.RosterEntry
			if err := rows.Scan(&e.RegistrationID, &e.StudentID, &e.Status, &e.Since); err != nil {
				rows.Close()
				return err
			}
			r.Students = append(r.Students, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT registration_id::text, student_id::text, position FROM waitlist
			WHERE section_id = $1 ORDER BY position`, sectionID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var w app.WaitlistSeat
			if err := rows.Scan(&w.RegistrationID, &w.StudentID, &w.Position); err != nil {
				return err
			}
			r.Waitlist = append(r.Waitlist, w)
		}
		return rows.Err()
	})
	if err != nil {
		return app.Roster{}, fmt.Errorf("roster of %s: %w", sectionID, err)
	}
	return r, nil
}
