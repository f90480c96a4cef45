// Package e2e drives the real platform: sentry, placement, scheduler, every app with its
// daprd sidecar, PostgreSQL, Redis and RabbitMQ. TestMain boots the stack once for all
// tests; fault tests live in zz_faults_test.go so that they run last, one at a time.
//
// The stack is isolated from `make run`: ports are shifted by 1000, databases are named
// registrar_e2e_*, the broker vhost is registrar-e2e, Redis uses its own database index and
// the run has its own SMTP sink (MailHog on 22025/22026, memory only).
// Everything is removed again at the end (set REGISTRAR_E2E_KEEP=1 to keep it).
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/registrar-edu/registrar/internal/campus"
	"github.com/registrar-edu/registrar/internal/devstack"
	"github.com/registrar-edu/registrar/internal/seed"
)

const (
	portOffset  = 1000
	controlBase = 22000
	redisDB     = 9
	vhost       = "registrar-e2e"
	holdTTL     = 45 * time.Second
	offerTTL    = 20 * time.Second
)

var (
	repoRoot string
	opts     devstack.Options
	stack    *devstack.Stack
	// studentDB reads the student app's tables directly, to prove what was (not) written.
	studentDB *pgxpool.Pool
	client    = &http.Client{Timeout: 30 * time.Second}
	// seeded is the small campus TestMain writes through the services' adapters.
	seeded seed.Result
	// tap records every event published in the e2e vhost, from before the stack starts.
	tap *eventTap
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	_, file, _, _ := runtime.Caller(0)
	repoRoot = filepath.Dir(filepath.Dir(file))
	daprBin := os.Getenv("DAPR_BIN_DIR")
	home := os.Getenv("REGISTRAR_HOME")
	if daprBin == "" || home == "" {
		fmt.Fprintln(os.Stderr, "e2e: DAPR_BIN_DIR and REGISTRAR_HOME are not set: run through `make test` (it builds the Dapr runtime)")
		return 1
	}
	t, err := devstack.LoadTemplate(filepath.Join(repoRoot, "tye-or-compose", "dapr.yaml"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	isolate(t)
	// One end-to-end run at a time per machine: they share ports, databases and the broker.
	if err := os.MkdirAll(filepath.Join(home, "run"), 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	lock, err := os.OpenFile(filepath.Join(home, "run", "e2e.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		fmt.Fprintln(os.Stderr, "e2e: another end-to-end run holds the machine; waiting for it")
		if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
			fmt.Fprintln(os.Stderr, "e2e:", err)
			return 1
		}
	}
	runDir := filepath.Join(home, "run", "e2e")
	// An interrupted run (a killed `go test`) leaves its processes running in their own
	// sessions: stop what it recorded before starting afresh.
	if names, err := devstack.StopRecorded(runDir, 4*time.Second); len(names) > 0 || err != nil {
		fmt.Fprintf(os.Stderr, "e2e: stopped %d processes left by an interrupted run (%v)\n", len(names), err)
	}
	_ = os.RemoveAll(runDir)
	opts = devstack.Options{Template: t, DaprBinDir: daprBin, RunDir: runDir,
		PKIDir: filepath.Join(home, "pki"), SentryConfig: filepath.Join(repoRoot, "dapr-config", "daprsystem.yaml"),
		SecretsDir:  filepath.Join(home, "keys"),
		ControlBase: controlBase, PortOffset: portOffset, Out: os.Stderr, Grace: 4 * time.Second}

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cleanup := func() {
		if os.Getenv("REGISTRAR_E2E_KEEP") != "" {
			return
		}
		c, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		res := opts.Resources()
		for _, db := range res.Databases {
			if err := devstack.DropDatabase(c, db); err != nil {
				fmt.Fprintln(os.Stderr, "e2e cleanup:", err)
			}
		}
		for _, vh := range res.Vhosts {
			if err := devstack.DeleteVhost(c, vh); err != nil {
				fmt.Fprintln(os.Stderr, "e2e cleanup:", err)
			}
		}
		flushRedis(c)
		dropMongoDatabases(c)
		dropLegacyERP(c)
	}
	cleanup() // leftovers of an interrupted run
	flushRedis(ctx)
	if err := devstack.Prepare(ctx, opts); err != nil {
		fmt.Fprintln(os.Stderr, "e2e prepare:", err)
		return 1
	}
	if err := prepareLegacyERP(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "e2e prepare:", err)
		return 1
	}
	defer cleanup()
	// The run's own SMTP sink, so stopping it (a fault test) never touches the developer's.
	mailPIDFile = filepath.Join(home, "run", "e2e-mailhog.pid")
	if err := startMailHog(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer stopMailHog()
	if tap, err = openEventTap(); err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer tap.Close()
	stack, err = devstack.Up(ctx, opts)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: stack did not come up:", err)
		return 1
	}
	defer stack.Down()

	spec, _ := opts.App("student")
	studentDB, err = pgxpool.New(ctx, spec.Env["DATABASE_URL"])
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer studentDB.Close()

	var closeAccounts func()
	users, closeAccounts, err = openAccounts(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e:", err)
		return 1
	}
	defer closeAccounts()

	apps := map[string]map[string]string{}
	for _, a := range opts.Apps() {
		apps[a.AppID] = a.Env
	}
	seeded, err = seed.Run(ctx, seed.Options{Apps: apps, Home: home, Size: campus.Small})
	if err != nil {
		fmt.Fprintln(os.Stderr, "e2e: seed the small campus:", err)
		return 1
	}

	code := m.Run()
	if code != 0 {
		fmt.Fprintf(os.Stderr, "e2e: logs of this run are in %s\n", filepath.Join(runDir, "logs"))
	}
	return code
}

// isolate points the template at the e2e databases, vhost and Redis database.
func isolate(t *devstack.Template) {
	rewrite := func(env map[string]string) {
		for k, v := range env {
			v = strings.ReplaceAll(v, "dbname=registrar_", "dbname=registrar_e2e_")
			v = strings.ReplaceAll(v, "5432/registrar_", "5432/registrar_e2e_")
			v = strings.ReplaceAll(v, "5672/registrar", "5672/"+vhost)
			if k == "MONGODB_DATABASE" {
				v = strings.ReplaceAll(v, "registrar_subject", "registrar_e2e_subject")
			}
			// The seat gate's Redis database and key prefix (schedule).
			if k == "REDIS_URL" {
				v = strings.Replace(v, "6379/0", fmt.Sprintf("6379/%d", redisDB), 1)
			}
			if k == "SEAT_GATE_PREFIX" {
				v = "registrar:e2e:seatgate:"
			}
			if k == "REGISTRAR_SECRET_REDIS_DB" {
				v = fmt.Sprint(redisDB)
			}
			// Admission: its own Couchbase bucket and S3 bucket (make setup creates both).
			if k == "COUCHBASE_BUCKET" {
				v = "registrar-e2e"
			}
			if k == "REGISTRAR_SECRET_ADMISSION_FORMS_BUCKET" {
				v = "registrar-e2e-admission-forms"
			}
			// The email binding points at the run's own SMTP sink (MailHog's shifted port).
			if k == "REGISTRAR_SECRET_SMTP_PORT" {
				v = fmt.Sprint(mailSMTPPort)
			}
			// The payment gateway binding points at the e2e simulator (paygate's shifted port).
			if k == "REGISTRAR_SECRET_PAYMENTGATEWAY_URL" {
				v = strings.Replace(v, ":21170", fmt.Sprintf(":%d", 21170+portOffset), 1)
			}
			// The legacy ERP binding writes the e2e ERP database (created by prepareLegacyERP).
			if k == "REGISTRAR_SECRET_LEGACY_ERP_DSN" {
				v = strings.Replace(v, "/registrar_erp?", "/"+erpDatabase+"?", 1)
			}
			env[k] = v
		}
	}
	rewrite(t.Common.Env)
	for i := range t.Apps {
		rewrite(t.Apps[i].Env)
		// Short holds and offers, so expiry and lapsed offers happen within a test.
		if t.Apps[i].AppID == "registration" {
			t.Apps[i].Env["HOLD_TTL"] = holdTTL.String()
			t.Apps[i].Env["WAITLIST_OFFER_TTL"] = offerTTL.String()
		}
	}
}

func flushRedis(ctx context.Context) {
	r := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: redisDB})
	defer r.Close()
	_ = r.FlushDB(ctx).Err()
}

// url returns the base URL of an app ("gateway", "student") or, with sidecar, of its daprd.
func appURL(id string) string {
	a, _ := opts.App(id)
	return fmt.Sprintf("http://127.0.0.1:%d", a.AppPort)
}

func sidecarURL(id string) string {
	a, _ := opts.App(id)
	return fmt.Sprintf("http://127.0.0.1:%d", a.DaprHTTPPort)
}

// call sends a request and returns the status, headers and body.
func call(t *testing.T, method, url string, body any, headers ...string) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

// eventually polls cond until it holds or the timeout passes. Waiting is not a speed
// claim: the timeout only bounds how long a broken platform keeps the test hanging.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s after %s", what, timeout)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func decode[T any](t *testing.T, b []byte) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}
