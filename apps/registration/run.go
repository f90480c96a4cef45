package main

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/dapr/durabletask-go/workflow"

	"github.com/registrar-edu/registrar/apps/registration/adapters"
	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/apps/registration/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/outbox"
	"github.com/registrar-edu/registrar/internal/platform/server"
	"github.com/registrar-edu/registrar/workflows"
)

// Config is the registration app's configuration.
type Config struct {
	config.Base
	DatabaseURL   config.Secret `env:"DATABASE_URL,required"`
	PubSub        string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
	HoldTTL       time.Duration `env:"HOLD_TTL" envDefault:"10m"`
	OfferTTL      time.Duration `env:"WAITLIST_OFFER_TTL" envDefault:"24h"`
	MaxCredits    int           `env:"MAX_CREDITS" envDefault:"60"`
	WaitlistSweep time.Duration `env:"WAITLIST_SWEEP" envDefault:"15s"`
	KeyTTL        time.Duration `env:"IDEMPOTENCY_KEY_TTL" envDefault:"24h"`
	Reconcile     time.Duration `env:"READ_MODEL_RECONCILE" envDefault:"5m"`
	InvokeTimeout time.Duration `env:"INVOKE_TIMEOUT" envDefault:"30s"`
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

	// The workflow client rides on the sidecar's gRPC connection, dialled in the background.
	var wf atomic.Pointer[workflow.Client]
	ready := make(chan struct{})
	wfClient := func(ctx context.Context) (*workflow.Client, error) {
		select {
		case <-ready:
			return wf.Load(), nil
		case <-ctx.Done():
			return nil, errors.New("workflow engine not connected yet")
		}
	}
	store := &adapters.PostgresRegistrations{Pool: pool, KeyTTL: cfg.KeyTTL}
	invoker := daprx.NewInvoker(sidecar, cfg.InvokeTimeout)
	seats, payments := &adapters.DaprSeats{Invoker: invoker}, &adapters.DaprPayments{Invoker: invoker}
	svc := &app.Service{Store: store, Seats: seats, Payments: payments, Sagas: &adapters.WorkflowSagas{Client: wfClient}, Teaching: store,
		Config: app.Config{HoldTTL: cfg.HoldTTL, OfferTTL: cfg.OfferTTL, MaxCredits: cfg.MaxCredits}, Log: srv.Log, Now: time.Now}

	activities := &workflows.Activities{Store: store, Seats: seats, Payments: payments, Log: srv.Log, Now: time.Now}
	registry := workflow.NewRegistry()
	if err := activities.Register(registry); err != nil {
		return err
	}
	srv.Health.Add("workflow-worker", func(context.Context) error {
		select {
		case <-ready:
			return nil
		default:
			return errors.New("workflow worker not started yet")
		}
	})
	srv.Go(func(ctx context.Context) error {
		c, err := sidecar.Client(ctx)
		if err != nil {
			return nil
		}
		client := workflow.NewClient(c.GrpcClientConn())
		backoff := 200 * time.Millisecond
		for {
			// The worker's stream needs the sidecar's workflow engine (placement, actors) up.
			if err := client.StartWorker(ctx, registry); err == nil {
				break
			} else if ctx.Err() != nil {
				return nil
			} else {
				srv.Log.Debug("workflow worker not started yet", "err", err)
			}
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 3*time.Second)
		}
		wf.Store(client)
		close(ready)
		srv.Log.Info("workflow worker started")
		<-ctx.Done()
		return nil
	})

	relay := &outbox.Relay{Pool: pool, Log: srv.Log,
		Publisher: &adapters.SagaStarter{Client: wfClient, Next: &daprx.Publisher{Sidecar: sidecar, PubSub: cfg.PubSub}}}
	relay.RegisterMetrics(srv.Metrics)
	srv.Go(relay.Run)
	reconciler := &adapters.Reconciler{Invoker: invoker, Models: store, Log: srv.Log, Interval: cfg.Reconcile, PageSize: 1000}
	srv.Go(reconciler.Run)
	srv.Go(func(ctx context.Context) error { return store.PurgeKeys(ctx, time.Hour, srv.Log.Warn) })
	srv.Go(func(ctx context.Context) error { return svc.PromoteWaitlists(ctx, cfg.WaitlistSweep) })

	routes(srv, &ports.HTTP{Service: svc, Validator: srv.Validator, Log: srv.Log},
		&ports.Events{Models: store, Service: svc, Log: srv.Log})
	return srv.Serve(ctx)
}
