package main

import (
	"context"
	"io"
	"time"

	"github.com/registrar-edu/registrar/apps/erp-sync/adapters"
	"github.com/registrar-edu/registrar/apps/erp-sync/app"
	"github.com/registrar-edu/registrar/apps/erp-sync/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is erp-sync's configuration. The ERP's DSN is not here: the legacy-erp binding
// component reads it from the secret store.
type Config struct {
	config.Base
	ERPBinding    string        `env:"ERP_BINDING" envDefault:"legacy-erp"`
	StateStore    string        `env:"STATE_STORE" envDefault:"statestore"`
	InboxTTL      time.Duration `env:"INBOX_TTL" envDefault:"168h"`
	InvokeTimeout time.Duration `env:"INVOKE_TIMEOUT" envDefault:"10s"`
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

	sync := &app.Sync{
		Students: &adapters.DaprStudents{Invoker: daprx.NewInvoker(sidecar, cfg.InvokeTimeout)},
		ERP: &adapters.BindingERP{Binding: cfg.ERPBinding,
			Client: func(ctx context.Context) (adapters.BindingClient, error) { return sidecar.Client(ctx) }},
	}
	inbox := dedupe.NewInbox(func(ctx context.Context) (dedupe.StateClient, error) { return sidecar.Client(ctx) },
		cfg.StateStore, cfg.AppID, cfg.InboxTTL)
	routes(srv, ports.NewEvents(sync, inbox, srv.Log, srv.Metrics))
	return srv.Serve(ctx)
}
