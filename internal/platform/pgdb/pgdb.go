// Package pgdb opens an app's PostgreSQL pool and applies its embedded migrations with goose.
package pgdb

import (
	"context"
	"fmt"
	"io/fs"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/database"
	"github.com/pressly/goose/v3/lock"
)

// Open connects to url and migrates the schema from migrations (a folder of goose SQL files).
// The connection is retried for a while: at start-up PostgreSQL may still be coming up.
func Open(ctx context.Context, url string, migrations fs.FS) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open pool: %w", err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		err = pool.Ping(ctx)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	if migrations != nil {
		if err := Migrate(ctx, pool, migrations); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return pool, nil
}

// Migrate applies every pending migration in migrations. Several app instances may start at
// once; goose's session locker serialises them with a PostgreSQL advisory lock.
func Migrate(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS) error {
	return MigrateTable(ctx, pool, migrations, "goose_db_version")
}

// MigrateTable is Migrate with its own version table, for shared schemas (the outbox) that
// live beside an app's own.
func MigrateTable(ctx context.Context, pool *pgxpool.Pool, migrations fs.FS, table string) error {
	db := stdlib.OpenDBFromPool(pool)
	defer db.Close()
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	store, err := database.NewStore(database.DialectPostgres, table)
	if err != nil {
		return fmt.Errorf("migration store: %w", err)
	}
	p, err := goose.NewProvider("", db, migrations, goose.WithStore(store), goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := p.Up(ctx); err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return nil
}

// Check is the database readiness dependency.
func Check(pool *pgxpool.Pool) func(context.Context) error {
	return func(ctx context.Context) error {
		if err := pool.Ping(ctx); err != nil {
			return fmt.Errorf("database unreachable")
		}
		return nil
	}
}
