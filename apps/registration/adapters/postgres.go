// Package adapters implements the registration service's ports: PostgreSQL storage (pgx)
// for registrations, waitlists, idempotency keys and read models; the schedule and payment
// services through Dapr service invocation; the saga through Dapr Workflow.
package adapters

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/apps/registration/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/workflows"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the registration schema for pgdb.Open.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// SagaTopic marks outbox rows that start a saga instead of being published: the relay
// hands them to Dapr Workflow (see SagaStarter), so the accept path never waits on it.
const SagaTopic = "$saga"

// PostgresRegistrations stores the registration service's data in PostgreSQL.
type PostgresRegistrations struct {
	Pool *pgxpool.Pool
	// KeyTTL is how long idempotency keys are kept (24 h).
	KeyTTL time.Duration
}

var _ app.Registrations = (*PostgresRegistrations)(nil)

func lockID(parts ...string) int64 {
	h := fnv.New64a()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return int64(h.Sum64())
}

// Accept runs fn in one transaction that holds the (student, key) lock — a concurrent
// request with the same key gets ErrInProgress at once — and the student's lock, so one
// student's requests are decided one after another (no double registration by racing).
func (p *PostgresRegistrations) Accept(ctx context.Context, studentID, key string, fn func(app.AcceptTx) error) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var got bool
		if err := tx.QueryRow(ctx, `SELECT pg_try_advisory_xact_lock($1)`, lockID("key", studentID, key)).Scan(&got); err != nil {
			return err
		}
		if !got {
			return app.ErrInProgress
		}
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID("student", studentID)); err != nil {
			return err
		}
		return fn(&acceptTx{tx: tx, studentID: studentID, key: key, ttl: p.KeyTTL})
	})
}

type acceptTx struct {
	tx        pgx.Tx
	studentID string
	key       string
	ttl       time.Duration
}

func (a *acceptTx) StoredAnswer(ctx context.Context) (*app.StoredAnswer, error) {
	var s app.StoredAnswer
	var body []byte
	err := a.tx.QueryRow(ctx, `SELECT request_hash, response FROM idempotency_keys
		WHERE student_id = $1 AND key = $2 AND created_at > now() - $3::interval`, a.studentID, a.key, a.ttl.String()).
		Scan(&s.RequestHash, &body)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(body, &s.Answer); err != nil {
		return nil, err
	}
	return &s, nil
}

func (a *acceptTx) StoreAnswer(ctx context.Context, hash string, ans app.Answer) error {
	body, err := json.Marshal(ans)
	if err != nil {
		return err
	}
	_, err = a.tx.Exec(ctx, `INSERT INTO idempotency_keys (student_id, key, request_hash, status_code, response)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (student_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, status_code = EXCLUDED.status_code,
			response = EXCLUDED.response, created_at = now()`, a.studentID, a.key, hash, ans.Status, body)
	return err
}

func (a *acceptTx) WaitlistLength(ctx context.Context, sectionID string) (int, error) {
	var n int
	err := a.tx.QueryRow(ctx, `SELECT count(*) FROM waitlist WHERE section_id = $1`, sectionID).Scan(&n)
	return n, err
}

func (a *acceptTx) Insert(ctx context.Context, r *domain.Registration, paymentMethod string) error {
	if r.Status == domain.Waitlisted {
		pos, err := appendWaitlist(ctx, a.tx, r)
		if err != nil {
			return err
		}
		r.Position = pos
	}
	var swapFrom *string
	if r.SwapFrom != "" {
		swapFrom = &r.SwapFrom
	}
	_, err := a.tx.Exec(ctx, `INSERT INTO registrations (id, basket_id, student_id, section_id, module_code, semester, status,
		fee_minor, currency, hold_expires_at, version, created_at, updated_at, swap_from)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14)`, r.ID, r.BasketID, r.StudentID, r.SectionID, r.ModuleCode,
		r.Semester, r.Status, r.Fee.Minor, r.Fee.Currency, r.HoldExpiresAt, r.Version, r.CreatedAt, r.UpdatedAt, swapFrom)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "registrations_one_swap" {
		return errs.E(errs.Conflict, "registration %s is already being swapped", r.SwapFrom)
	}
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return &app.NotEligible{Violations: []domain.Violation{{Rule: domain.RuleAlreadyRegistered, SectionID: r.SectionID,
			Module: r.ModuleCode, Message: "you are already registered (or waitlisted) for " + r.ModuleCode}}}
	}
	if err != nil {
		return fmt.Errorf("insert registration: %w", err)
	}
	if r.Status == domain.Waitlisted {
		// The waitlist row references the registration: insert it after.
		if _, err := a.tx.Exec(ctx, `INSERT INTO waitlist (section_id, position, registration_id, student_id, joined_at)
			VALUES ($1, $2, $3, $4, $5)`, r.SectionID, r.Position, r.ID, r.StudentID, r.CreatedAt); err != nil {
			return fmt.Errorf("join waitlist: %w", err)
		}
	}
	if err := record(ctx, a.tx, *r, ""); err != nil {
		return err
	}
	if r.Status == domain.PendingPayment {
		return startSaga(ctx, a.tx, *r, domain.PendingPayment, *r.HoldExpiresAt, paymentMethod)
	}
	return nil
}

