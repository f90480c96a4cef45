package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/schedule/app"
	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
)

// PostgresSeats is the seat inventory in PostgreSQL: one row per seat, each change of a seat
// and its event (outbox) written in one transaction.
type PostgresSeats struct {
	Pool *pgxpool.Pool
	Now  func() time.Time
}

var _ app.Seats = (*PostgresSeats)(nil)

func (p *PostgresSeats) now() time.Time {
	if p.Now == nil {
		return time.Now()
	}
	return p.Now()
}

const holdColumns = `section_id::text, seat_no, status, registration_id::text, coalesce(expires_at, 'epoch'::timestamptz), version`

func scanHold(row pgx.Row) (domain.Hold, error) {
	var h domain.Hold
	var status string
	err := row.Scan(&h.SectionID, &h.SeatNo, &status, &h.RegistrationID, &h.ExpiresAt, &h.Version)
	h.Status = domain.SeatStatus(status)
	if h.ExpiresAt.Unix() == 0 {
		h.ExpiresAt = time.Time{}
	}
	return h, err
}

// Hold claims the first free seat no other transaction has locked (FOR UPDATE SKIP LOCKED),
// so concurrent holds on one section take different rows instead of waiting for each other.
// A repeated hold of the same registration finds its seat by registration id; concurrent
// holds of one registration are serialised by an advisory lock on its id, and the unique
// registration index backs that up (a violation is retried once and finds the seat).
func (p *PostgresSeats) Hold(ctx context.Context, sectionID, registrationID string, ttl time.Duration) (app.HoldOutcome, error) {
	for attempt := 0; ; attempt++ {
		out, err := p.hold(ctx, sectionID, registrationID, ttl)
		if code, constraint := pgCode(err); code == "23505" && constraint == "seats_registration" && attempt == 0 {
			continue
		}
		return out, err
	}
}

