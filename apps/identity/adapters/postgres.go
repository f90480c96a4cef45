// Package adapters implements identity's ports: PostgreSQL storage, argon2id hashing and
// the Ed25519 key ring.
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

	"github.com/registrar-edu/registrar/apps/identity/app"
	"github.com/registrar-edu/registrar/apps/identity/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migrations is identity's schema for pgdb.Open.
func Migrations() fs.FS {
	sub, _ := fs.Sub(migrations, "migrations")
	return sub
}

// PostgresUsers stores users and refresh tokens in PostgreSQL.
type PostgresUsers struct{ Pool *pgxpool.Pool }

var (
	_ app.Users         = (*PostgresUsers)(nil)
	_ app.RefreshTokens = (*PostgresUsers)(nil)
)

const userColumns = `id, username, password_hash, role, coalesce(student_id::text, ''), failed_attempts,
	coalesce(locked_until, 'epoch'::timestamptz), created_at`

func scanUser(row pgx.Row) (domain.User, error) {
	var u domain.User
	err := row.Scan(&u.ID, &u.Username, &u.PasswordHash, &u.Role, &u.StudentID, &u.FailedAttempts, &u.LockedUntil, &u.CreatedAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return domain.User{}, app.ErrNotFound
	}
	return u, err
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Create inserts a user and its UserCreated event in one transaction.
func (p *PostgresUsers) Create(ctx context.Context, u domain.User) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO users (id, username, password_hash, role, student_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, u.ID, u.Username, u.PasswordHash, u.Role, nullable(u.StudentID), u.CreatedAt)
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "23505" {
			field := "username"
			if pgErr.ConstraintName == "users_student_id_key" {
				field = "studentId"
			}
			return &errs.Error{Kind: errs.Conflict, Message: "an account with this " + field + " exists already",
				Fields: []errs.FieldError{{Field: field, Message: "is taken"}}}
		}
		if err != nil {
			return fmt.Errorf("insert user: %w", err)
		}
		_, err = outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicUsers, Type: domain.EventUserCreatedV1, AggregateID: u.ID,
			Data: domain.UserCreated{UserID: u.ID, Role: u.Role, StudentID: u.StudentID, AggregateVersion: 1, OccurredAt: u.CreatedAt}})
		return err
	})
}

// ByUsername loads a user by login name.
func (p *PostgresUsers) ByUsername(ctx context.Context, username string) (domain.User, error) {
	return scanUser(p.Pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE username = $1`, username))
}

// ByID loads a user by id.
func (p *PostgresUsers) ByID(ctx context.Context, id string) (domain.User, error) {
	return scanUser(p.Pool.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1`, id))
}

// Update changes a user under a row lock, so concurrent failed logins all count.
func (p *PostgresUsers) Update(ctx context.Context, id string, fn func(*domain.User) error) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		u, err := scanUser(tx.QueryRow(ctx, `SELECT `+userColumns+` FROM users WHERE id = $1 FOR UPDATE`, id))
		if err != nil {
			return err
		}
		if err := fn(&u); err != nil {
			return err
		}
		var locked any
		if !u.LockedUntil.IsZero() && u.LockedUntil.After(time.Unix(0, 0)) {
			locked = u.LockedUntil
		}
		_, err = tx.Exec(ctx, `UPDATE users SET failed_attempts = $2, locked_until = $3 WHERE id = $1`,
			id, u.FailedAttempts, locked)
		return err
	})
}

// Insert stores a new refresh token.
func (p *PostgresUsers) Insert(ctx context.Context, t app.RefreshToken) error {
	_, err := p.Pool.Exec(ctx, `INSERT INTO refresh_tokens (token_hash, user_id, family, expires_at) VALUES ($1, $2, $3, $4)`,
		t.Hash, t.UserID, t.Family, t.ExpiresAt)
	return err
}

// Rotate locks a refresh token and stores fn's change to it.
func (p *PostgresUsers) Rotate(ctx context.Context, hash string, fn func(app.RefreshToken) (*app.RefreshToken, error)) error {
	return pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		var t app.RefreshToken
		err := tx.QueryRow(ctx, `SELECT token_hash, user_id, family, expires_at, revoked_at FROM refresh_tokens
			WHERE token_hash = $1 FOR UPDATE`, hash).Scan(&t.Hash, &t.UserID, &t.Family, &t.ExpiresAt, &t.RevokedAt)
		if errors.Is(err, pgx.ErrNoRows) {
			return app.ErrNotFound
		}
		if err != nil {
			return err
		}
		changed, err := fn(t)
		if err != nil || changed == nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = $2 WHERE token_hash = $1`, hash, changed.RevokedAt)
		return err
	})
}

// RevokeFamily revokes every token of one login.
func (p *PostgresUsers) RevokeFamily(ctx context.Context, family string) error {
	_, err := p.Pool.Exec(ctx, `UPDATE refresh_tokens SET revoked_at = now() WHERE family = $1 AND revoked_at IS NULL`, family)
	return err
}
