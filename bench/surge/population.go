package surge

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/internal/campus"
	"github.com/registrar-edu/registrar/internal/seed"
)

// population is what the bench knows of the seeded campus.
type population struct {
	students []campus.Student // free to register: no hold, nothing active this semester
	open     []campus.Module  // level 1, spring, no prerequisites or co-/anti-requisites
	spread   []campus.Section // seeded sections of open modules in the semester
	other    []campus.Section // seeded sections of another semester (for wrong-semester requests)
	sections map[string]campus.Section
	modules  map[string]campus.Module
}

// passed reports whether the student completed the module with a pass.
func passed(s campus.Student, module string) bool {
	for _, h := range s.History {
		if h.Module == module && h.Grade != "F" {
			return true
		}
	}
	return false
}

func loadPopulation(ctx context.Context, c Config, reg *pgxpool.Pool, rng *rand.Rand) (*population, error) {
	cp := campus.Generate(c.Campus)
	p := &population{sections: map[string]campus.Section{}, modules: map[string]campus.Module{}}
	for _, m := range cp.Modules {
		p.modules[m.Code] = m
		if m.Level == 1 && m.Prerequisites == nil && len(m.Corequisites) == 0 && len(m.Antirequisites) == 0 &&
			slices.Contains(m.Terms, "SPRING") {
			p.open = append(p.open, m)
		}
	}
	if len(p.open) == 0 {
		return nil, fmt.Errorf("the seeded campus has no open spring module")
	}
	for _, s := range cp.Sections {
		p.sections[s.ID] = s
		switch {
		case s.Semester != c.Semester:
			p.other = append(p.other, s)
		case slices.ContainsFunc(p.open, func(m campus.Module) bool { return m.Code == s.Module }):
			p.spread = append(p.spread, s)
		}
	}
	// Students with something active this semester (an earlier run, a demo) sit this one out.
	busy := map[string]bool{}
	rows, err := reg.Query(ctx, `SELECT DISTINCT student_id::text FROM registrations WHERE semester = $1
		AND status IN ('PENDING_PAYMENT','CONFIRMED','WAITLISTED','OFFERED')`, c.Semester)
	if err != nil {
		return nil, fmt.Errorf("read active registrations: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err == nil {
			busy[id] = true
		}
	}
	rows.Close()
	known := map[string]bool{}
	rows, err = reg.Query(ctx, `SELECT id::text FROM rm_students`)
	if err != nil {
		return nil, fmt.Errorf("read the registration app's students: %w", err)
	}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err == nil {
			known[id] = true
		}
	}
	rows.Close()
	for _, s := range cp.Students {
		if len(s.Holds) == 0 && !busy[s.ID] && known[s.ID] {
			p.students = append(p.students, s)
		}
	}
	if len(p.students) == 0 {
		return nil, fmt.Errorf("no seeded student is free to register in %s: run `make seed`", c.Semester)
	}
	rng.Shuffle(len(p.students), func(i, j int) { p.students[i], p.students[j] = p.students[j], p.students[i] })
	return p, nil
}

// username is the login of a seeded student.
func username(s campus.Student) string { return seed.Username(s) }