// appendWaitlist takes the section's waitlist lock and returns the next gap-free position.
func appendWaitlist(ctx context.Context, tx pgx.Tx, r *domain.Registration) (int, error) {
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID("waitlist", r.SectionID)); err != nil {
		return 0, err
	}
	var n int
	err := tx.QueryRow(ctx, `SELECT count(*) FROM waitlist WHERE section_id = $1`, r.SectionID).Scan(&n)
	return n + 1, err
}

// record appends the timeline entry and the registration's event to the outbox.
func record(ctx context.Context, tx pgx.Tx, r domain.Registration, note string) error {
	if note == "" {
		note = r.Reason
	}
	if _, err := tx.Exec(ctx, `INSERT INTO registration_timeline (registration_id, at, status, note) VALUES ($1, $2, $3, $4)`,
		r.ID, r.UpdatedAt, r.Status, note); err != nil {
		return err
	}
	_, err := outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicRegistrations, Type: r.EventType(), AggregateID: r.ID, Data: r.Changed()})
	return err
}

func startSaga(ctx context.Context, tx pgx.Tx, r domain.Registration, status domain.Status, deadline time.Time, paymentMethod string) error {
	_, err := outbox.Add(ctx, tx, outbox.Event{Topic: SagaTopic, Type: workflows.SagaName, AggregateID: r.ID,
		Data: workflows.SagaInput{RegistrationID: r.ID, StudentID: r.StudentID, SectionID: r.SectionID, Fee: r.Fee,
			Status: status, Deadline: deadline, PaymentMethod: paymentMethod, SwapFrom: r.SwapFrom}})
	return err
}

const regColumns = `r.id, r.basket_id, r.student_id, r.section_id, r.module_code, r.semester, r.status, r.reason, r.fee_minor,
	r.currency, r.hold_expires_at, r.offer_expires_at, coalesce(w.position, 0), r.version, r.created_at, r.updated_at,
	coalesce(r.swap_from::text, '')`

const regFrom = ` FROM registrations r LEFT JOIN waitlist w ON w.registration_id = r.id `

func scanReg(row pgx.Row) (domain.Registration, error) {
	var r domain.Registration
	err := row.Scan(&r.ID, &r.BasketID, &r.StudentID, &r.SectionID, &r.ModuleCode, &r.Semester, &r.Status, &r.Reason,
		&r.Fee.Minor, &r.Fee.Currency, &r.HoldExpiresAt, &r.OfferExpiresAt, &r.Position, &r.Version, &r.CreatedAt, &r.UpdatedAt,
		&r.SwapFrom)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, app.ErrNotFound
	}
	return r, err
}

// Get loads a registration and its timeline.
func (p *PostgresRegistrations) Get(ctx context.Context, id string) (domain.Registration, []app.TimelineEntry, error) {
	r, err := scanReg(p.Pool.QueryRow(ctx, `SELECT `+regColumns+regFrom+`WHERE r.id = $1`, id))
	if err != nil {
		return r, nil, err
	}
	rows, err := p.Pool.Query(ctx, `SELECT at, status, note FROM registration_timeline WHERE registration_id = $1 ORDER BY at`, id)
	if err != nil {
		return r, nil, err
	}
	tl, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (app.TimelineEntry, error) {
		var e app.TimelineEntry
		err := row.Scan(&e.At, &e.Status, &e.Note)
		return e, err
	})
	return r, tl, err
}

