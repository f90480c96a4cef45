package app_test

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/subject/app"
	"github.com/registrar-edu/registrar/apps/subject/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

var now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

// fakeModules keeps modules in a map and records every write; ReplaceFn, when set,
// replaces Replace (to inject a failure).
type fakeModules struct {
	byCode    map[string]domain.Module
	events    []app.PendingEvent
	writes    int
	ReplaceFn func(m domain.Module, prev int) error
}

func newFakeModules(ms ...domain.Module) *fakeModules {
	f := &fakeModules{byCode: map[string]domain.Module{}}
	for _, m := range ms {
		f.byCode[m.Code] = m
	}
	return f
}

func (f *fakeModules) Find(_ context.Context, code string) (domain.Module, bool, error) {
	m, ok := f.byCode[code]
	return m, ok, nil
}

func (f *fakeModules) List(_ context.Context, q app.ModuleQuery) ([]domain.Module, error) {
	var out []domain.Module
	for _, c := range slices.Sorted(maps.Keys(f.byCode)) {
		if m := f.byCode[c]; !m.Deleted && (q.Programme == "" || slices.Contains(m.Programmes, q.Programme)) {
			out = append(out, m)
		}
	}
	return out, nil
}

func (f *fakeModules) Insert(_ context.Context, m domain.Module, ev app.PendingEvent) error {
	if _, ok := f.byCode[m.Code]; ok {
		return errs.E(errs.Conflict, "exists")
	}
	f.byCode[m.Code], f.events, f.writes = m, append(f.events, ev), f.writes+1
	return nil
}

func (f *fakeModules) Replace(_ context.Context, m domain.Module, prev int, ev app.PendingEvent) error {
	if f.ReplaceFn != nil {
		return f.ReplaceFn(m, prev)
	}
	if f.byCode[m.Code].Version != prev {
		return errs.E(errs.Conflict, "moved")
	}
	f.byCode[m.Code], f.events, f.writes = m, append(f.events, ev), f.writes+1
	return nil
}

func (f *fakeModules) PrerequisiteGraph(context.Context) (map[string][]string, error) {
	g := map[string][]string{}
	for c, m := range f.byCode {
		if !m.Deleted {
			g[c] = m.PrerequisiteModules()
		}
	}
	return g, nil
}

type fakeProgrammes struct{ list []domain.Programme }

func (f *fakeProgrammes) Insert(_ context.Context, p domain.Programme) error {
	f.list = append(f.list, p)
	return nil
}
func (f *fakeProgrammes) Get(_ context.Context, code string) (domain.Programme, error) {
	for _, p := range f.list {
		if p.Code == code {
			return p, nil
		}
	}
	return domain.Programme{}, app.ErrProgrammeNotFound
}
func (f *fakeProgrammes) List(context.Context) ([]domain.Programme, error) { return f.list, nil }

// fakeLock counts how often it was taken.
type fakeLock struct{ taken int }

func (l *fakeLock) Do(ctx context.Context, fn func(context.Context) error) error {
	l.taken++
	return fn(ctx)
}

func spec(code string, prereqs ...string) domain.ModuleSpec {
	s := domain.ModuleSpec{Code: code, Title: "Module " + code, Credits: 15, Level: 4,
		Fee: domain.Money{AmountMinor: 90000, Currency: "GBP"}, Programmes: []string{"BSCCS"}, Terms: []domain.Term{domain.TermAutumn}}
	switch len(prereqs) {
	case 0:
	case 1:
		p := domain.Leaf(prereqs[0], domain.GradeC)
		s.Prerequisites = &p
	default:
		var ops []domain.Prerequisite
		for _, c := range prereqs {
			ops = append(ops, domain.Leaf(c, domain.GradeC))
		}
		p := domain.All(ops...)
		s.Prerequisites = &p
	}
	return s
}

