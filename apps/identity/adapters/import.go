package adapters

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/registrar-edu/registrar/apps/identity/domain"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
)

// Import writes accounts in bulk (the seeded campus), skipping usernames that exist, and
// records UserCreated for each. Password hashes are taken as given.
func (p *PostgresUsers) Import(ctx context.Context, batch []domain.User) (int, error) {
	names := make([]string, len(batch))
	for i, u := range batch {
		names[i] = u.Username
	}
	written := 0
	err := pgx.BeginFunc(ctx, p.Pool, func(tx pgx.Tx) error {
		rows, err := tx.Query(ctx, `SELECT username FROM users WHERE username = ANY($1)`, names)
		if err != nil {
			return err
		}
		exists, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return err
		}
		skip := map[string]bool{}
		for _, n := range exists {
			skip[n] = true
		}
		var out [][]any
		for _, u := range batch {
			if skip[u.Username] {
				continue
			}
			out = append(out, []any{u.ID, u.Username, u.PasswordHash, u.Role, nullable(u.StudentID), u.CreatedAt})
			if _, err := outbox.Add(ctx, tx, outbox.Event{Topic: domain.TopicUsers, Type: domain.EventUserCreatedV1,
				AggregateID: u.ID, Data: domain.UserCreated{UserID: u.ID, Role: u.Role, StudentID: u.StudentID,
					AggregateVersion: 1, OccurredAt: u.CreatedAt}}); err != nil {
				return err
			}
		}
		written = len(out)
		if len(out) == 0 {
			return nil
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"users"}, []string{"id", "username", "password_hash", "role", "student_id", "created_at"},
			pgx.CopyFromRows(out))
		if err != nil {
			return fmt.Errorf("copy users: %w", err)
		}
		return nil
	})
	return written, err
}
