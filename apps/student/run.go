package main

import (
	"context"
	"io"
	"time"

	"github.com/registrar-edu/registrar/apps/student/adapters"
	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the student app's configuration.
type Config struct {
	config.Base
	DatabaseURL config.Secret `env:"DATABASE_URL,required"`
	PubSub      string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
	StateStore  string        `env:"STATE_STORE" envDefault:"statestore"`
	SecretStore string        `env:"SECRET_STORE" envDefault:"secretstore"`
	PIIKeysRef  string        `env:"PII_KEYS_SECRET" envDefault:"PII_KEYS"`
	KeyReload   time.Duration `env:"PII_KEYS_RELOAD" envDefault:"30s"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	pool, err := srv.Postgres(ctx, cfg.DatabaseURL.Reveal(), adapters.Migrations())
	if err != nil {
		return err
	}
	defer pool.Close()
	sidecar := srv.Sidecar()
	defer sidecar.Close()
	cipher := &adapters.FieldCipher{}
	srv.Health.Add("pii-keys", func(context.Context) error { return cipher.Ready() })

	srv.RelayOutbox(pool, sidecar, cfg.PubSub)
	srv.Go(func(ctx context.Context) error {
		return sidecar.WatchSecret(ctx, cfg.SecretStore, cfg.PIIKeysRef, cfg.KeyReload, cipher.SetKeys)
	})

	stateClient := func(ctx context.Context) (adapters.StateClient, error) { return sidecar.Client(ctx) }
	svc := &app.Service{Students: &adapters.PostgresStudents{Pool: pool, Cipher: cipher},
		Summaries: &adapters.DaprSummaries{Client: stateClient, Store: cfg.StateStore}, Now: time.Now}
	routes(srv, &ports.HTTP{Service: svc, Validator: srv.Validator, Log: srv.Log})
	return srv.Serve(ctx)
}
