package adapters

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/registrar-edu/registrar/apps/student/domain"
)

// Imported is one student with the history and holds they arrive with (a bulk import from
// a previous system, or the seeded campus).
type Imported struct {
	Student domain.Student
	History []domain.Completed
	Holds   []domain.Hold
}

// Import writes students with their history and holds in one transaction per call, using
// COPY, and records one StudentCreated per student (the read model rebuilds from the rows).
// Students whose id exists already are skipped, so an import can be run again.
func (p *PostgresStudents) Import(ctx context.Context, batch []Imported) (int, error) {
	ids := make([]string, len(batch))
	for i, b := range batch {
		ids[i] = b.Student.ID
	}
	written := 0
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT id::text FROM students WHERE id = ANY($1)`, ids)
		if err != nil {
			return err
		}
		exists, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		skip := map[string]bool{}
		for _, id := range exists {
			skip[id] = true
		}
		var students, history, holds [][]any
		for _, b := range batch {
			s := b.Student
			if skip[s.ID] {
				continue
			}
			sealed, err := p.seal(s)
			if err != nil {
				return err
			}
			students = append(students, append(append([]any{s.ID, s.StudentNumber, s.GivenName, s.FamilyName}, sealed...),
				s.Programme, s.YearOfStudy, s.Version, s.CreatedAt, s.UpdatedAt))
			for _, c := range b.History {
				history = append(history, []any{s.ID, c.ModuleCode, c.Term, c.Grade, c.Credits, c.RecordedAt})
			}
			for _, h := range b.Holds {
				holds = append(holds, []any{h.ID, s.ID, string(h.Kind), h.Reason, h.PlacedBy, h.PlacedAt})
			}
			if err := emit(ctx, tx, s.ID, domain.EventStudentCreatedV1, s.Created()); err != nil {
				return err
			}
			written++
		}
		for _, c := range []struct {
			table string
			cols  []string
			rows  [][]any
		}{
			{"students", []string{"id", "student_number", "given_name", "family_name", "email_enc", "phone_enc", "dob_enc",
				"address_enc", "programme", "year_of_study", "version", "created_at", "updated_at"}, students},
			{"student_history", []string{"student_id", "module_code", "term", "grade", "credits", "recorded_at"}, history},
			{"student_holds", []string{"id", "student_id", "kind", "reason", "placed_by", "placed_at"}, holds},
		} {
			if len(c.rows) == 0 {
				continue
			}
			if _, err := tx.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
		}
		return nil
	})
	return written, err
}
