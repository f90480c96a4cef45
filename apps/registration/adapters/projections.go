package adapters

import (
	"context"
	"encoding/json"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/registrar-edu/registrar/apps/registration/app"
)

func parseTime(s string) (time.Time, error) { return time.Parse(time.RFC3339Nano, s) }

var _ app.ReadModels = (*PostgresRegistrations)(nil)

// UpsertModule stores a module's facts unless a newer version is stored already (events
// may arrive twice or out of order).
func (p *PostgresRegistrations) UpsertModule(ctx context.Context, m app.ModuleFacts) error {
	pre, _ := json.Marshal(m.Prerequisites)
	if m.Prerequisites == nil {
		pre = nil
	}
	_, err := p.Pool.Exec(ctx, `INSERT INTO rm_modules (code, credits, fee_minor, currency, terms, prerequisites, corequisites,
			antirequisites, deleted, version)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
		ON CONFLICT (code) DO UPDATE SET credits = EXCLUDED.credits, fee_minor = EXCLUDED.fee_minor, currency = EXCLUDED.currency,
			terms = EXCLUDED.terms, prerequisites = EXCLUDED.prerequisites, corequisites = EXCLUDED.corequisites,
			antirequisites = EXCLUDED.antirequisites, deleted = EXCLUDED.deleted, version = EXCLUDED.version
		WHERE rm_modules.version < EXCLUDED.version`,
		m.Code, m.Credits, m.Fee.Minor, m.Fee.Currency, nonNil(m.Terms), pre, nonNil(m.CoRequisites), nonNil(m.AntiRequisites),
		m.Deleted, m.Version)
	return err
}

// DeleteModule marks a module deleted at a version.
func (p *PostgresRegistrations) DeleteModule(ctx context.Context, code string, version int) error {
	_, err := p.Pool.Exec(ctx, `INSERT INTO rm_modules (code, credits, fee_minor, currency, terms, deleted, version)
		VALUES ($1, 0, 0, 'GBP', '{}', true, $2)
		ON CONFLICT (code) DO UPDATE SET deleted = true, version = EXCLUDED.version WHERE rm_modules.version < EXCLUDED.version`,
		code, version)
	return err
}

// UpsertSection stores a section.
func (p *PostgresRegistrations) UpsertSection(ctx context.Context, s app.SectionFacts) error {
	slots, _ := json.Marshal(s.Timeslots)
	_, err := p.Pool.Exec(ctx, `INSERT INTO rm_sections (id, module_code, semester, capacity, lecturer_id, timeslots)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET module_code = EXCLUDED.module_code, semester = EXCLUDED.semester,
			capacity = EXCLUDED.capacity, lecturer_id = EXCLUDED.lecturer_id, timeslots = EXCLUDED.timeslots`,
		s.ID, s.ModuleCode, s.Semester, s.Capacity, s.LecturerID, slots)
	return err
}

// UpsertSemester stores a semester with its registration windows.
func (p *PostgresRegistrations) UpsertSemester(ctx context.Context, s app.SemesterFacts) error {
	windows, _ := json.Marshal(s.Windows)
	_, err := p.Pool.Exec(ctx, `INSERT INTO rm_semesters (code, term, add_drop_deadline, windows) VALUES ($1, $2, $3, $4)
		ON CONFLICT (code) DO UPDATE SET term = EXCLUDED.term, add_drop_deadline = EXCLUDED.add_drop_deadline,
			windows = EXCLUDED.windows`, s.Code, s.Term, s.AddDropDeadline, windows)
	return err
}

// UpsertStudent stores a student's programme and year at a version.
func (p *PostgresRegistrations) UpsertStudent(ctx context.Context, s app.StudentFacts) error {
	_, err := p.Pool.Exec(ctx, `INSERT INTO rm_students (id, programme, year, version) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET programme = EXCLUDED.programme, year = EXCLUDED.year, version = EXCLUDED.version
		WHERE rm_students.version < EXCLUDED.version`, s.StudentID, s.Programme, s.YearOfStudy, s.Version)
	if err != nil {
		return err
	}
	for _, c := range s.Completed {
		if err := p.AddCompleted(ctx, s.StudentID, c.ModuleCode, c.Term, c.Grade); err != nil {
			return err
		}
	}
	return nil
}

// AddCompleted records a completed module (a repeat is a no-op, a correction updates).
func (p *PostgresRegistrations) AddCompleted(ctx context.Context, studentID, module, term, grade string) error {
	_, err := p.Pool.Exec(ctx, `INSERT INTO rm_completed (student_id, module_code, term, grade) VALUES ($1, $2, $3, $4)
		ON CONFLICT (student_id, module_code, term) DO UPDATE SET grade = EXCLUDED.grade`, studentID, module, term, grade)
	return err
}

// HoldChanged records a hold placed or lifted; lifted wins whatever the order of arrival.
func (p *PostgresRegistrations) HoldChanged(ctx context.Context, studentID, holdID, kind string, lifted bool) error {
	_, err := p.Pool.Exec(ctx, `INSERT INTO rm_holds (student_id, hold_id, kind, lifted) VALUES ($1, $2, $3, $4)
		ON CONFLICT (hold_id) DO UPDATE SET lifted = rm_holds.lifted OR EXCLUDED.lifted`, studentID, holdID, kind, lifted)
	return err
}

// ReplaceHolds sets a student's holds from a full summary (the reconciliation), which
// carries counts, not ids: the count stands until events bring changes.
func (p *PostgresRegistrations) ReplaceHolds(ctx context.Context, studentID string, blocking int) error {
	if _, err := p.Pool.Exec(ctx, `DELETE FROM rm_holds WHERE student_id = $1`, studentID); err != nil {
		return err
	}
	for i := 0; i < blocking; i++ {
		if _, err := p.Pool.Exec(ctx, `INSERT INTO rm_holds (student_id, hold_id, kind) VALUES ($1, gen_random_uuid(), 'blocking')`,
			studentID); err != nil {
			return err
		}
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

// ReconcileStudents applies a page of full summaries (facts, completed modules, blocking
// hold counts) in one batch: 20,000 students would take minutes one statement at a time.
func (p *PostgresRegistrations) ReconcileStudents(ctx context.Context, page []app.StudentFacts) error {
	b := &pgx.Batch{}
	for _, s := range page {
		b.Queue(`INSERT INTO rm_students (id, programme, year, version) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO UPDATE SET programme = EXCLUDED.programme, year = EXCLUDED.year, version = EXCLUDED.version
			WHERE rm_students.version < EXCLUDED.version`, s.StudentID, s.Programme, s.YearOfStudy, s.Version)
		for _, c := range s.Completed {
			b.Queue(`INSERT INTO rm_completed (student_id, module_code, term, grade) VALUES ($1, $2, $3, $4)
				ON CONFLICT (student_id, module_code, term) DO UPDATE SET grade = EXCLUDED.grade`, s.StudentID, c.ModuleCode, c.Term, c.Grade)
		}
		b.Queue(`DELETE FROM rm_holds WHERE student_id = $1`, s.StudentID)
		if s.BlockingHolds > 0 {
			b.Queue(`INSERT INTO rm_holds (student_id, hold_id, kind) SELECT $1, gen_random_uuid(), 'blocking' FROM generate_series(1, $2)`,
				s.StudentID, s.BlockingHolds)
		}
	}
	return p.Pool.SendBatch(ctx, b).Close()
}
