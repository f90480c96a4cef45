// Command seed writes a deterministic, realistic campus (internal/campus) into the
// services' databases through the services' own adapters, so every invariant and every
// event (outbox rows) is exactly what the apps would write. It is idempotent: what exists
// is skipped. Demo students share one pre-hashed password (hashing 20,000 distinct ones
// takes minutes on 2 cores); staff accounts get their own.
//
//	go run ./tye-or-compose/seed [-small] [-f tye-or-compose/dapr.yaml]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/registrar-edu/registrar/internal/campus"
	"github.com/registrar-edu/registrar/internal/devstack"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "seed:", err)
		os.Exit(1)
	}
}

// env is what the seed needs of the run template: each service's connection settings.
type env struct {
	apps map[string]map[string]string
	home string
}

func (e env) get(app, key string) (string, error) {
	v := e.apps[app][key]
	if v == "" {
		return "", fmt.Errorf("the run template gives app %s no %s", app, key)
	}
	return v, nil
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
	e := env{apps: map[string]map[string]string{}, home: *home}
	for _, a := range t.Apps {
		e.apps[a.AppID] = a.Env
	}
	size := campus.Full
	if *small {
		size = campus.Small
	}
	start := time.Now()
	fmt.Printf("==> generating the campus (%d modules, %d students)\n", size.Modules, size.Students)
	c := campus.Generate(size)
	fmt.Printf("    %d faculties, %d programmes, %d modules, %d rooms, %d lecturers, %d sections, %d students\n",
		len(c.Faculties), len(c.Programmes), len(c.Modules), len(c.Rooms), len(c.Lecturers), len(c.Sections), len(c.Students))

	demo, err := demoPassword(*home)
	if err != nil {
		return err
	}
	steps := []struct {
		name string
		do   func(context.Context, env, campus.Campus, *bar) error
	}{
		{"catalogue (subject)", seedCatalogue},
		{"timetable (schedule)", seedTimetable},
		{"students (student)", seedStudents},
		{"accounts (identity)", func(ctx context.Context, e env, c campus.Campus, b *bar) error {
			return seedAccounts(ctx, e, c, b, demo)
		}},
	}
	for _, s := range steps {
		fmt.Printf("==> %s\n", s.name)
		b := newBar(s.name)
		if err := s.do(ctx, e, c, b); err != nil {
			if errors.Is(err, errSkipped) {
				b.done("skipped: " + strings.TrimPrefix(err.Error(), errSkipped.Error()+": "))
				continue
			}
			return fmt.Errorf("%s: %w", s.name, err)
		}
		b.done("")
	}
	fmt.Printf("==> seeded in %.1f s. Demo accounts (password for all: %s):\n", time.Since(start).Seconds(), demo.plain)
	fmt.Println("    registry staff   registry@registrar.example   → username: registry")
	fmt.Println("    administrator    admin                        → username: admin")
	fmt.Println("    lecturer         lecturer                     → username: lecturer")
	for _, s := range c.Students[:min(3, len(c.Students))] {
		fmt.Printf("    student          %s %-10s year %d, %s → username: %s\n", s.GivenName, s.FamilyName, s.Year, s.Programme, strings.ToLower(s.Number))
	}
	fmt.Println("    (the seeded events reach the read models within a minute while `make run` is up)")
	return nil
}

var errSkipped = errors.New("skipped")
