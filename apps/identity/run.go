package main

import (
	"context"
	"errors"
	"io"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/registrar-edu/registrar/apps/identity/adapters"
	"github.com/registrar-edu/registrar/apps/identity/app"
	"github.com/registrar-edu/registrar/apps/identity/domain"
	"github.com/registrar-edu/registrar/apps/identity/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the identity app's configuration.
type Config struct {
	config.Base
	DatabaseURL    config.Secret `env:"DATABASE_URL,required"`
	PubSub         string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
	SecretStore    string        `env:"SECRET_STORE" envDefault:"secretstore"`
	SigningKeysRef string        `env:"SIGNING_KEYS_SECRET" envDefault:"JWT_SIGNING_KEYS"`
	Issuer         string        `env:"JWT_ISSUER" envDefault:"https://registrar.local/identity"`
	Audience       string        `env:"JWT_AUDIENCE" envDefault:"registrar-api"`
	AccessTTL      time.Duration `env:"ACCESS_TOKEN_TTL" envDefault:"15m"`
	RefreshTTL     time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"168h"`
	MaxFailures    int           `env:"LOCKOUT_MAX_FAILURES" envDefault:"5"`
	LockFor        time.Duration `env:"LOCKOUT_DURATION" envDefault:"15m"`
	KeyReload      time.Duration `env:"SIGNING_KEYS_RELOAD" envDefault:"30s"`
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
	keys := &keySource{}
	srv.Health.Add("signing-keys", keys.Check)

	srv.RelayOutbox(pool, sidecar, cfg.PubSub)
	srv.Go(func(ctx context.Context) error {
		return sidecar.WatchSecret(ctx, cfg.SecretStore, cfg.SigningKeysRef, cfg.KeyReload, keys.apply)
	})

	users := &adapters.PostgresUsers{Pool: pool}
	svc := &app.Service{Users: users, Tokens: users, Signer: keys, Hasher: adapters.DefaultArgon2id,
		Lockout: domain.LockoutPolicy{MaxFailures: cfg.MaxFailures, LockFor: cfg.LockFor},
		Issuer:  cfg.Issuer, Audience: cfg.Audience, AccessTTL: cfg.AccessTTL, RefreshTTL: cfg.RefreshTTL, Now: time.Now}
	routes(srv, &ports.HTTP{Service: svc, JWKS: keys.JWKS, Validator: srv.Validator, Log: srv.Log})
	return srv.Serve(ctx)
}

// keySource holds the signing keys read from the Dapr secret store; they are reloaded
// periodically, so a rotated bundle is picked up without restarting the app.
type keySource struct {
	ring atomic.Pointer[adapters.KeyRing]
}

func (k *keySource) apply(bundle string) error {
	ring, err := adapters.ParseKeyRing([]byte(bundle))
	if err != nil {
		return err
	}
	k.ring.Store(ring)
	return nil
}

// Check is the readiness dependency "signing-keys".
func (k *keySource) Check(context.Context) error {
	if k.ring.Load() == nil {
		return errors.New("signing keys not loaded yet")
	}
	return nil
}

// Sign signs with the newest key.
func (k *keySource) Sign(c app.AccessClaims) (string, error) {
	ring := k.ring.Load()
	if ring == nil {
		return "", errs.E(errs.Unavailable, "signing keys not loaded yet")
	}
	return ring.Sign(c)
}

// JWKS publishes every loaded key.
func (k *keySource) JWKS() jose.JSONWebKeySet {
	if ring := k.ring.Load(); ring != nil {
		return ring.JWKS()
	}
	return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
}
