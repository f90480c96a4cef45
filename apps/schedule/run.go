package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/registrar-edu/registrar/apps/schedule/adapters"
	"github.com/registrar-edu/registrar/apps/schedule/app"
	"github.com/registrar-edu/registrar/apps/schedule/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the schedule app's configuration.
type Config struct {
	config.Base
	DatabaseURL config.Secret `env:"DATABASE_URL,required"`
	// RedisURL is the seat gate's Redis (redis://host:port/db); it may carry a password.
	RedisURL       config.Secret `env:"REDIS_URL" envDefault:"redis://127.0.0.1:6379/0"`
	SeatGatePrefix string        `env:"SEAT_GATE_PREFIX" envDefault:"registrar:seatgate:"`
	// SeatGateFullTTL bounds how long a "full" flag lives if nothing clears it (see adapters.RedisSeatGate).
	SeatGateFullTTL time.Duration `env:"SEAT_GATE_FULL_TTL" envDefault:"10s"`
	// HoldConcurrency bounds the holds of this instance that query PostgreSQL at once.
	HoldConcurrency int           `env:"HOLD_CONCURRENCY" envDefault:"4"`
	ReapInterval    time.Duration `env:"HOLD_REAP_INTERVAL" envDefault:"1s"`
	PubSub          string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
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
	redisOpts, err := redis.ParseURL(cfg.RedisURL.Reveal())
	if err != nil {
		return fmt.Errorf("parse REDIS_URL: %w", err)
	}
	rdb := redis.NewClient(redisOpts)
	defer rdb.Close()

	sidecar := srv.Sidecar()
	defer sidecar.Close()
	srv.Health.Add("redis", adapters.RedisCheck(rdb))

	srv.RelayOutbox(pool, sidecar, cfg.PubSub)

	svc := app.NewService(&adapters.PostgresTimetable{Pool: pool}, &adapters.PostgresSeats{Pool: pool},
		&adapters.RedisSeatGate{Client: rdb, Prefix: cfg.SeatGatePrefix, FullTTL: cfg.SeatGateFullTTL},
		srv.Log, app.NewMetrics(srv.Metrics), cfg.HoldConcurrency)
	svc.ReapInterval = cfg.ReapInterval

	srv.Go(svc.RunReaper)
	routes(srv, &ports.HTTP{Service: svc, Validator: srv.Validator, Log: srv.Log})
	return srv.Serve(ctx)
}
