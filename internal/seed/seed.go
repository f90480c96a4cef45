// Package seed writes a generated campus (internal/campus) into the services' databases
// through the services' own adapters, so every invariant and every event (outbox rows) is
// exactly what the apps would write. It is idempotent: what exists is skipped. `make seed`
// and the end-to-end tests use it.
package seed

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/registrar-edu/registrar/internal/campus"
)

// Options says where to seed and how much.
type Options struct {
	Apps map[string]map[string]string // app id → its environment (connection settings)
	Home string                       // $REGISTRAR_HOME: keys, the demo password
	Size campus.Size
	Out  io.Writer
}

// env reads the services' settings.
type env struct {
	apps map[string]map[string]string
	home string
}

func (e env) get(app, key string) (string, error) {
	v := e.apps[app][key]
	if v == "" {
		return "", fmt.Errorf("app %s has no %s", app, key)
	}
	return v, nil
}

// Result is what a seed wrote and the demo password of its accounts.
type Result struct {
	Campus       campus.Campus
	DemoPassword string
}

var errSkipped = errors.New("skipped")

// Run generates the campus and writes it.
func Run(ctx context.Context, o Options) (Result, error) {
	if o.Out == nil {
		o.Out = io.Discard
	}
	e := env{apps: o.Apps, home: o.Home}
	fmt.Fprintf(o.Out, "==> generating the campus (%d modules, %d students)\n", o.Size.Modules, o.Size.Students)
	c := campus.Generate(o.Size)
	fmt.Fprintf(o.Out, "    %d faculties, %d programmes, %d modules, %d rooms, %d lecturers, %d sections, %d students\n",
		len(c.Faculties), len(c.Programmes), len(c.Modules), len(c.Rooms), len(c.Lecturers), len(c.Sections), len(c.Students))
	demo, err := demoPassword(o.Home)
	if err != nil {
		return Result{}, err
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
		fmt.Fprintf(o.Out, "==> %s\n", s.name)
		b := newBar(o.Out, s.name)
		err := s.do(ctx, e, c, b)
		if errors.Is(err, errSkipped) {
			b.done(strings.TrimPrefix(err.Error(), "skipped: "))
			continue
		}
		if err != nil {
			return Result{}, fmt.Errorf("%s: %w", s.name, err)
		}
		b.done("")
	}
	return Result{Campus: c, DemoPassword: demo.plain}, nil
}

// Username is the login name of a seeded student.
func Username(s campus.Student) string { return strings.ToLower(s.Number) }
