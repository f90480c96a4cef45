// Package server is the scaffolding every Registrar app shares: logger, metrics, health
// probes, the router with its middleware, and a graceful HTTP server.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/gorilla/mux"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/sync/errgroup"

	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/health"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
	"github.com/registrar-edu/registrar/internal/platform/logging"
)

// App bundles what every app's run function wires together.
type App struct {
	Config    config.Base
	Log       *slog.Logger
	Metrics   *prometheus.Registry
	Health    *health.Registry
	Router    *mux.Router
	Validator *httpx.Validator
	workers   []func(context.Context) error
	wrap      []func(http.Handler) http.Handler
}

// Wrap adds middleware around the whole router (CORS, for instance, which must answer
// preflight requests before routing).
func (a *App) Wrap(m func(http.Handler) http.Handler) { a.wrap = append(a.wrap, m) }

// New builds the shared scaffolding for an app: JSON logs to stdout, a Prometheus registry
// with Go and process collectors, probes and /metrics on the router.
func New(cfg config.Base, stdout io.Writer) *App {
	log := logging.New(stdout, cfg.AppID, cfg.LogLevel)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	h := health.NewRegistry()
	r := mux.NewRouter()
	r.Use(httpx.RequestID, httpx.NewHTTPMetrics(reg).Middleware(log), httpx.Recover(log))
	r.HandleFunc("/livez", h.Live).Methods(http.MethodGet)
	r.HandleFunc("/readyz", h.Ready).Methods(http.MethodGet)
	r.HandleFunc("/healthz", h.Ready).Methods(http.MethodGet)
	r.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{})).Methods(http.MethodGet)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		httpx.WriteProblem(w, req, httpx.Problem{Type: httpx.ProblemTypeBase + "not-found",
			Title: "Not Found", Status: http.StatusNotFound, Detail: "no such resource"})
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		httpx.WriteProblem(w, req, httpx.Problem{Type: httpx.ProblemTypeBase + "method-not-allowed",
			Title: "Method Not Allowed", Status: http.StatusMethodNotAllowed, Detail: "method not allowed here"})
	})
	return &App{Config: cfg, Log: log, Metrics: reg, Health: h, Router: r, Validator: httpx.NewValidator()}
}

// Go adds a background worker (an outbox relay, a sidecar connection) that runs while the
// app serves and is stopped with it.
func (a *App) Go(w func(context.Context) error) { a.workers = append(a.workers, w) }

// Serve listens on the app port and serves until ctx ends, then drains: readiness fails at
// once, in-flight requests get ShutdownSeconds to finish, workers are cancelled.
func (a *App) Serve(ctx context.Context) error {
	addr := net.JoinHostPort(a.Config.AppHost, strconv.Itoa(a.Config.AppPort))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	var handler http.Handler = a.Router
	for _, m := range a.wrap {
		handler = m(handler)
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 90 * time.Second}
	a.Log.Info("serving", "address", addr)

	workCtx, stopWork := context.WithCancel(ctx)
	defer stopWork()
	g, gctx := errgroup.WithContext(workCtx)
	for _, w := range a.workers {
		g.Go(func() error { return w(gctx) })
	}
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		a.Health.Stopping()
		a.Log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Duration(a.Config.ShutdownSeconds)*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	})
	err = g.Wait()
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	return err
}

// Main is every app's main: it runs run with the process environment until SIGINT or
// SIGTERM, and exits non-zero if it fails.
func Main(name string, run func(ctx context.Context, getenv func(string) string, stdout io.Writer) error) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Getenv, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, name+":", err)
		stop()
		os.Exit(1)
	}
}
