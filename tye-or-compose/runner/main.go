// Command runner starts and stops the Registrar platform from the Dapr multi-app run
// template, for machines without the Dapr CLI.
//
//	runner up      start infra checks → sentry, placement, scheduler → apps with sidecars
//	runner down    stop exactly what `up` started (apps, then sidecars, then control plane)
//	runner status  list the recorded processes and whether they run
//	runner pki     have sentry generate the development mTLS root and issuer, then stop
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/registrar-edu/registrar/internal/devstack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "runner:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("runner", flag.ContinueOnError)
	home := fs.String("home", envOr("REGISTRAR_HOME", filepath.Join(os.Getenv("HOME"), ".cache", "registrar")), "state folder outside the work tree")
	profile := fs.String("profile", "local", "run profile (its own run folder)")
	file := fs.String("f", "tye-or-compose/dapr.yaml", "Dapr multi-app run template")
	daprBin := fs.String("dapr-bin", os.Getenv("DAPR_BIN_DIR"), "folder with daprd, placement, scheduler, sentry")
	if len(args) == 0 {
		return errors.New("usage: runner up|down|status|pki [flags]")
	}
	cmd := args[0]
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	runDir := filepath.Join(*home, "run", *profile)
	pki := filepath.Join(*home, "pki")
	sentryConfig, err := filepath.Abs(filepath.Join(filepath.Dir(*file), "..", "dapr-config", "daprsystem.yaml"))
	if err != nil {
		return err
	}
	switch cmd {
	case "up":
		t, err := devstack.LoadTemplate(*file)
		if err != nil {
			return err
		}
		opts := devstack.Options{Template: t, DaprBinDir: *daprBin, RunDir: runDir, PKIDir: pki,
			SentryConfig: sentryConfig, SecretsDir: filepath.Join(*home, "keys"), Out: os.Stdout}
		fmt.Println("==> preparing databases and broker vhosts")
		if err := devstack.Prepare(ctx, opts); err != nil {
			return err
		}
		fmt.Println("==> starting the platform")
		start := time.Now()
		if _, err := devstack.Up(ctx, opts); err != nil {
			return err
		}
		gw, _ := opts.App("gateway")
		fmt.Printf("==> Registrar is up (%.1f s)\n", time.Since(start).Seconds())
		fmt.Printf("    gateway      http://127.0.0.1:%d   (readiness: /readyz, API: /api/v1/...)\n", gw.AppPort)
		for _, a := range opts.Apps() {
			fmt.Printf("    %-12s app :%d  dapr http :%d grpc :%d metrics :%d\n", a.AppID, a.AppPort, a.DaprHTTPPort, a.DaprGRPCPort, a.MetricsPort)
		}
		fmt.Printf("    logs         %s\n", filepath.Join(runDir, "logs"))
		fmt.Println("    stop with    make stop")
		return nil
	case "down":
		names, err := devstack.StopRecorded(runDir, 5*time.Second)
		if len(names) == 0 && err == nil {
			fmt.Println("==> nothing of the platform is running")
			return nil
		}
		fmt.Printf("==> stopped %d processes: %v\n", len(names), names)
		return err
	case "status":
		st, err := devstack.LoadState(runDir)
		if errors.Is(err, os.ErrNotExist) {
			fmt.Println("not running")
			return nil
		}
		if err != nil {
			return err
		}
		for _, p := range st.Procs {
			state := "stopped"
			if p.Alive() {
				state = "running"
			}
			fmt.Printf("%-24s %-14s pid %-7d %s\n", p.Name, p.Role, p.PID, state)
		}
		return nil
	case "pki":
		return devstack.GeneratePKI(ctx, *daprBin, sentryConfig, pki, filepath.Join(*home, "run"))
	default:
		return fmt.Errorf("unknown command %q", cmd)
	}
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
