// Command bench runs the Registrar surge benchmark against the platform `make run` started
// (127.0.0.1 only) and writes report.md, report.json and chart.png into
// bench/results/<timestamp>/. Parameters come from BENCH_* variables or the same-named flags;
// see bench/results/README.md. `make bench` starts the platform first (idempotent).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/registrar-edu/registrar/bench/surge"
	"github.com/registrar-edu/registrar/internal/campus"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func run() error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	students := fs.Int("students", atoi(env("BENCH_STUDENTS", "10000")), "students in the opening surge (BENCH_STUDENTS)")
	hotSections := fs.Int("hot-sections", atoi(env("BENCH_HOT_SECTIONS", "5")), "hot sections created for the surge (BENCH_HOT_SECTIONS)")
	hotSeats := fs.Int("hot-seats", atoi(env("BENCH_HOT_SEATS", "40")), "seats per hot section (BENCH_HOT_SEATS)")
	hotShare := fs.Float64("hot-share", atof(env("BENCH_HOT_SHARE", "0.8")), "share of students aiming at a hot section (BENCH_HOT_SHARE)")
	window := fs.Duration("window", dur(env("BENCH_WINDOW", "60s")), "arrival window (BENCH_WINDOW)")
	conc := fs.Int("concurrency", atoi(env("BENCH_CONCURRENCY", "64")), "requests in flight at most (BENCH_CONCURRENCY)")
	dups := fs.Float64("duplicates", atof(env("BENCH_DUPLICATES", "0.05")), "share of retries with the same Idempotency-Key (BENCH_DUPLICATES)")
	declines := fs.Float64("declines", atof(env("BENCH_DECLINES", "0.1")), "share of declining cards (BENCH_DECLINES)")
	inelig := fs.Float64("ineligible", atof(env("BENCH_INELIGIBLE", "0.05")), "share of ineligible requests (BENCH_INELIGIBLE)")
	drain := fs.Duration("drain", dur(env("BENCH_DRAIN_TIMEOUT", "4m")), "bound on the wait for the drain (BENCH_DRAIN_TIMEOUT)")
	rates := fs.String("saga-rates", env("BENCH_SAGA_RATES", "5,10,20"), "sustained-saga steps, registrations/s (BENCH_SAGA_RATES; empty skips)")
	step := fs.Duration("saga-step", dur(env("BENCH_SAGA_STEP", "20s")), "length of each sustained step (BENCH_SAGA_STEP)")
	limitTime := fs.Duration("limit-time", dur(env("BENCH_LIMIT_TIME", "5s")), "time per limit measurement (BENCH_LIMIT_TIME)")
	limitConc := fs.Int("limit-concurrency", atoi(env("BENCH_LIMIT_CONCURRENCY", "16")), "callers per limit (BENCH_LIMIT_CONCURRENCY)")
	seedN := fs.Uint64("seed", uint64(atoi(env("BENCH_SEED", "1"))), "random seed (BENCH_SEED)")
	out := fs.String("out", env("BENCH_OUT", "bench/results"), "results folder (BENCH_OUT)")
	_ = fs.Parse(os.Args[1:])

	home := os.Getenv("REGISTRAR_HOME")
	if home == "" {
		h, _ := os.UserHomeDir()
		home = filepath.Join(h, ".cache", "registrar")
	}
	pw, err := os.ReadFile(filepath.Join(home, "seed", "demo-password.txt"))
	if err != nil {
		return fmt.Errorf("no demo password (%v): run `make seed` first", err)
	}
	procs, err := stackProcs(filepath.Join(home, "run", "local", "stack.json"))
	if err != nil {
		return fmt.Errorf("%v: the platform is not running; start it with `make run` (make bench does)", err)
	}
	var sagaRates []float64
	for _, f := range strings.Split(*rates, ",") {
		if f = strings.TrimSpace(f); f != "" {
			sagaRates = append(sagaRates, atof(f))
		}
	}
	stamp := time.Now().UTC().Format("20060102T150405Z")
	c := surge.Config{
		GatewayURL: "http://127.0.0.1:21100", PaygateURL: "http://127.0.0.1:21170",
		RegistrationDB: "postgres://postgres@127.0.0.1:5432/registrar_registration?sslmode=disable",
		ScheduleDB:     "postgres://postgres@127.0.0.1:5432/registrar_schedule?sslmode=disable",
		AdminDB:        "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		RedisAddr:      "127.0.0.1:6379", RedisDB: 0,
		InvokeSidecarURL: "http://127.0.0.1:21101", InvokeApp: "schedule", InvokePath: "api/v1/semesters",
		PublishSidecarURL: "http://127.0.0.1:21181", PubSub: "pubsub",
		Procs: procs, ServerNames: []string{"postgres", "redis-server", "beam.smp", "ferretdb"},
		Campus: campus.Full, Password: strings.TrimSpace(string(pw)), Staff: "registry", Semester: "2027-SPR",
		Students: *students, HotSections: *hotSections, HotSeats: *hotSeats, HotShare: *hotShare, Window: *window,
		Concurrency: *conc, Duplicates: *dups, Declines: *declines, Ineligible: *inelig, Drain: *drain,
		SagaRates: sagaRates, SagaStep: *step, LimitTime: *limitTime, LimitConcurrency: *limitConc,
		RunID: strings.ToLower(stamp), Seed: *seedN, Progress: os.Stderr,
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := surge.Run(ctx, c)
	if err != nil {
		return err
	}
	rep.Machine = machine()
	dir := filepath.Join(*out, stamp)
	if err := rep.Write(dir); err != nil {
		return err
	}
	fmt.Println(rep.Markdown())
	fmt.Printf("results in %s\n", dir)
	if !rep.Passed() {
		return fmt.Errorf("an invariant failed or the surge did not drain (see %s)", dir)
	}
	return nil
}

// stackProcs reads the pids `make run` recorded.
func stackProcs(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var s struct {
		Procs []struct {
			Name string `json:"name"`
			PID  int    `json:"pid"`
		} `json:"procs"`
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	out := map[string]int{}
	for _, p := range s.Procs {
		if syscall.Kill(p.PID, 0) == nil {
			out[p.Name] = p.PID
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no process of %s is alive", path)
	}
	return out, nil
}

func machine() map[string]string {
	m := map[string]string{"nproc": strconv.Itoa(runtime.NumCPU()), "go": runtime.Version()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				m["cpu"] = strings.TrimSpace(v)
				break
			}
		}
	}
	if o, err := exec.Command("free", "-h").Output(); err == nil {
		if lines := strings.Split(string(o), "\n"); len(lines) > 1 {
			if f := strings.Fields(lines[1]); len(f) > 1 {
				m["memory"] = f[1] + " total"
			}
		}
	}
	return m
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %q is not a whole number\n", s)
		os.Exit(2)
	}
	return n
}

func atof(s string) float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %q is not a number\n", s)
		os.Exit(2)
	}
	return f
}

func dur(s string) time.Duration {
	d, err := time.ParseDuration(s)
	if err != nil {
		fmt.Fprintf(os.Stderr, "bench: %q is not a duration\n", s)
		os.Exit(2)
	}
	return d
}
