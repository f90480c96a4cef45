package main

import (
	"context"
	"io"
	"time"

	"github.com/registrar-edu/registrar/apps/subject/adapters"
	"github.com/registrar-edu/registrar/apps/subject/app"
	"github.com/registrar-edu/registrar/apps/subject/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/mongodb"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the subject app's configuration.
type Config struct {
	config.Base
	MongoURL      config.Secret `env:"MONGODB_URL,required"`
	MongoDatabase string        `env:"MONGODB_DATABASE" envDefault:"registrar_subject"`
	PubSub        string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	client, err := mongodb.Connect(ctx, cfg.MongoURL.Reveal())
	if err != nil {
		return err
	}
	defer func() { _ = client.Disconnect(context.WithoutCancel(ctx)) }()
	db := client.Database(cfg.MongoDatabase)
	if err := adapters.EnsureIndexes(ctx, db); err != nil {
		return err
	}
	sidecar := srv.Sidecar()
	defer sidecar.Close()
	srv.Health.Add("database", mongodb.Check(client))

	lock := &adapters.MongoLock{DB: db}
	relay := app.NewRelay(&adapters.MongoOutbox{DB: db, Lock: lock},
		&daprx.Publisher{Sidecar: sidecar, PubSub: cfg.PubSub}, srv.Log)
	relay.RegisterMetrics(srv.Metrics)
	srv.Go(relay.Run)

	svc := &app.Service{Modules: &adapters.MongoModules{DB: db}, Programmes: &adapters.MongoProgrammes{DB: db},
		Lock: lock, Now: time.Now, Written: relay.Wake}
	routes(srv, &ports.HTTP{Service: svc, Validator: srv.Validator, Log: srv.Log})
	return srv.Serve(ctx)
}
