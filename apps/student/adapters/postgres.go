// Package adapters implements the student service's ports on real technology: PostgreSQL
// (pgx) with encrypted personal data, and the Dapr state store read model.
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

	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the student schema for pgdb.Open.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// PostgresStudents stores students in PostgreSQL, personal data sealed by Cipher.
type PostgresStudents struct {
	Pool   *pgxpool.Pool
	Cipher *FieldCipher
}

var _ app.Students = (*PostgresStudents)(nil)

// The encrypted columns and where each lives in domain.Personal.
var sealedColumns = []struct {
	column string
	field  func(*domain.Personal) *string
}{
	{"email_enc", func(p *domain.Personal) *string { return &p.Email }},
	{"phone_enc", func(p *domain.Personal) *string { return &p.Phone }},
	{"dob_enc", func(p *domain.Personal) *string { return &p.DateOfBirth }},
	{"address_enc", func(p *domain.Personal) *string { return &p.Address }},
}

func (p *PostgresStudents) seal(s domain.Student) ([]any, error) {
	out := make([]any, 0, len(sealedColumns))
	for _, c := range sealedColumns {
		v, err := p.Cipher.Seal(s.ID, c.column, *c.field(&s.Personal))
		if err != nil {
			return nil, errs.Wrap(errs.Unavailable, err, "personal data cannot be encrypted right now")
		}
		out = append(out, v)
	}
	return out, nil
}

const columns = `id, student_number, given_name, family_name, email_enc, phone_enc, dob_enc, address_enc,
	programme, year_of_study, version, created_at, updated_at`

func (p *PostgresStudents) scan(row pgx.Row) (domain.Student, error) {
	var s domain.Student
	sealed := make([]string, len(sealedColumns))
	err := row.Scan(&s.ID, &s.StudentNumber, &s.GivenName, &s.FamilyName, &sealed[0], &sealed[1], &sealed[2], &sealed[3],
		&s.Programme, &s.YearOfStudy, &s.Version, &s.CreatedAt, &s.UpdatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Student{}, app.ErrNotFound
	}
	if err != nil {
		return domain.Student{}, err
	}
	for i, c := range sealedColumns {
		v, err := p.Cipher.Open(s.ID, c.column, sealed[i])
		if err != nil {
			return domain.Student{}, err
		}
		*c.field(&s.Personal) = v
	}
	return s, nil
}

// Create inserts the student and its StudentCreated outbox row in one transaction.
func (p *PostgresStudents) Create(ctx context.Context, s domain.Student) error {
	sealed, err := p.seal(s)
	if err != nil {
		return err
	}
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		args := append([]any{s.ID, s.StudentNumber, s.GivenName, s.FamilyName}, sealed...)
		args = append(args, s.Programme, s.YearOfStudy, s.Version, s.CreatedAt, s.UpdatedAt)
		_, err := tx.Exec(ctx, `INSERT INTO students (`+columns+`) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)`, args...)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return &errs.Error{Kind: errs.Conflict, Message: "a student with this number exists already",
				Fields: []errs.FieldError{{Field: "studentNumber", Message: "is taken"}}}
		}
		if err != nil {
			return fmt.Errorf("insert student: %w", err)
		}
		return emit(ctx, tx, s.ID, domain.EventStudentCreatedV1, s.Created())
	})
}

func emit(ctx context.Context, tx pgx.Tx, studentID, eventType string, data any) error {
	_, err := outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicStudents, Type: eventType, AggregateID: studentID, Data: data})
	return err
}

// Get loads one student.
func (p *PostgresStudents) Get(ctx context.Context, id string) (domain.Student, error) {
	return p.scan(p.Pool.QueryRow(ctx, `SELECT `+columns+` FROM students WHERE id = $1`, id))
}

// lockStudent loads a student under a row lock inside tx.
func (p *PostgresStudents) lockStudent(ctx context.Context, tx pgx.Tx, id string) (domain.Student, error) {
	return p.scan(tx.QueryRow(ctx, `SELECT `+columns+` FROM students WHERE id = $1 FOR UPDATE`, id))
}

