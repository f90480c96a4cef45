package main

import (
	"context"
	"io"
	"math/rand/v2"
	"time"

	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the simulator's configuration. The fault settings are the starting values;
// POST /admin/config changes them while it runs.
type Config struct {
	config.Base
	Latency     time.Duration `env:"PAYGATE_LATENCY" envDefault:"0s"`
	FailureRate float64       `env:"PAYGATE_FAILURE_RATE" envDefault:"0"`
	TimeoutRate float64       `env:"PAYGATE_TIMEOUT_RATE" envDefault:"0"`
	// MaxHang bounds how long a request picked to time out hangs if its caller never gives up.
	MaxHang time.Duration `env:"PAYGATE_MAX_HANG" envDefault:"60s"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	faults, err := NewFaults(FaultConfig{LatencyMs: cfg.Latency.Milliseconds(), FailureRate: cfg.FailureRate,
		TimeoutRate: cfg.TimeoutRate})
	if err != nil {
		return err
	}
	gw := &Gateway{Ledger: NewLedger(), Faults: faults, Roll: rand.Float64, MaxHang: cfg.MaxHang, Log: srv.Log}
	routes(srv, gw)
	return srv.Serve(ctx)
}