func mod(t *testing.T, code string, prereqs ...string) domain.Module {
	t.Helper()
	m, err := domain.NewModule(spec(code, prereqs...), now)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// catalogue: CS101 ← CS201 ← CS301, and MA101 standalone.
func catalogue(t *testing.T) *fakeModules {
	return newFakeModules(mod(t, "CS101"), mod(t, "CS201", "CS101"), mod(t, "CS301", "CS201"), mod(t, "MA101"))
}

func service(m *fakeModules, p *fakeProgrammes) (*app.Service, *fakeLock, *int) {
	lock := &fakeLock{}
	woken := 0
	return &app.Service{Modules: m, Programmes: p, Lock: lock, Now: func() time.Time { return now },
		Written: func() { woken++ }}, lock, &woken
}

func wantErr(t *testing.T, err error, kind errs.Kind, field, text string) {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != kind {
		t.Fatalf("error %v, want kind %v", err, kind)
	}
	if field != "" && !slices.ContainsFunc(e.Fields, func(f errs.FieldError) bool { return f.Field == field }) {
		t.Fatalf("fields %+v do not name %q", e.Fields, field)
	}
	said := e.Error()
	for _, f := range e.Fields {
		said += "; " + f.Field + " " + f.Message
	}
	if text != "" && !strings.Contains(said, text) {
		t.Fatalf("error %q does not say %q", said, text)
	}
}

func TestCreateModule(t *testing.T) {
	cases := []struct {
		name  string
		spec  domain.ModuleSpec
		kind  errs.Kind // -1: success
		field string
		text  string
	}{
		{"new module", spec("CS401", "CS301", "MA101"), -1, "", ""},
		{"invalid facts", func() domain.ModuleSpec { s := spec("CS401"); s.Credits = 0; return s }(), errs.Invalid, "credits", ""},
		{"code taken", spec("CS101"), errs.Conflict, "code", ""},
		{"unknown prerequisite", spec("CS401", "XX100"), errs.Unprocessable, "prerequisites", "XX100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mods := catalogue(t)
			svc, lock, woken := service(mods, &fakeProgrammes{})
			m, err := svc.CreateModule(context.Background(), c.spec)
			if c.kind != -1 {
				wantErr(t, err, c.kind, c.field, c.text)
				if mods.writes != 0 || *woken != 0 {
					t.Fatalf("a refused create wrote %d times", mods.writes)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if mods.writes != 1 || lock.taken != 1 || *woken != 1 || m.Version != 1 {
				t.Fatalf("writes %d, lock %d, woken %d, version %d", mods.writes, lock.taken, *woken, m.Version)
			}
			ev := mods.events[0]
			var facts domain.SubjectFacts
			if err := json.Unmarshal(ev.Data, &facts); err != nil {
				t.Fatal(err)
			}
			if ev.Type != domain.EventSubjectCreatedV1 || ev.Topic != domain.TopicSubjects || len(ev.ID) != 36 ||
				facts.Code != "CS401" || facts.AggregateVersion != 1 || facts.Prerequisites == nil {
				t.Fatalf("event %+v facts %+v", ev, facts)
			}
		})
	}
}

func TestCreateOverATombstoneContinuesItsVersion(t *testing.T) {
	tomb, _ := mod(t, "CS101").Delete(now)
	tomb.Version = 7
	mods := newFakeModules(tomb)
	svc, _, _ := service(mods, &fakeProgrammes{})
	m, err := svc.CreateModule(context.Background(), spec("CS101"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 8 || m.Deleted || mods.events[0].Type != domain.EventSubjectCreatedV1 {
		t.Fatalf("recreated %+v, event %s", m, mods.events[0].Type)
	}
}

func TestUpdateModuleRefusesPrerequisiteCycles(t *testing.T) {
	cases := []struct {
		name    string
		code    string
		prereqs []string
		kind    errs.Kind
		text    string
	}{
		{"acyclic change", "MA101", []string{"CS101"}, -1, ""},
		{"direct cycle", "CS201", []string{"CS301"}, errs.Unprocessable, "CS201 → CS301 → CS201"},
		{"long cycle", "CS101", []string{"MA101", "CS301"}, errs.Unprocessable, "CS101 → CS301 → CS201 → CS101"},
		{"self", "CS101", []string{"CS101"}, errs.Invalid, "itself"},
		{"missing module", "CS999", nil, errs.NotFound, ""},
		{"malformed code", "not a code", nil, errs.Invalid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mods := catalogue(t)
			svc, _, _ := service(mods, &fakeProgrammes{})
			m, err := svc.UpdateModule(context.Background(), c.code, spec("IGNORED1", c.prereqs...))
			if c.kind != -1 {
				wantErr(t, err, c.kind, "", c.text)
				if mods.writes != 0 {
					t.Fatal("a refused update wrote")
				}
				return
			}
			if err != nil || m.Version != 2 || m.Code != c.code || mods.events[0].Type != domain.EventSubjectUpdatedV1 {
				t.Fatalf("%+v %v", m, err)
			}
		})
	}
}

func TestUpdateModuleReportsAConcurrentChange(t *testing.T) {
	mods := catalogue(t)
	mods.ReplaceFn = func(domain.Module, int) error { return errs.E(errs.Conflict, "moved") }
	svc, _, woken := service(mods, &fakeProgrammes{})
	_, err := svc.UpdateModule(context.Background(), "CS101", spec("CS101"))
	wantErr(t, err, errs.Conflict, "", "")
	if *woken != 0 {
		t.Fatal("relay woken for nothing")
	}
}

func TestDeleteModule(t *testing.T) {
	prog, _ := domain.NewProgramme(domain.ProgrammeSpec{Code: "BSCMA", Name: "Maths", Faculty: "Science", Electives: []string{"MA101"}}, now)
	cases := []struct {
		name string
		code string
		kind errs.Kind
		text string
	}{
		{"leaf module", "CS301", -1, ""},
		{"prerequisite of another", "CS101", errs.Conflict, "required by CS201"},
		{"in a curriculum", "MA101", errs.Conflict, "programme BSCMA"},
		{"missing", "CS999", errs.NotFound, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mods := catalogue(t)
			svc, _, _ := service(mods, &fakeProgrammes{list: []domain.Programme{prog}})
			err := svc.DeleteModule(context.Background(), c.code)
			if c.kind != -1 {
				wantErr(t, err, c.kind, "", c.text)
				if mods.writes != 0 {
					t.Fatal("a refused delete wrote")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tomb := mods.byCode[c.code]
			if !tomb.Deleted || tomb.Version != 2 || mods.events[0].Type != domain.EventSubjectDeletedV1 ||
				string(mods.events[0].Data) != `{"code":"CS301","aggregateVersion":2,"occurredAt":"2026-09-01T09:00:00Z"}` {
				t.Fatalf("tombstone %+v event %s", tomb, mods.events[0].Data)
			}
			if _, err := svc.GetModule(context.Background(), c.code); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("deleted module still readable: %v", err)
			}
			if err := svc.DeleteModule(context.Background(), c.code); errs.KindOf(err) != errs.NotFound {
				t.Fatalf("second delete: %v", err)
			}
		})
	}
}

func TestListModulesChecksItsQuery(t *testing.T) {
	svc, _, _ := service(catalogue(t), &fakeProgrammes{})
	cases := []struct {
		name  string
		q     app.ModuleQuery
		field string
		n     int
	}{
		{"everything", app.ModuleQuery{}, "", 4},
		{"programme in lower case", app.ModuleQuery{Programme: "bsccs"}, "", 4},
		{"unknown term", app.ModuleQuery{Term: "WINTER"}, "term", 0},
		{"level out of range", app.ModuleQuery{Level: 9}, "level", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, err := svc.ListModules(context.Background(), c.q)
			if c.field != "" {
				wantErr(t, err, errs.Invalid, c.field, "")
				return
			}
			if err != nil || len(list) != c.n {
				t.Fatalf("%d modules, %v", len(list), err)
			}
		})
	}
}

func TestCreateProgrammeNeedsCatalogueModules(t *testing.T) {
	cases := []struct {
		name  string
		spec  domain.ProgrammeSpec
		kind  errs.Kind
		field string
	}{
		{"known modules", domain.ProgrammeSpec{Code: "BSCCS", Name: "CS", Faculty: "Science", Required: []string{"CS101"}, Electives: []string{"MA101"}}, -1, ""},
		{"unknown elective", domain.ProgrammeSpec{Code: "BSCCS", Name: "CS", Faculty: "Science", Electives: []string{"MA101", "XX100"}}, errs.Unprocessable, "electives[1]"},
		{"invalid", domain.ProgrammeSpec{Code: "BSCCS", Faculty: "Science"}, errs.Invalid, "name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			progs := &fakeProgrammes{}
			svc, _, _ := service(catalogue(t), progs)
			_, err := svc.CreateProgramme(context.Background(), c.spec)
			if c.kind != -1 {
				wantErr(t, err, c.kind, c.field, "")
				if len(progs.list) != 0 {
					t.Fatal("a refused programme was stored")
				}
				return
			}
			if err != nil || len(progs.list) != 1 {
				t.Fatalf("%v %+v", err, progs.list)
			}
		})
	}
}
