package main

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/rs/cors"

	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the gateway's configuration.
type Config struct {
	config.Base
	MaxBodyBytes int64         `env:"MAX_BODY_BYTES" envDefault:"65536"`
	Issuer       string        `env:"JWT_ISSUER" envDefault:"https://registrar.local/identity"`
	Audience     string        `env:"JWT_AUDIENCE" envDefault:"registrar-api"`
	ClockLeeway  time.Duration `env:"JWT_LEEWAY" envDefault:"30s"`
	UserRPS      float64       `env:"RATE_USER_RPS" envDefault:"10"`
	UserBurst    int           `env:"RATE_USER_BURST" envDefault:"20"`
	StaffRPS     float64       `env:"RATE_STAFF_RPS" envDefault:"100"`
	StaffBurst   int           `env:"RATE_STAFF_BURST" envDefault:"200"`
	IPRPS        float64       `env:"RATE_IP_RPS" envDefault:"200"`
	IPBurst      int           `env:"RATE_IP_BURST" envDefault:"400"`
	CORSOrigins  []string      `env:"CORS_ORIGINS" envDefault:"http://127.0.0.1:21100,http://localhost:21100,http://localhost:5173"`
	// Live updates (GET /api/v1/stream): a keep-alive comment every StreamKeepAlive, streams
	// end after StreamMaxAge (the client reconnects with a fresh token), at most
	// StreamMaxPerStudent open per student on one instance.
	StreamKeepAlive     time.Duration `env:"STREAM_KEEPALIVE" envDefault:"15s"`
	StreamMaxAge        time.Duration `env:"STREAM_MAX_AGE" envDefault:"30m"`
	StreamMaxPerStudent int           `env:"STREAM_MAX_PER_STUDENT" envDefault:"5"`
	// AppAPIToken is the token the gateway's sidecar sends with event deliveries (Dapr's
	// APP_API_TOKEN); deliveries without it are refused, since the gateway's port is public.
	AppAPIToken config.Secret `env:"APP_API_TOKEN"`
	// WebDist is the built web portal (apps/gateway/web/dist; the app runs in apps/gateway).
	WebDist string `env:"WEB_DIST_DIR" envDefault:"web/dist"`
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
	base, err := url.Parse(sidecar.HTTPBase())
	if err != nil {
		return err
	}
	keys := &keySet{url: sidecar.HTTPBase() + "/v1.0/invoke/identity/method/.well-known/jwks.json",
		client: &http.Client{Timeout: 5 * time.Second}, minRefresh: 10 * time.Second}
	srv.Health.Add("identity-keys", keys.Check)

	g := &gate{
		verifier: &verifier{keys: keys, issuer: cfg.Issuer, audience: cfg.Audience, leeway: cfg.ClockLeeway, now: time.Now},
		perIP:    newLimiter(cfg.IPRPS, cfg.IPBurst),
		perUser:  newLimiter(cfg.UserRPS, cfg.UserBurst),
		perStaff: newLimiter(cfg.StaffRPS, cfg.StaffBurst),
		log:      srv.Log,
		now:      time.Now,
	}
	live := newStreamer(newHub(4096), srv.Log, srv.Metrics, cfg.StreamKeepAlive, cfg.StreamMaxAge,
		cfg.StreamMaxPerStudent, cfg.AppAPIToken.Reveal())
	// Open streams end when the gateway stops, so graceful shutdown does not wait on them.
	srv.Go(func(ctx context.Context) error { <-ctx.Done(); live.hub.shutdown(); return nil })
	routes(srv, g, &forwarder{sidecar: base, log: srv.Log, maxBody: cfg.MaxBodyBytes}, live)
	servePortal(srv.Router, cfg.WebDist, srv.Log)
	srv.Wrap(cors.New(cors.Options{
		AllowedOrigins: cfg.CORSOrigins,
		AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete},
		AllowedHeaders: []string{"Authorization", "Content-Type", "Idempotency-Key", "X-Request-Id"},
		ExposedHeaders: []string{"Location", "Retry-After", "X-Request-Id"},
		MaxAge:         600,
	}).Handler)
	return srv.Serve(ctx)
}
