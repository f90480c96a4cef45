package seed

import (
	"context"
	"fmt"
	"time"

	subjectadapters "github.com/registrar-edu/registrar/apps/subject/adapters"
	subjectapp "github.com/registrar-edu/registrar/apps/subject/app"
	subjectdomain "github.com/registrar-edu/registrar/apps/subject/domain"
	"github.com/registrar-edu/registrar/internal/campus"
	"github.com/registrar-edu/registrar/internal/platform/mongodb"
)

func prerequisite(p *campus.Prereq) (*subjectdomain.Prerequisite, error) {
	if p == nil {
		return nil, nil
	}
	if p.Op == "" {
		g, err := subjectdomain.ParseGrade(p.MinGrade)
		if err != nil {
			return nil, err
		}
		leaf := subjectdomain.Leaf(p.Module, g)
		return &leaf, nil
	}
	var of []subjectdomain.Prerequisite
	for i := range p.Of {
		x, err := prerequisite(&p.Of[i])
		if err != nil {
			return nil, err
		}
		of = append(of, *x)
	}
	out := subjectdomain.All(of...)
	if p.Op == "OR" {
		out = subjectdomain.Any(of...)
	}
	return &out, nil
}

// seedCatalogue writes modules (prerequisites first) and programmes through the subject
// service's application service, so the catalogue's rules (prerequisites exist, no cycle)
// are checked exactly as for a registry officer. The pending events it stores are published
// by the subject app's relay once it runs.
func seedCatalogue(ctx context.Context, e env, c campus.Campus, b *bar) error {
	url, err := e.get("subject", "MONGODB_URL")
	if err != nil {
		return err
	}
	dbName, err := e.get("subject", "MONGODB_DATABASE")
	if err != nil {
		return err
	}
	client, err := mongodb.Connect(ctx, url)
	if err != nil {
		return fmt.Errorf("MongoDB-protocol server (run make setup): %w", err)
	}
	defer client.Disconnect(context.WithoutCancel(ctx))
	db := client.Database(dbName)
	if err := subjectadapters.EnsureIndexes(ctx, db); err != nil {
		return err
	}
	svc := &subjectapp.Service{Modules: &subjectadapters.MongoModules{DB: db}, Programmes: &subjectadapters.MongoProgrammes{DB: db},
		Lock: &subjectadapters.MongoLock{DB: db}, Now: time.Now}
	b.setTotal(len(c.Modules) + len(c.Programmes))
	// Anti-requisites may name modules not created yet: add them in a second pass.
	for pass := 0; pass < 2; pass++ {
		for _, m := range c.Modules {
			pre, err := prerequisite(m.Prerequisites)
			if err != nil {
				return fmt.Errorf("module %s: %w", m.Code, err)
			}
			var terms []subjectdomain.Term
			for _, t := range m.Terms {
				terms = append(terms, subjectdomain.Term(t))
			}
			spec := subjectdomain.ModuleSpec{Code: m.Code, Title: m.Title, Credits: m.Credits,
				Fee: subjectdomain.Money{AmountMinor: m.FeeMinor, Currency: m.Currency}, Level: m.Level,
				Programmes: m.Programmes, Terms: terms, Prerequisites: pre, CoRequisites: m.Corequisites}
			if pass == 0 {
				if _, err := svc.CreateModule(ctx, spec); existed(err) != nil {
					return err
				}
				b.add(1)
				continue
			}
			if len(m.Antirequisites) == 0 {
				continue
			}
			cur, err := svc.GetModule(ctx, m.Code)
			if err != nil {
				return err
			}
			if len(cur.AntiRequisites) > 0 {
				continue
			}
			spec.AntiRequisites = m.Antirequisites
			if _, err := svc.UpdateModule(ctx, m.Code, spec); err != nil {
				return fmt.Errorf("anti-requisites of %s: %w", m.Code, err)
			}
		}
	}
	for _, p := range c.Programmes {
		_, err := svc.CreateProgramme(ctx, subjectdomain.ProgrammeSpec{Code: p.Code, Name: p.Name, Faculty: p.Faculty,
			Required: p.Required, Electives: p.Electives})
		if existed(err) != nil {
			return err
		}
		b.add(1)
	}
	return nil
}
