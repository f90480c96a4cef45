package main

import (
	"context"
	"io"
	"time"

	"github.com/registrar-edu/registrar/apps/student/adapters"
	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/pgdb"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the student app's configuration.
type Config struct {
	config.Base
	DatabaseURL config.Secret `env:"DATABASE_URL,required"`
	PubSub      string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	pool, err := pgdb.Open(ctx, cfg.DatabaseURL.Reveal(), adapters.Migrations())
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := outbox.Migrate(ctx, pool); err != nil {
		return err
	}
	sidecar := daprx.NewSidecar(cfg.DaprHTTPPort, cfg.DaprGRPCPort, srv.Log)
	defer sidecar.Close()
	srv.Health.Add("database", pgdb.Check(pool))
	srv.Health.Add("sidecar", sidecar.Check)

	relay := &outbox.Relay{Pool: pool, Publisher: &daprx.Publisher{Sidecar: sidecar, PubSub: cfg.PubSub}, Log: srv.Log}
	relay.RegisterMetrics(srv.Metrics)
	srv.Go(sidecar.Connect)
	srv.Go(relay.Run)

	svc := &app.Service{Students: &adapters.PostgresStudents{Pool: pool}, Now: time.Now}
	routes(srv, &ports.HTTP{Service: svc, Validator: srv.Validator, Log: srv.Log})
	return srv.Serve(ctx)
}
