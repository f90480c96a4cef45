package main

import (
	"context"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the notification app's configuration.
type Config struct {
	config.Base
	StateStore string        `env:"STATE_STORE" envDefault:"statestore"`
	InboxTTL   time.Duration `env:"INBOX_TTL" envDefault:"168h"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	sidecar := srv.Sidecar()
	defer sidecar.Close()

	stateClient := func(ctx context.Context) (dedupe.StateClient, error) { return sidecar.Client(ctx) }
	h := &welcomes{
		sidecar:   sidecar,
		store:     cfg.StateStore,
		inbox:     dedupe.NewInbox(stateClient, cfg.StateStore, cfg.AppID, cfg.InboxTTL),
		log:       srv.Log,
		delivered: map[string]int{},
		received: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "registrar_events_processed_total", Help: "Events processed, by type and whether they were duplicates.",
		}, []string{"type", "duplicate"}),
	}
	srv.Metrics.MustRegister(h.received)
	routes(srv, h)
	return srv.Serve(ctx)
}
