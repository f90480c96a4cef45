// Package adapters keeps analytics' aggregates in PostgreSQL.
package adapters

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/analytics/domain"
	"github.com/registrar-edu/registrar/apps/analytics/ports"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the analytics schema for pgdb.Open.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// PostgresAggregates is analytics' store.
type PostgresAggregates struct {
	Pool *pgxpool.Pool
	Now  func() time.Time
}

var _ ports.Aggregates = (*PostgresAggregates)(nil)

// Apply records one event's effect in one transaction with its event id, so a redelivery
// changes nothing. Registration states apply by aggregateVersion (a late, older state never
// overwrites a newer one), and each registration version and payment outcome counts once
// even when republished under a new id.
func (a *PostgresAggregates) Apply(ctx context.Context, eventID, eventType string, f domain.Fact) (duplicate bool, err error) {
	err = pgx.BeginFunc(ctx, a.Pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO processed_events (event_id, type) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
			eventID, eventType)
		if err != nil {
			return fmt.Errorf("record event %s: %w", eventID, err)
		}
		if tag.RowsAffected() == 0 {
			duplicate = true
			return nil
		}
		if _, err := tx.Exec(ctx, `INSERT INTO event_counts (type, n) VALUES ($1, 1)
			ON CONFLICT (type) DO UPDATE SET n = event_counts.n + 1`, eventType); err != nil {
			return fmt.Errorf("count event: %w", err)
		}
		switch {
		case f.Section != nil:
			return applySection(ctx, tx, f.Section)
		case f.Registration != nil:
			return applyRegistration(ctx, tx, f.Registration)
		case f.Payment != nil:
			return applyPayment(ctx, tx, f.Payment)
		}
		return nil
	})
	return duplicate, err
}

func applySection(ctx context.Context, tx pgx.Tx, s *domain.Section) error {
	_, err := tx.Exec(ctx, `INSERT INTO sections (section_id, module_code, semester, capacity, version)
		VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (section_id) DO UPDATE SET module_code = EXCLUDED.module_code, semester = EXCLUDED.semester,
			capacity = EXCLUDED.capacity, version = EXCLUDED.version
		WHERE sections.version < EXCLUDED.version`,
		s.SectionID, s.ModuleCode, s.Semester, s.Capacity, s.AggregateVersion)
	if err != nil {
		return fmt.Errorf("section %s: %w", s.SectionID, err)
	}
	return nil
}

func bump(ctx context.Context, tx pgx.Tx, at time.Time, kind string) error {
	_, err := tx.Exec(ctx, `INSERT INTO minute_buckets (minute, kind, n) VALUES (date_trunc('minute', $1::timestamptz), $2, 1)
		ON CONFLICT (minute, kind) DO UPDATE SET n = minute_buckets.n + 1`, at, kind)
	if err != nil {
		return fmt.Errorf("minute bucket: %w", err)
	}
	return nil
}