func (p *PostgresSeats) hold(ctx context.Context, sectionID, registrationID string, ttl time.Duration) (app.HoldOutcome, error) {
	var out app.HoldOutcome
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		// Holds of one registration take turns (holds of different registrations do not
		// wait for each other): without this, two concurrent first holds of a registration
		// would lock two free seats, and when those were the last ones a third would answer
		// "full" although the registration is about to hold a seat.
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, registrationID); err != nil {
			return fmt.Errorf("lock registration: %w", err)
		}
		h, err := scanHold(tx.QueryRow(ctx, `SELECT `+holdColumns+` FROM seats WHERE registration_id = $1`, registrationID))
		switch {
		case err == nil && h.SectionID != sectionID:
			return &errs.Error{Kind: errs.Conflict, Message: "this registration holds a seat in another section",
				Fields: []errs.FieldError{{Field: "registrationId", Message: "holds a seat in section " + h.SectionID}}}
		case err == nil:
			out = app.HoldOutcome{Hold: h, Repeat: true}
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("look up hold: %w", err)
		}

		h, err = scanHold(tx.QueryRow(ctx, `UPDATE seats SET status = 'held', registration_id = $2,
				expires_at = now() + make_interval(secs => $3), version = version + 1
			WHERE (section_id, seat_no) = (
				SELECT section_id, seat_no FROM seats WHERE section_id = $1 AND status = 'free'
				ORDER BY seat_no LIMIT 1 FOR UPDATE SKIP LOCKED)
			AND status = 'free'
			RETURNING `+holdColumns, sectionID, registrationID, ttl.Seconds()))
		if errors.Is(err, pgx.ErrNoRows) {
			var exists bool
			if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sections WHERE id = $1)`, sectionID).Scan(&exists); err != nil {
				return fmt.Errorf("look up section: %w", err)
			}
			if !exists {
				return app.ErrSectionNotFound
			}
			out = app.HoldOutcome{Full: true}
			return nil
		}
		if err != nil {
			return fmt.Errorf("claim seat: %w", err)
		}
		if _, err := outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicSeats, Type: domain.EventSeatHeldV1,
			AggregateID: h.AggregateID(), Data: h.Held(p.now())}); err != nil {
			return err
		}
		out = app.HoldOutcome{Hold: h}
		return nil
	})
	return out, err
}

// ErrHoldGone is the answer to confirming a hold that expired or was released.
var ErrHoldGone = errs.E(errs.Conflict, "this registration holds no seat to confirm: the hold expired or was released")

// Confirm turns the registration's unexpired hold into a confirmed seat. A hold past its
// expiry is never confirmed, even before the reaper frees it: the saga's deadline is the hold's.
func (p *PostgresSeats) Confirm(ctx context.Context, registrationID string) (domain.Hold, error) {
	var out domain.Hold
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		h, err := scanHold(tx.QueryRow(ctx, `UPDATE seats SET status = 'confirmed', expires_at = NULL, version = version + 1
			WHERE registration_id = $1 AND status = 'held' AND expires_at > now() RETURNING `+holdColumns, registrationID))
		if errors.Is(err, pgx.ErrNoRows) {
			h, err := scanHold(tx.QueryRow(ctx, `SELECT `+holdColumns+` FROM seats WHERE registration_id = $1`, registrationID))
			if err == nil && h.Status == domain.StatusConfirmed {
				out = h
				return nil
			}
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return fmt.Errorf("look up hold: %w", err)
			}
			return ErrHoldGone
		}
		if err != nil {
			return fmt.Errorf("confirm seat: %w", err)
		}
		out = h
		_, err = outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicSeats, Type: domain.EventSeatConfirmedV1,
			AggregateID: h.AggregateID(), Data: h.Confirmed(p.now())})
		return err
	})
	return out, err
}

// Release frees the registration's seat, held or confirmed.
func (p *PostgresSeats) Release(ctx context.Context, registrationID string) (domain.Hold, bool, error) {
	var out domain.Hold
	var released bool
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var h domain.Hold
		var status string
		err := tx.QueryRow(ctx, `WITH cur AS (
				SELECT section_id, seat_no, status FROM seats WHERE registration_id = $1 FOR UPDATE)
			UPDATE seats s SET status = 'free', registration_id = NULL, expires_at = NULL, version = s.version + 1
			FROM cur WHERE s.section_id = cur.section_id AND s.seat_no = cur.seat_no
			RETURNING s.section_id::text, s.seat_no, cur.status, s.version`, registrationID).
			Scan(&h.SectionID, &h.SeatNo, &status, &h.Version)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("release seat: %w", err)
		}
		h.RegistrationID, h.Status = registrationID, domain.SeatStatus(status)
		out, released = h, true
		_, err = outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicSeats, Type: domain.EventSeatReleasedV1,
			AggregateID: h.AggregateID(), Data: h.Released(domain.ReasonReleased, h.Version, p.now())})
		return err
	})
	return out, released, err
}

// GetHold loads the seat of a registration.
func (p *PostgresSeats) GetHold(ctx context.Context, registrationID string) (domain.Hold, error) {
	h, err := scanHold(p.Pool.QueryRow(ctx, `SELECT `+holdColumns+` FROM seats WHERE registration_id = $1`, registrationID))
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.Hold{}, app.ErrHoldNotFound
	}
	return h, err
}

// ReapExpired frees up to limit expired holds. The rows are locked with SKIP LOCKED, so
// several instances reap side by side, and a confirm racing the reaper either wins (the row
// is no longer held) or waits and then finds the hold gone.
func (p *PostgresSeats) ReapExpired(ctx context.Context, limit int) ([]domain.Hold, error) {
	var out []domain.Hold
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `WITH expired AS (
				SELECT section_id, seat_no, registration_id FROM seats
				WHERE status = 'held' AND expires_at <= now()
				ORDER BY expires_at LIMIT $1 FOR UPDATE SKIP LOCKED)
			UPDATE seats s SET status = 'free', registration_id = NULL, expires_at = NULL, version = s.version + 1
			FROM expired e WHERE s.section_id = e.section_id AND s.seat_no = e.seat_no
			RETURNING s.section_id::text, s.seat_no, e.registration_id::text, s.version`, limit)
		if err != nil {
			return fmt.Errorf("reap: %w", err)
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Hold, error) {
			h := domain.Hold{Status: domain.StatusHeld}
			return h, r.Scan(&h.SectionID, &h.SeatNo, &h.RegistrationID, &h.Version)
		})
		if err != nil {
			return fmt.Errorf("reap scan: %w", err)
		}
		now := p.now()
		events := make([]outbox.Event, 0, len(out))
		for _, h := range out {
			events = append(events, outbox.Event{Topic: domain.TopicSeats, Type: domain.EventSeatReleasedV1,
				AggregateID: h.AggregateID(), Data: h.Released(domain.ReasonExpired, h.Version, now)})
		}
		_, err = outbox.Add(ctx, tx, events...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AddSeat grows a section by one free seat under the section's row lock, refusing to pass
// its room's capacity.
func (p *PostgresSeats) AddSeat(ctx context.Context, sectionID string) (int, error) {
	var capacity int
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var room int
		err := tx.QueryRow(ctx, `SELECT s.capacity, r.capacity FROM sections s JOIN rooms r ON r.code = s.room_code
			WHERE s.id = $1 FOR UPDATE OF s`, sectionID).Scan(&capacity, &room)
		if errors.Is(err, pgx.ErrNoRows) {
			return errs.E(errs.NotFound, "section not found")
		}
		if err != nil {
			return err
		}
		if capacity >= room {
			return errs.E(errs.Unprocessable, "the section already fills its room (%d seats)", room)
		}
		capacity++
		if _, err := tx.Exec(ctx, `UPDATE sections SET capacity = $2 WHERE id = $1`, sectionID, capacity); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO seats (section_id, seat_no) VALUES ($1, $2)`, sectionID, capacity)
		return err
	})
	return capacity, err
}
