package main

import (
	"context"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/payment/adapters"
	"github.com/registrar-edu/registrar/apps/payment/app"
	"github.com/registrar-edu/registrar/apps/payment/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the payment app's configuration.
type Config struct {
	config.Base
	StateStore     string `env:"STATE_STORE" envDefault:"statestore"`
	PubSub         string `env:"PUBSUB_NAME" envDefault:"pubsub"`
	GatewayBinding string `env:"GATEWAY_BINDING" envDefault:"paymentgateway"`
	// GatewayTimeout bounds one gateway call from the app's side (the binding's own
	// responseTimeout should be a little shorter).
	GatewayTimeout time.Duration `env:"GATEWAY_TIMEOUT" envDefault:"15s"`
	// AttemptLease is how long one charge or refund attempt keeps others from calling the
	// gateway for the same registration; longer than GatewayTimeout.
	AttemptLease time.Duration `env:"ATTEMPT_LEASE" envDefault:"10s"`
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

	svc := &app.Service{
		Payments: &adapters.DaprStatePayments{Store: cfg.StateStore, MaxRaces: 20,
			Client: func(ctx context.Context) (adapters.StateClient, error) { return sidecar.Client(ctx) }},
		Gateway: &adapters.BindingGateway{Binding: cfg.GatewayBinding, Timeout: cfg.GatewayTimeout,
			Client: func(ctx context.Context) (adapters.BindingClient, error) { return sidecar.Client(ctx) }},
		Publisher: &daprx.Publisher{Sidecar: sidecar, PubSub: cfg.PubSub},
		Log:       srv.Log,
		Lease:     max(cfg.AttemptLease, cfg.GatewayTimeout+time.Second),
		Now:       time.Now,
		NewID:     uuid.NewString,
		Metrics:   app.NewMetrics(srv.Metrics),
	}
	routes(srv, &ports.HTTP{Service: svc, Validator: srv.Validator, Log: srv.Log})
	return srv.Serve(ctx)
}