func applyRegistration(ctx context.Context, tx pgx.Tx, r *domain.RegistrationFact) error {
	tag, err := tx.Exec(ctx, `INSERT INTO registration_versions (registration_id, aggregate_version, type)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, r.RegistrationID, r.AggregateVersion, r.Type)
	if err != nil {
		return fmt.Errorf("registration %s version %d: %w", r.RegistrationID, r.AggregateVersion, err)
	}
	if tag.RowsAffected() == 0 {
		return nil // this version was counted already, under another event id
	}
	var requestedAt, confirmedAt *time.Time
	switch r.Type {
	case domain.RegistrationRequested:
		requestedAt = &r.OccurredAt
	case domain.RegistrationConfirmed:
		confirmedAt = &r.OccurredAt
	}
	_, err = tx.Exec(ctx, `INSERT INTO registrations AS cur
			(registration_id, section_id, module_code, semester, status, version, requested_at, confirmed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (registration_id) DO UPDATE SET
			status = CASE WHEN EXCLUDED.version > cur.version THEN EXCLUDED.status ELSE cur.status END,
			section_id = CASE WHEN EXCLUDED.version > cur.version THEN EXCLUDED.section_id ELSE cur.section_id END,
			module_code = CASE WHEN EXCLUDED.version > cur.version THEN EXCLUDED.module_code ELSE cur.module_code END,
			semester = CASE WHEN EXCLUDED.version > cur.version THEN EXCLUDED.semester ELSE cur.semester END,
			version = GREATEST(cur.version, EXCLUDED.version),
			requested_at = LEAST(cur.requested_at, EXCLUDED.requested_at),
			confirmed_at = LEAST(cur.confirmed_at, EXCLUDED.confirmed_at)`,
		r.RegistrationID, r.SectionID, r.ModuleCode, r.Semester, r.Status, r.AggregateVersion, requestedAt, confirmedAt)
	if err != nil {
		return fmt.Errorf("registration %s: %w", r.RegistrationID, err)
	}
	if err := bump(ctx, tx, r.OccurredAt, r.Type); err != nil {
		return err
	}
	if r.AggregateVersion == 1 {
		return bump(ctx, tx, r.OccurredAt, domain.KindAccepted)
	}
	return nil
}

func applyPayment(ctx context.Context, tx pgx.Tx, p *domain.PaymentOutcome) error {
	tag, err := tx.Exec(ctx, `INSERT INTO payment_outcomes (registration_id, aggregate_version, outcome, occurred_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, p.RegistrationID, p.AggregateVersion, p.Type, p.OccurredAt)
	if err != nil {
		return fmt.Errorf("payment of %s: %w", p.RegistrationID, err)
	}
	if tag.RowsAffected() == 0 {
		return nil
	}
	return bump(ctx, tx, p.OccurredAt, p.Type)
}

// Summary reads the headline figures in one snapshot.
func (a *PostgresAggregates) Summary(ctx context.Context) (domain.Summary, error) {
	s := domain.Summary{ByStatus: map[string]int64{}, EventsByType: map[string]int64{}}
	err := pgx.BeginTxFunc(ctx, a.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// Fill counts confirmed seats of the sections whose capacity is known.
		if err := tx.QueryRow(ctx, `SELECT count(*), COALESCE(sum(capacity), 0),
				(SELECT count(*) FROM registrations r JOIN sections s USING (section_id) WHERE r.status = 'CONFIRMED')
			FROM sections`).Scan(&s.Sections, &s.Capacity, &s.Confirmed); err != nil {
			return fmt.Errorf("sections: %w", err)
		}
		rows, err := tx.Query(ctx, `SELECT status, count(*) FROM registrations GROUP BY status`)
		if err != nil {
			return fmt.Errorf("statuses: %w", err)
		}
		for rows.Next() {
			var st string
			var n int64
			if err := rows.Scan(&st, &n); err != nil {
				return err
			}
			s.ByStatus[st] = n
			s.Registrations += n
		}
		if err := rows.Err(); err != nil {
			return err
		}
		for _, st := range domain.Waiting {
			s.Waitlisted += s.ByStatus[st]
		}
		if err := tx.QueryRow(ctx, `SELECT count(*),
				COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY d), 0),
				COALESCE(percentile_cont(0.95) WITHIN GROUP (ORDER BY d), 0)
			FROM (SELECT extract(epoch FROM confirmed_at - requested_at)::float8 AS d FROM registrations
			      WHERE requested_at IS NOT NULL AND confirmed_at >= requested_at) t`).
			Scan(&s.TimeToConfirm.Samples, &s.TimeToConfirm.P50Seconds, &s.TimeToConfirm.P95Seconds); err != nil {
			return fmt.Errorf("time to confirm: %w", err)
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FILTER (WHERE outcome = $1), count(*) FILTER (WHERE outcome = $2)
			FROM payment_outcomes`, domain.PaymentConfirmed, domain.PaymentFailed).
			Scan(&s.Payments.Confirmed, &s.Payments.Failed); err != nil {
			return fmt.Errorf("payments: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT type, n FROM event_counts`)
		if err != nil {
			return fmt.Errorf("event counts: %w", err)
		}
		for rows.Next() {
			var typ string
			var n int64
			if err := rows.Scan(&typ, &n); err != nil {
				return err
			}
			s.EventsByType[typ] = n
			s.EventsProcessed += n
		}
		return rows.Err()
	})
	if err != nil {
		return domain.Summary{}, fmt.Errorf("summary: %w", err)
	}
	s.FillRate = domain.Ratio(s.Confirmed, s.Capacity)
	s.Payments.FailureRate = domain.Ratio(s.Payments.Failed, s.Payments.Confirmed+s.Payments.Failed)
	return s, nil
}

// Sections lists each section of semester ("" = every semester) with its fill and
// waitlist, including sections known so far only from registrations.
func (a *PostgresAggregates) Sections(ctx context.Context, semester string) ([]domain.SectionStats, error) {
	rows, err := a.Pool.Query(ctx, `WITH c AS (
			SELECT section_id, min(module_code) AS module_code, min(semester) AS semester,
			       count(*) FILTER (WHERE status = 'CONFIRMED') AS confirmed,
			       count(*) FILTER (WHERE status = ANY($2)) AS waiting
			FROM registrations GROUP BY section_id)
		SELECT COALESCE(s.section_id, c.section_id), COALESCE(s.module_code, c.module_code),
		       COALESCE(s.semester, c.semester), s.capacity::bigint, COALESCE(c.confirmed, 0), COALESCE(c.waiting, 0)
		FROM sections s FULL JOIN c ON c.section_id = s.section_id
		WHERE $1 = '' OR COALESCE(s.semester, c.semester) = $1
		ORDER BY 2, 3, 1`, semester, domain.Waiting)
	if err != nil {
		return nil, fmt.Errorf("sections: %w", err)
	}
	defer rows.Close()
	out := []domain.SectionStats{}
	for rows.Next() {
		var s domain.SectionStats
		if err := rows.Scan(&s.SectionID, &s.ModuleCode, &s.Semester, &s.Capacity, &s.Confirmed, &s.Waitlisted); err != nil {
			return nil, fmt.Errorf("sections: %w", err)
		}
		if s.Capacity != nil {
			r := domain.Ratio(s.Confirmed, *s.Capacity)
			s.FillRate = &r
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Timeline lists the last minutes minutes (the current one included), oldest first, with
// a zero minute where nothing happened.
func (a *PostgresAggregates) Timeline(ctx context.Context, minutes int) ([]domain.Minute, error) {
	end := a.Now().UTC().Truncate(time.Minute)
	start := end.Add(-time.Duration(minutes-1) * time.Minute)
	out := make([]domain.Minute, minutes)
	for i := range out {
		out[i] = domain.Minute{At: start.Add(time.Duration(i) * time.Minute), Events: map[string]int64{}}
	}
	rows, err := a.Pool.Query(ctx, `SELECT minute, kind, n FROM minute_buckets WHERE minute >= $1 AND minute <= $2`, start, end)
	if err != nil {
		return nil, fmt.Errorf("timeline: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var at time.Time
		var kind string
		var n int64
		if err := rows.Scan(&at, &kind, &n); err != nil {
			return nil, fmt.Errorf("timeline: %w", err)
		}
		i := int(at.UTC().Sub(start) / time.Minute)
		if i < 0 || i >= len(out) {
			continue
		}
		if kind == domain.KindAccepted {
			out[i].Registrations += n
		} else {
			out[i].Events[kind] += n
		}
	}
	return out, rows.Err()
}
