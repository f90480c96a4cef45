package main

import (
	"context"
	"io"
	"time"

	"github.com/registrar-edu/registrar/apps/audit/adapters"
	"github.com/registrar-edu/registrar/apps/audit/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the audit app's configuration. DATABASE_URL is the owner's connection: it
// migrates the schema, then every connection works as adapters.AppRole.
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

	pool, err := adapters.Open(ctx, cfg.DatabaseURL.Reveal())
	if err != nil {
		return err
	}
	defer pool.Close()
	srv.Health.Add("database", pgdb.Check(pool))
	// The sidecar delivers the subscriptions; the app itself calls nothing through it.
	sidecar := srv.Sidecar()
	defer sidecar.Close()

	routes(srv, ports.NewHTTP(&adapters.PostgresLog{Pool: pool, Now: time.Now}, srv.Log, srv.Metrics))
	return srv.Serve(ctx)
}
