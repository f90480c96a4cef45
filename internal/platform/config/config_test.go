package config_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/registrar-edu/registrar/internal/platform/config"
)

type appConfig struct {
	config.Base
	DatabaseURL config.Secret `env:"DATABASE_URL,required"`
	Pool        int           `env:"POOL" envDefault:"4"`
}

func TestLoadReadsOnlyGetenvAndMasksSecrets(t *testing.T) {
	env := map[string]string{"APP_ID": "student", "DATABASE_URL": "postgres://u:pw@h/db"}
	var c appConfig
	if err := config.Load(&c, func(k string) string { return env[k] }); err != nil {
		t.Fatal(err)
	}
	if c.AppID != "student" || c.Pool != 4 || c.AppPort != 8080 || c.DatabaseURL.Reveal() != env["DATABASE_URL"] {
		t.Fatalf("%+v", c)
	}
	if s := fmt.Sprintf("%v", c); contains(s, "pw@") {
		t.Fatalf("secret printed: %s", s)
	}
	var missing appConfig
	if err := config.Load(&missing, func(string) string { return "" }); err == nil {
		t.Fatal("required values missing but no error")
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
