// Command seed writes the deterministic demo campus into the services' databases through
// their own adapters (see internal/seed) and prints the demo accounts. Demo students share
// one pre-hashed password (hashing 20,000 distinct ones takes minutes on 2 cores); it is
// generated once per machine and kept outside the repo.
//
//	go run ./tye-or-compose/seed [-small] [-f tye-or-compose/dapr.yaml]
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"github.com/registrar-edu/registrar/internal/campus"
	"github.com/registrar-edu/registrar/internal/devstack"
	"github.com/registrar-edu/registrar/internal/seed"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	small := fs.Bool("small", false, "seed the small test campus")
	file := fs.String("f", "tye-or-compose/dapr.yaml", "Dapr multi-app run template (for the services' settings)")
	home := fs.String("home", os.Getenv("REGISTRAR_HOME"), "state folder (keys, demo password)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *home == "" {
		*home = filepath.Join(os.Getenv("HOME"), ".cache", "registrar")
	}
	t, err := devstack.LoadTemplate(*file)
	if err != nil {
		return err
	}
	apps := map[string]map[string]string{}
	for _, a := range t.Apps {
		apps[a.AppID] = a.Env
	}
	size := campus.Full
	if *small {
		size = campus.Small
	}
	start := time.Now()
	res, err := seed.Run(ctx, seed.Options{Apps: apps, Home: *home, Size: size, Out: os.Stdout})
	if err != nil {
		return err
	}
	fmt.Printf("==> seeded in %.1f s. Demo accounts, all with the password %s\n", time.Since(start).Seconds(), res.DemoPassword)
	fmt.Println("    admin      administrator")
	fmt.Println("    registry   registry staff")
	fmt.Println("    lecturer   lecturer")
	for _, s := range res.Campus.Students[:min(3, len(res.Campus.Students))] {
		fmt.Printf("    %-10s student %s %s, year %d of %s\n", seed.Username(s), s.GivenName, s.FamilyName, s.Year, s.Programme)
	}
	fmt.Println("    log in at http://127.0.0.1:21100 while `make run` is up; the seeded events reach the read models within a minute")
	return nil
}
