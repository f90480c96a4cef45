// Package adapters implements the student service's ports on real technology.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

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

// PostgresStudents stores students in PostgreSQL with pgx.
type PostgresStudents struct{ Pool *pgxpool.Pool }

var _ app.Students = (*PostgresStudents)(nil)

// Create inserts the student and its StudentCreated outbox row in one transaction.
func (p *PostgresStudents) Create(ctx context.Context, s domain.Student) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO students (id, student_number, given_name, family_name, email,
			programme, year_of_study, version, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
			s.ID, s.StudentNumber, s.GivenName, s.FamilyName, s.Email, s.Programme, s.YearOfStudy, s.Version, s.CreatedAt)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			return &errs.Error{Kind: errs.Conflict, Message: "a student with this number exists already",
				Fields: []errs.FieldError{{Field: "studentNumber", Message: "is taken"}}}
		}
		if err != nil {
			return fmt.Errorf("insert student: %w", err)
		}
		_, err = outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicStudents, Type: domain.EventStudentCreatedV1,
			AggregateID: s.ID, Data: s.Created()})
		return err
	})
}

const columns = `id, student_number, given_name, family_name, email, programme, year_of_study, version, created_at`

func scan(row pgx.Row) (domain.Student, error) {
	var s domain.Student
	err := row.Scan(&s.ID, &s.StudentNumber, &s.GivenName, &s.FamilyName, &s.Email, &s.Programme,
		&s.YearOfStudy, &s.Version, &s.CreatedAt)
	return s, err
}

// Get loads one student by id.
func (p *PostgresStudents) Get(ctx context.Context, id string) (domain.Student, error) {
	s, err := scan(p.Pool.QueryRow(ctx, `SELECT `+columns+` FROM students WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Student{}, app.ErrNotFound
	}
	return s, err
}

// List pages through students by student number, optionally within one programme.
func (p *PostgresStudents) List(ctx context.Context, q app.ListQuery) ([]domain.Student, error) {
	rows, err := p.Pool.Query(ctx, `SELECT `+columns+` FROM students
		WHERE ($1 = '' OR programme = $1) AND student_number > $2
		ORDER BY student_number LIMIT $3`, q.Programme, q.After, q.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Student, error) { return scan(r) })
}
