package main

import (
	"context"
	"io"
	"time"

	"github.com/registrar-edu/registrar/apps/analytics/adapters"
	"github.com/registrar-edu/registrar/apps/analytics/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the analytics app's configuration.
type Config struct {
	config.Base
	DatabaseURL config.Secret `env:"DATABASE_URL,required"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	// Analytics publishes nothing, so it has no outbox: only its own schema.
	pool, err := pgdb.Open(ctx, cfg.DatabaseURL.Reveal(), adapters.Migrations())
	if err != nil {
		return err
	}
	defer pool.Close()
	srv.Health.Add("database", pgdb.Check(pool))
	sidecar := srv.Sidecar()
	defer sidecar.Close()

	routes(srv, ports.NewHTTP(&adapters.PostgresAggregates{Pool: pool, Now: time.Now}, srv.Log, srv.Metrics))
	return srv.Serve(ctx)
}
