package server

import (
	"context"
	"io/fs"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
)

// Sidecar returns the app's Dapr sidecar: dialled in the background (daprd waits for the
// app's port, so the app must serve first) and reported as the "sidecar" dependency.
// Close it when the app stops.
func (a *App) Sidecar() *daprx.Sidecar {
	s := daprx.NewSidecar(a.Config.DaprHTTPPort, a.Config.DaprGRPCPort, a.Log)
	a.Health.Add("sidecar", s.Check)
	a.Go(s.Connect)
	return s
}

// Postgres opens the app's database, applies the app's migrations and the outbox's, and
// reports it as the "database" dependency. Close the pool when the app stops.
func (a *App) Postgres(ctx context.Context, url string, migrations fs.FS) (*pgxpool.Pool, error) {
	pool, err := pgdb.Open(ctx, url, migrations)
	if err != nil {
		return nil, err
	}
	if err := outbox.Migrate(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	a.Health.Add("database", pgdb.Check(pool))
	return pool, nil
}

// RelayOutbox publishes the outbox of pool through the sidecar's pub/sub component while
// the app runs.
func (a *App) RelayOutbox(pool *pgxpool.Pool, sidecar *daprx.Sidecar, pubsub string) {
	relay := &outbox.Relay{Pool: pool, Publisher: &daprx.Publisher{Sidecar: sidecar, PubSub: pubsub}, Log: a.Log}
	relay.RegisterMetrics(a.Metrics)
	a.Go(relay.Run)
}
