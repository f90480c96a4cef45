// Package config loads an app's typed configuration from the environment. Each app declares
// one struct with `env` tags and defaults; nothing else reads the environment.
package config

import (
	"fmt"
	"log/slog"

	"github.com/caarlos0/env/v11"
)

// Secret is a configuration value that must never be printed or logged.
type Secret string

// String masks the secret in fmt output.
func (s Secret) String() string {
	if s == "" {
		return ""
	}
	return "***"
}

// LogValue masks the secret in slog output.
func (s Secret) LogValue() slog.Value { return slog.StringValue(s.String()) }

// Reveal returns the secret's value for the one place that needs it.
func (s Secret) Reveal() string { return string(s) }

// Base is the configuration every app shares. Embed it in an app's own struct.
type Base struct {
	AppID           string `env:"APP_ID,required"`
	AppPort         int    `env:"APP_PORT" envDefault:"8080"`
	AppHost         string `env:"APP_HOST" envDefault:"127.0.0.1"`
	DaprHTTPPort    int    `env:"DAPR_HTTP_PORT" envDefault:"3500"`
	DaprGRPCPort    int    `env:"DAPR_GRPC_PORT" envDefault:"50001"`
	LogLevel        string `env:"LOG_LEVEL" envDefault:"info"`
	ShutdownSeconds int    `env:"SHUTDOWN_SECONDS" envDefault:"10"`
}

// Load fills cfg (a pointer to an app's config struct) from getenv.
func Load(cfg any, getenv func(string) string) error {
	params, err := env.GetFieldParams(cfg)
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	// caarlos0/env reads a map: fill it with just the names the struct asks for, so the
	// app's getenv (the process environment, or a test's map) stays the only source.
	environ := map[string]string{}
	for _, p := range params {
		if v := getenv(p.Key); v != "" {
			environ[p.Key] = v
		}
	}
	if err := env.ParseWithOptions(cfg, env.Options{Environment: environ}); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return nil
}