// ListByStudent returns a student's registrations, newest first.
func (p *PostgresRegistrations) ListByStudent(ctx context.Context, studentID string) ([]domain.Registration, error) {
	rows, err := p.Pool.Query(ctx, `SELECT `+regColumns+regFrom+`WHERE r.student_id = $1 ORDER BY r.created_at DESC`, studentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Registration
	for rows.Next() {
		r, err := scanReg(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// Transition moves a registration under a row lock and records the change.
func (p *PostgresRegistrations) Transition(ctx context.Context, id string, to domain.Status, reason string, now time.Time) (domain.Registration, error) {
	var out domain.Registration
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		r, err := scanReg(tx.QueryRow(ctx, `SELECT `+regColumns+regFrom+`WHERE r.id = $1 FOR UPDATE OF r`, id))
		if err != nil {
			return err
		}
		changed, err := r.MoveTo(to, reason, now)
		if err != nil {
			return errs.Wrap(errs.Conflict, err, err.Error())
		}
		out = r
		if !changed {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE registrations SET status = $2, reason = $3, version = $4, updated_at = $5 WHERE id = $1`,
			id, r.Status, r.Reason, r.Version, r.UpdatedAt); err != nil {
			return err
		}
		return record(ctx, tx, r, "")
	})
	return out, err
}

// renumber closes the gap left at position in a section's waitlist.
func renumber(ctx context.Context, tx pgx.Tx, sectionID string, position int) error {
	_, err := tx.Exec(ctx, `UPDATE waitlist SET position = position - 1 WHERE section_id = $1 AND position > $2`, sectionID, position)
	return err
}

// OfferNext offers a held seat to the first waitlisted registration of a section.
func (p *PostgresRegistrations) OfferNext(ctx context.Context, sectionID string, hold func(domain.Registration) (time.Time, bool, error), now time.Time) (*domain.Registration, error) {
	var out *domain.Registration
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID("waitlist", sectionID)); err != nil {
			return err
		}
		r, err := scanReg(tx.QueryRow(ctx, `SELECT `+regColumns+regFrom+`WHERE w.section_id = $1 AND w.position = 1 FOR UPDATE OF r`, sectionID))
		if errors.Is(err, app.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		expires, ok, err := hold(r)
		if err != nil || !ok {
			return err
		}
		if _, err := r.MoveTo(domain.Offered, "", now); err != nil {
			return err
		}
		r.OfferExpiresAt = &expires
		r.Position = 0
		if _, err := tx.Exec(ctx, `DELETE FROM waitlist WHERE registration_id = $1`, r.ID); err != nil {
			return err
		}
		if err := renumber(ctx, tx, sectionID, 1); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE registrations SET status = $2, offer_expires_at = $3, hold_expires_at = $3, version = $4,
			updated_at = $5 WHERE id = $1`, r.ID, r.Status, expires, r.Version, r.UpdatedAt); err != nil {
			return err
		}
		if err := record(ctx, tx, r, "a seat freed up: claim it by paying before "+expires.UTC().Format(time.RFC3339)); err != nil {
			return err
		}
		out = &r
		return startSaga(ctx, tx, r, domain.Offered, expires, "")
	})
	return out, err
}

// LeaveWaitlist removes a student's entry for a section, renumbers, and drops it.
func (p *PostgresRegistrations) LeaveWaitlist(ctx context.Context, studentID, sectionID string, now time.Time) (domain.Registration, error) {
	var out domain.Registration
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, lockID("waitlist", sectionID)); err != nil {
			return err
		}
		r, err := scanReg(tx.QueryRow(ctx, `SELECT `+regColumns+regFrom+`WHERE w.section_id = $1 AND w.student_id = $2 FOR UPDATE OF r`,
			sectionID, studentID))
		if errors.Is(err, app.ErrNotFound) {
			return errs.E(errs.NotFound, "you are not on this section's waitlist")
		}
		if err != nil {
			return err
		}
		pos := r.Position
		if _, err := r.MoveTo(domain.Dropped, "left the waitlist", now); err != nil {
			return err
		}
		r.Position = 0
		if _, err := tx.Exec(ctx, `DELETE FROM waitlist WHERE registration_id = $1`, r.ID); err != nil {
			return err
		}
		if err := renumber(ctx, tx, sectionID, pos); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE registrations SET status = $2, reason = $3, version = $4, updated_at = $5 WHERE id = $1`,
			r.ID, r.Status, r.Reason, r.Version, r.UpdatedAt); err != nil {
			return err
		}
		out = r
		return record(ctx, tx, r, "")
	})
	return out, err
}

// AddOverride records a registry override.
func (p *PostgresRegistrations) AddOverride(ctx context.Context, studentID, module, rule, reason, by string, now time.Time) error {
	_, err := p.Pool.Exec(ctx, `INSERT INTO overrides (id, student_id, module_code, rule, reason, granted_by, created_at)
		VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6)
		ON CONFLICT (student_id, module_code, rule) DO UPDATE SET reason = EXCLUDED.reason, granted_by = EXCLUDED.granted_by`,
		studentID, module, rule, reason, by, now)
	return err
}

// SemesterDeadline is the add/drop deadline of a semester.
func (p *PostgresRegistrations) SemesterDeadline(ctx context.Context, semester string) (time.Time, error) {
	var t time.Time
	err := p.Pool.QueryRow(ctx, `SELECT add_drop_deadline FROM rm_semesters WHERE code = $1`, semester).Scan(&t)
	if errors.Is(err, pgx.ErrNoRows) {
		return t, errs.E(errs.NotFound, "unknown semester %s", semester)
	}
	return t, err
}

// PurgeKeys deletes idempotency keys older than KeyTTL, every interval, until ctx ends:
// they are kept 24 h, not forever.
// A failed purge is logged and tried again next time: it must never stop the app.
func (p *PostgresRegistrations) PurgeKeys(ctx context.Context, every time.Duration, warn func(string, ...any)) error {
	for {
		if _, err := p.Pool.Exec(ctx, `DELETE FROM idempotency_keys WHERE created_at < now() - $1::interval`, p.KeyTTL.String()); err != nil && ctx.Err() == nil {
			warn("purge of old idempotency keys failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(every):
		}
	}
}

// WaitlistedSections lists the sections someone waits for.
func (p *PostgresRegistrations) WaitlistedSections(ctx context.Context) ([]string, error) {
	rows, err := p.Pool.Query(ctx, `SELECT DISTINCT section_id::text FROM waitlist`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}
