package main

import (
	"context"
	"io"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/registrar-edu/registrar/apps/admission/adapters"
	"github.com/registrar-edu/registrar/apps/admission/app"
	"github.com/registrar-edu/registrar/apps/admission/ports"
	"github.com/registrar-edu/registrar/internal/platform/config"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/dedupe"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Config is the admission app's configuration.
type Config struct {
	config.Base
	CouchbaseURL      string        `env:"COUCHBASE_URL" envDefault:"couchbase://127.0.0.1:21040"`
	CouchbaseUsername string        `env:"COUCHBASE_USERNAME" envDefault:"Administrator"`
	CouchbasePassword config.Secret `env:"COUCHBASE_PASSWORD"`
	CouchbaseBucket   string        `env:"COUCHBASE_BUCKET" envDefault:"registrar"`
	FormsBinding      string        `env:"FORMS_BINDING" envDefault:"admission-forms"`
	// FormLinkTTL is how long a form download link works.
	FormLinkTTL time.Duration `env:"FORM_LINK_TTL" envDefault:"5m"`
	Institution string        `env:"INSTITUTION" envDefault:"Registrar University"`
	StateStore  string        `env:"STATE_STORE" envDefault:"statestore"`
	PubSub      string        `env:"PUBSUB_NAME" envDefault:"pubsub"`
	InboxTTL    time.Duration `env:"INBOX_TTL" envDefault:"168h"`
	StudentApp  string        `env:"STUDENT_APP" envDefault:"student"`
	SubjectApp  string        `env:"SUBJECT_APP" envDefault:"subject"`
	// InvokeTimeout bounds one lookup in the student or subject app.
	InvokeTimeout time.Duration `env:"INVOKE_TIMEOUT" envDefault:"5s"`
}

func run(ctx context.Context, getenv func(string) string, stdout io.Writer) error {
	var cfg Config
	if err := config.Load(&cfg, getenv); err != nil {
		return err
	}
	srv := server.New(cfg.Base, stdout)
	srv.Log.Info("starting", "config", cfg)

	// Serve even while Couchbase is unreachable: readiness says so, deliveries are retried,
	// and gocb connects once the cluster answers.
	records, err := adapters.NewCouchbase(adapters.CouchbaseConfig{URL: cfg.CouchbaseURL,
		Username: cfg.CouchbaseUsername, Password: cfg.CouchbasePassword.Reveal(), Bucket: cfg.CouchbaseBucket})
	if err != nil {
		return err
	}
	defer records.Close()
	srv.Health.Add("couchbase", records.Check)
	srv.Go(func(ctx context.Context) error {
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := records.WaitReady(wctx); err != nil && ctx.Err() == nil {
			srv.Log.Warn("couchbase not reachable yet; retrying in the background", "err", err)
		} else if err == nil {
			srv.Log.Info("couchbase bucket ready", "bucket", cfg.CouchbaseBucket)
		}
		return nil
	})

	sidecar := srv.Sidecar()
	defer sidecar.Close()

	svc := &app.Service{
		Records:   records,
		Directory: &adapters.DaprDirectory{Invoker: daprx.NewInvoker(sidecar, cfg.InvokeTimeout), StudentApp: cfg.StudentApp, SubjectApp: cfg.SubjectApp},
		Forms:     adapters.FPDFForms{Institution: cfg.Institution},
		Store: &adapters.BindingFormStore{Binding: cfg.FormsBinding,
			Client: func(ctx context.Context) (adapters.BindingClient, error) { return sidecar.Client(ctx) }},
		Publisher: &daprx.Publisher{Sidecar: sidecar, PubSub: cfg.PubSub},
		Log:       srv.Log,
		Now:       time.Now,
		LinkTTL:   cfg.FormLinkTTL,
	}
	stateClient := func(ctx context.Context) (dedupe.StateClient, error) { return sidecar.Client(ctx) }
	processed := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "registrar_admission_events_total", Help: "Registration events handled by admission, by type and outcome.",
	}, []string{"type", "outcome"})
	srv.Metrics.MustRegister(processed)
	routes(srv, &ports.HTTP{Service: svc, Inbox: dedupe.NewInbox(stateClient, cfg.StateStore, cfg.AppID, cfg.InboxTTL),
		Log: srv.Log, Processed: processed})
	return srv.Serve(ctx)
}