// Update changes a student under a row lock and records StudentUpdated.
func (p *PostgresStudents) Update(ctx context.Context, id string, fn func(*domain.Student) error) (domain.Student, error) {
	var out domain.Student
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		s, err := p.lockStudent(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := fn(&s); err != nil {
			return err
		}
		sealed, err := p.seal(s)
		if err != nil {
			return err
		}
		args := append([]any{id}, sealed...)
		args = append(args, s.YearOfStudy, s.Version, s.UpdatedAt)
		if _, err := tx.Exec(ctx, `UPDATE students SET email_enc = $2, phone_enc = $3, dob_enc = $4, address_enc = $5,
			year_of_study = $6, version = $7, updated_at = $8 WHERE id = $1`, args...); err != nil {
			return fmt.Errorf("update student: %w", err)
		}
		out = s
		return emit(ctx, tx, id, domain.EventStudentUpdatedV1, domain.StudentUpdated{StudentID: id, Programme: s.Programme,
			YearOfStudy: s.YearOfStudy, AggregateVersion: s.Version, OccurredAt: s.UpdatedAt})
	})
	return out, err
}

// bump increments a student's version for a change held in another table.
func bump(ctx context.Context, tx pgx.Tx, id string, at time.Time) (int, error) {
	var v int
	err := tx.QueryRow(ctx, `UPDATE students SET version = version + 1, updated_at = $2 WHERE id = $1 RETURNING version`,
		id, at).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, app.ErrNotFound
	}
	return v, err
}

