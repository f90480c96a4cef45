// Package adapters keeps the audit chain in PostgreSQL.
package adapters

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/audit/domain"
	"github.com/registrar-edu/registrar/apps/audit/ports"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is the audit schema for pgdb.Open.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// AppRole is the database role the app works as: SELECT and INSERT on the log, nothing
// else, so not even a bug (or an injected statement) in the app can rewrite history.
const AppRole = "registrar_audit_app"

// chainLock is the advisory lock key that serialises appends, so the chain never forks.
const chainLock int64 = 0x6175646974 // "audit"

// Open migrates the schema as the role in url (the owner), then returns a pool whose
// connections work as AppRole.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	owner, err := pgdb.Open(ctx, url, Migrations())
	if err != nil {
		return nil, err
	}
	owner.Close()
	return OpenAsApp(ctx, url)
}

// OpenAsApp returns a pool on url whose every connection has SET ROLE AppRole.
func OpenAsApp(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, "SET ROLE "+AppRole)
		return err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect as %s: %w", AppRole, err)
	}
	return pool, nil
}

// PostgresLog is the audit chain in the audit_events table.
type PostgresLog struct {
	Pool *pgxpool.Pool
	Now  func() time.Time
}

var _ ports.Log = (*PostgresLog)(nil)

// Append adds e to the chain unless an entry for its id exists. Under the chain lock it
// first looks for the id (a duplicate delivery changes nothing), then reads the head and
// seals the new entry after it; seq is head+1, so the chain has no gaps.
func (l *PostgresLog) Append(ctx context.Context, e domain.Event) (entry domain.Entry, duplicate bool, err error) {
	err = pgx.BeginFunc(ctx, l.Pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, chainLock); err != nil {
			return fmt.Errorf("lock chain: %w", err)
		}
		err := tx.QueryRow(ctx, `SELECT seq FROM audit_events WHERE event_id = $1`, e.ID).Scan(&entry.Seq)
		if err == nil {
			duplicate = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("look up event %s: %w", e.ID, err)
		}
		var head *domain.Entry
		var h domain.Entry
		err = tx.QueryRow(ctx, `SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1`).Scan(&h.Seq, &h.Hash)
		switch {
		case err == nil:
			head = &h
		case !errors.Is(err, pgx.ErrNoRows):
			return fmt.Errorf("read chain head: %w", err)
		}
		entry, err = domain.Append(head, e, l.Now())
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO audit_events (seq, event_id, type, topic, data, received_at, prev_hash, hash)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (event_id) DO NOTHING`,
			entry.Seq, entry.EventID, entry.Type, entry.Topic, string(entry.Data), entry.ReceivedAt, entry.PrevHash, entry.Hash)
		if err != nil {
			return fmt.Errorf("append event %s: %w", e.ID, err)
		}
		if tag.RowsAffected() == 0 { // cannot happen under the lock; never report a phantom seq
			return fmt.Errorf("append event %s: already present", e.ID)
		}
		return nil
	})
	return entry, duplicate, err
}

const entryColumns = `seq, event_id, type, topic, data::text, received_at, prev_hash, hash`

func scanEntry(row pgx.Row) (domain.Entry, error) {
	var e domain.Entry
	var data string
	err := row.Scan(&e.Seq, &e.EventID, &e.Type, &e.Topic, &data, &e.ReceivedAt, &e.PrevHash, &e.Hash)
	e.Data = []byte(data)
	e.ReceivedAt = e.ReceivedAt.UTC()
	return e, err
}

// Verify recomputes the whole chain in seq order, in one snapshot, and stops at the first
// broken entry.
func (l *PostgresLog) Verify(ctx context.Context) (domain.Report, error) {
	var v domain.Verifier
	err := pgx.BeginTxFunc(ctx, l.Pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT `+entryColumns+` FROM audit_events ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			e, err := scanEntry(rows)
			if err != nil {
				return err
			}
			if v.Next(e) != nil {
				break
			}
		}
		return rows.Err()
	})
	if err != nil {
		return domain.Report{}, fmt.Errorf("verify chain: %w", err)
	}
	return v.Report(), nil
}

// Entries lists up to limit entries after seq after, in seq order.
func (l *PostgresLog) Entries(ctx context.Context, after int64, limit int) ([]domain.Entry, error) {
	rows, err := l.Pool.Query(ctx, `SELECT `+entryColumns+` FROM audit_events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list entries: %w", err)
	}
	defer rows.Close()
	var out []domain.Entry
	for rows.Next() {
		e, err := scanEntry(rows)
		if err != nil {
			return nil, fmt.Errorf("list entries: %w", err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}
