package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/notification/adapters"
	"github.com/registrar-edu/registrar/apps/notification/app"
	"github.com/registrar-edu/registrar/apps/notification/domain"
	"github.com/registrar-edu/registrar/apps/notification/ports"
	"github.com/registrar-edu/registrar/apps/notification/templates"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the notification app's configuration.
type Config struct {
	config.Base
	StateStore string        `env:"STATE_STORE" envDefault:"statestore"`
	PubSub     string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
	InboxTTL   time.Duration `env:"INBOX_TTL" envDefault:"168h"`
	// EmailBinding is the Dapr output binding that sends email (SMTP locally, SendGrid in
	// production); EmailTimeout bounds one send.
	EmailBinding string        `env:"EMAIL_BINDING" envDefault:"email"`
	EmailTimeout time.Duration `env:"EMAIL_TIMEOUT" envDefault:"20s"`
	// EmailMaxAttempts failed sends dead-letter a message. With the delivery policy's
	// backoff (0.5 s doubling to 30 s) 15 attempts ride out about five minutes of mail outage.
	EmailMaxAttempts int `env:"EMAIL_MAX_ATTEMPTS" envDefault:"15"`
	// RateLimit messages per RateWindow per student; more are deferred, never dropped.
	RateLimit     int           `env:"EMAIL_RATE_LIMIT" envDefault:"10"`
	RateWindow    time.Duration `env:"EMAIL_RATE_WINDOW" envDefault:"1m"`
	Institution   string        `env:"INSTITUTION" envDefault:"Registrar University"`
	InvokeTimeout time.Duration `env:"INVOKE_TIMEOUT" envDefault:"10s"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	limit := domain.RateLimit{Max: cfg.RateLimit, Window: cfg.RateWindow}
	if err := limit.Valid(); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	tmpl, err := templates.Load()
	if err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	sidecar := srv.Sidecar()
	defer sidecar.Close()
	state := func(ctx context.Context) (daprx.StateClient, error) { return sidecar.Client(ctx) }

	svc := &app.Service{
		Deliveries: adapters.NewDaprStateDeliveries(state, cfg.StateStore),
		Limiter: &adapters.DaprStateRateLimiter{Limit: limit, Now: time.Now,
			// A window is forgotten once nothing was sent for a while.
			Windows: &daprx.StateDoc[domain.SendWindow]{Client: state, Store: cfg.StateStore, TTL: 2 * cfg.RateWindow}},
		Directory: &adapters.InvocationDirectory{Invoker: daprx.NewInvoker(sidecar, cfg.InvokeTimeout), TitleTTL: 10 * time.Minute},
		Mailer: &adapters.BindingMailer{Binding: cfg.EmailBinding, Timeout: cfg.EmailTimeout,
			Client: func(ctx context.Context) (adapters.BindingClient, error) { return sidecar.Client(ctx) }},
		Publisher:   &daprx.Publisher{Sidecar: sidecar, PubSub: cfg.PubSub},
		Templates:   tmpl,
		Log:         srv.Log,
		Institution: cfg.Institution,
		MaxAttempts: cfg.EmailMaxAttempts,
		Lease:       cfg.EmailTimeout + 10*time.Second,
		Now:         time.Now,
		NewID:       uuid.NewString,
		Metrics:     app.NewMetrics(srv.Metrics),
	}
	inbox := dedupe.NewInbox(func(ctx context.Context) (dedupe.StateClient, error) { return sidecar.Client(ctx) },
		cfg.StateStore, cfg.AppID, cfg.InboxTTL)
	routes(srv, ports.NewHTTP(svc, inbox, srv.Log, srv.Metrics))
	return srv.Serve(ctx)
}