// Search finds students whose name contains q (case-insensitive), optionally in one
// programme, ordered by student number.
func (p *PostgresStudents) Search(ctx context.Context, q app.SearchQuery) ([]domain.Student, error) {
	rows, err := p.Pool.Query(ctx, `SELECT `+columns+` FROM students
		WHERE ($1 = '' OR programme = $1) AND ($2 = '' OR (given_name || ' ' || family_name) ILIKE '%' || $2 || '%')
		  AND student_number > $3
		ORDER BY student_number LIMIT $4`, q.Programme, q.Name, q.After, q.Limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Student
	for rows.Next() {
		s, err := p.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// RecordCompleted adds (or corrects) a completed module and records HistoryRecorded.
func (p *PostgresStudents) RecordCompleted(ctx context.Context, id string, c domain.Completed) (domain.Student, error) {
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		v, err := bump(ctx, tx, id, c.RecordedAt)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO student_history (student_id, module_code, term, grade, credits, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (student_id, module_code, term) DO UPDATE SET grade = EXCLUDED.grade, credits = EXCLUDED.credits,
				recorded_at = EXCLUDED.recorded_at`, id, c.ModuleCode, c.Term, c.Grade, c.Credits, c.RecordedAt); err != nil {
			return err
		}
		return emit(ctx, tx, id, domain.EventHistoryRecordedV1, domain.HistoryRecorded{StudentID: id, ModuleCode: c.ModuleCode,
			Grade: c.Grade, Term: c.Term, Credits: c.Credits, AggregateVersion: v, OccurredAt: c.RecordedAt})
	})
	return domain.Student{}, err
}

// History lists completed modules, oldest term first.
func (p *PostgresStudents) History(ctx context.Context, id string) ([]domain.Completed, error) {
	rows, err := p.Pool.Query(ctx, `SELECT module_code, grade, term, credits, recorded_at FROM student_history
		WHERE student_id = $1 ORDER BY term, module_code`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Completed, error) {
		var c domain.Completed
		err := r.Scan(&c.ModuleCode, &c.Grade, &c.Term, &c.Credits, &c.RecordedAt)
		return c, err
	})
}

// PlaceHold stores a hold and records HoldPlaced.
func (p *PostgresStudents) PlaceHold(ctx context.Context, h domain.Hold) (domain.Student, error) {
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		v, err := bump(ctx, tx, h.StudentID, h.PlacedAt)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO student_holds (id, student_id, kind, reason, placed_by, placed_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, h.ID, h.StudentID, h.Kind, h.Reason, h.PlacedBy, h.PlacedAt); err != nil {
			return err
		}
		return emit(ctx, tx, h.StudentID, domain.EventHoldPlacedV1, domain.HoldChanged{StudentID: h.StudentID, HoldID: h.ID,
			Kind: h.Kind, AggregateVersion: v, OccurredAt: h.PlacedAt})
	})
	return domain.Student{}, err
}

// LiftHold ends an active hold and records HoldLifted.
func (p *PostgresStudents) LiftHold(ctx context.Context, studentID, holdID string, at time.Time) (domain.Student, error) {
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var kind domain.HoldKind
		err := tx.QueryRow(ctx, `UPDATE student_holds SET lifted_at = $3 WHERE id = $1 AND student_id = $2 AND lifted_at IS NULL
			RETURNING kind`, holdID, studentID, at).Scan(&kind)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.E(errs.NotFound, "no active hold with this id on this student")
		}
		if err != nil {
			return err
		}
		v, err := bump(ctx, tx, studentID, at)
		if err != nil {
			return err
		}
		return emit(ctx, tx, studentID, domain.EventHoldLiftedV1, domain.HoldChanged{StudentID: studentID, HoldID: holdID,
			Kind: kind, AggregateVersion: v, OccurredAt: at})
	})
	return domain.Student{}, err
}

// Holds lists a student's holds, newest first.
func (p *PostgresStudents) Holds(ctx context.Context, id string) ([]domain.Hold, error) {
	rows, err := p.Pool.Query(ctx, `SELECT id, student_id, kind, reason, placed_by, placed_at, lifted_at FROM student_holds
		WHERE student_id = $1 ORDER BY placed_at DESC`, id)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Hold, error) {
		var h domain.Hold
		err := r.Scan(&h.ID, &h.StudentID, &h.Kind, &h.Reason, &h.PlacedBy, &h.PlacedAt, &h.LiftedAt)
		return h, err
	})
}

// SummariesAfter builds a page of summaries in two queries, whatever the page size: the
// students with their active hold counts, then all their completed modules. Both run in
// one read-only repeatable-read transaction, so each summary's version matches its history
// and holds.
func (p *PostgresStudents) SummariesAfter(ctx context.Context, after string, limit int) ([]app.Summary, error) {
	var from *string
	if after != "" {
		from = &after
	}
	var out []app.Summary
	err := pgx.BeginTxFunc(ctx, p.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT s.id::text, s.programme, s.year_of_study, s.version,
				count(h.id) FILTER (WHERE h.kind = 'blocking'), count(h.id) FILTER (WHERE h.kind = 'warning')
			FROM (SELECT id, programme, year_of_study, version FROM students
				WHERE $1::uuid IS NULL OR id > $1::uuid ORDER BY id LIMIT $2) s
			LEFT JOIN student_holds h ON h.student_id = s.id AND h.lifted_at IS NULL
			GROUP BY s.id, s.programme, s.year_of_study, s.version
			ORDER BY s.id`, from, limit)
		if err != nil {
			return fmt.Errorf("select students: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (app.Summary, error) {
			x := app.Summary{Completed: []app.CompletedEntry{}}
			return x, r.Scan(&x.StudentID, &x.Programme, &x.YearOfStudy, &x.Version, &x.BlockingHolds, &x.WarningHolds)
		})
		if err != nil || len(out) == 0 {
			return err
		}
		at := make(map[string]int, len(out))
		ids := make([]string, len(out))
		for i, x := range out {
			at[x.StudentID], ids[i] = i, x.StudentID
		}
		rows, err = tx.Query(ctx, `SELECT student_id::text, module_code, grade, term, credits FROM student_history
			WHERE student_id = ANY($1::uuid[]) ORDER BY student_id, term, module_code`, ids)
		if err != nil {
			return fmt.Errorf("select history: %w", err)
		}
		var id string
		var c app.CompletedEntry
		_, err = pgx.ForEachRow(rows, []any{&id, &c.ModuleCode, &c.Grade, &c.Term, &c.Credits}, func() error {
			x := &out[at[id]]
			x.Completed = append(x.Completed, c)
			return nil
		})
		if err != nil {
			return fmt.Errorf("scan history: %w", err)
		}
		return nil
	})
	return out, err
}
