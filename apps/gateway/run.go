package main

import (
	"context"
	"io"
	"net/url"

	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the gateway's configuration.
type Config struct {
	config.Base
	MaxBodyBytes int64 `env:"MAX_BODY_BYTES" envDefault:"65536"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	sidecar := daprx.NewSidecar(cfg.DaprHTTPPort, cfg.DaprGRPCPort, srv.Log)
	defer sidecar.Close()
	srv.Health.Add("sidecar", sidecar.Check)
	srv.Go(sidecar.Connect)

	base, err := url.Parse(sidecar.HTTPBase())
	if err != nil {
		return err
	}
	routes(srv, &forwarder{sidecar: base, log: srv.Log, maxBody: cfg.MaxBodyBytes})
	return srv.Serve(ctx)
}
