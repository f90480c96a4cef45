// Package app holds the subject service's commands and queries over the module catalogue.
// It declares the storage it needs (Modules, Programmes, CatalogueLock, Outbox); adapters
// provide it.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/apps/subject/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// PendingEvent is an event stored inside the document whose change it announces, written in
// the same single-document update (the store has no transactions). The relay publishes it
// with ID as the CloudEvent id and then removes it.
type PendingEvent struct {
	ID        string // UUIDv7
	Topic     string
	Type      string
	Data      []byte // JSON
	CreatedAt time.Time
}

// Modules stores module aggregates together with their pending events.
type Modules interface {
	// Find returns the module with code, tombstones included; found is false only when the
	// code was never used.
	Find(ctx context.Context, code string) (m domain.Module, found bool, err error)
	// List returns modules matching q, ordered by code: live ones, and tombstones too when
	// q.IncludeDeleted.
	List(ctx context.Context, q ModuleQuery) ([]domain.Module, error)
	// Insert stores a new module with ev pending; an existing code is a Conflict.
	Insert(ctx context.Context, m domain.Module, ev PendingEvent) error
	// Replace stores m over the stored module if that is still at prevVersion, appending ev
	// to its pending events; a moved version is a Conflict.
	Replace(ctx context.Context, m domain.Module, prevVersion int, ev PendingEvent) error
	// PrerequisiteGraph maps every live module's code to the codes its prerequisites name.
	PrerequisiteGraph(ctx context.Context) (map[string][]string, error)
}

// ModuleQuery filters the catalogue; empty fields match everything.
type ModuleQuery struct {
	Programme string
	Level     int
	Term      domain.Term
	After     string // code to continue after
	Limit     int
	// IncludeDeleted lists tombstones too (the read-model feed, so consumers drop them).
	IncludeDeleted bool
}

// Programmes stores programmes.
type Programmes interface {
	Insert(ctx context.Context, p domain.Programme) error
	Get(ctx context.Context, code string) (domain.Programme, error)
	List(ctx context.Context) ([]domain.Programme, error)
}

// CatalogueLock serialises catalogue writes across every instance of the app. Rules that
// span documents (no prerequisite cycle, no module deleted while others require it) hold
// only if no other write slips in between the check and the write, and the store has no
// multi-document transactions.
type CatalogueLock interface {
	Do(ctx context.Context, fn func(ctx context.Context) error) error
}

// Service is the subject application service.
type Service struct {
	Modules    Modules
	Programmes Programmes
	Lock       CatalogueLock
	Now        func() time.Time
	// Written, when set, is told that a pending event was stored (it wakes the relay).
	Written func()
}

// Errors adapters return for missing aggregates.
var (
	ErrModuleNotFound    = errs.E(errs.NotFound, "module not found")
	ErrProgrammeNotFound = errs.E(errs.NotFound, "programme not found")
)

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) } // the store keeps milliseconds

// CreateModule adds a module to the catalogue and announces it (subject.created.v1). A code
// whose module was deleted is taken again, continuing its version.
func (s *Service) CreateModule(ctx context.Context, spec domain.ModuleSpec) (domain.Module, error) {
	m, err := domain.NewModule(spec, s.now())
	if err != nil {
		return domain.Module{}, invalid(err)
	}
	err = s.Lock.Do(ctx, func(ctx context.Context) error {
		prev, found, err := s.Modules.Find(ctx, m.Code)
		if err != nil {
			return err
		}
		if found && !prev.Deleted {
			return &errs.Error{Kind: errs.Conflict, Message: "a module with this code exists already",
				Fields: []errs.FieldError{{Field: "code", Message: "is taken"}}}
		}
		if err := s.checkPrerequisites(ctx, m); err != nil {
			return err
		}
		if found {
			if m, err = prev.Recreate(spec, s.now()); err != nil {
				return invalid(err)
			}
			return s.Modules.Replace(ctx, m, prev.Version, s.event(domain.EventSubjectCreatedV1, m.Facts()))
		}
		return s.Modules.Insert(ctx, m, s.event(domain.EventSubjectCreatedV1, m.Facts()))
	})
	if err != nil {
		return domain.Module{}, fmt.Errorf("create module %s: %w", m.Code, err)
	}
	s.written()
	return m, nil
}

// UpdateModule replaces the facts of a module and announces it (subject.updated.v1).
func (s *Service) UpdateModule(ctx context.Context, code string, spec domain.ModuleSpec) (domain.Module, error) {
	code, err := moduleCode(code)
	if err != nil {
		return domain.Module{}, err
	}
	var m domain.Module
	err = s.Lock.Do(ctx, func(ctx context.Context) error {
		prev, err := s.live(ctx, code)
		if err != nil {
			return err
		}
		if m, err = prev.Revise(spec, s.now()); err != nil {
			return invalid(err)
		}
		if err := s.checkPrerequisites(ctx, m); err != nil {
			return err
		}
		return s.Modules.Replace(ctx, m, prev.Version, s.event(domain.EventSubjectUpdatedV1, m.Facts()))
	})
	if err != nil {
		return domain.Module{}, fmt.Errorf("update module %s: %w", code, err)
	}
	s.written()
	return m, nil
}

// DeleteModule turns a module into a tombstone and announces it (subject.deleted.v1). A
// module that another module's prerequisites or a programme's curriculum names stays: the
// catalogue would otherwise point at nothing.
func (s *Service) DeleteModule(ctx context.Context, code string) error {
	code, err := moduleCode(code)
	if err != nil {
		return err
	}
	err = s.Lock.Do(ctx, func(ctx context.Context) error {
		prev, err := s.live(ctx, code)
		if err != nil {
			return err
		}
		graph, err := s.Modules.PrerequisiteGraph(ctx)
		if err != nil {
			return err
		}
		var users []string
		for other, prereqs := range graph {
			if slices.Contains(prereqs, code) {
				users = append(users, other)
			}
		}
		programmes, err := s.Programmes.List(ctx)
		if err != nil {
			return err
		}
		for _, p := range programmes {
			if slices.Contains(p.Modules(), code) {
				users = append(users, "programme "+p.Code)
			}
		}
		if len(users) > 0 {
			slices.Sort(users)
			return errs.E(errs.Conflict, "module %s is still required by %s", code, strings.Join(users, ", "))
		}
		tomb, err := prev.Delete(s.now())
		if err != nil {
			return errs.Wrap(errs.Conflict, err, err.Error())
		}
		return s.Modules.Replace(ctx, tomb, prev.Version, s.event(domain.EventSubjectDeletedV1, tomb.DeletedFacts()))
	})
	if err != nil {
		return fmt.Errorf("delete module %s: %w", code, err)
	}
	s.written()
	return nil
}

// GetModule returns one live module.
func (s *Service) GetModule(ctx context.Context, code string) (domain.Module, error) {
	code, err := moduleCode(code)
	if err != nil {
		return domain.Module{}, err
	}
	m, err := s.live(ctx, code)
	if err != nil {
		return domain.Module{}, fmt.Errorf("get module %s: %w", code, err)
	}
	return m, nil
}

// ListModules returns a page of the catalogue, ordered by code.
func (s *Service) ListModules(ctx context.Context, q ModuleQuery) ([]domain.Module, error) {
	var fields []errs.FieldError
	q.Programme = strings.ToUpper(strings.TrimSpace(q.Programme))
	q.Term = domain.Term(strings.ToUpper(string(q.Term)))
	if q.Term != "" && !slices.Contains(domain.Terms, q.Term) {
		fields = append(fields, errs.FieldError{Field: "term", Message: "must be one of AUTUMN, SPRING, SUMMER"})
	}
	if q.Level != 0 && (q.Level < domain.MinLevel || q.Level > domain.MaxLevel) {
		fields = append(fields, errs.FieldError{Field: "level", Message: "must be 1 to 7"})
	}
	if len(fields) > 0 {
		return nil, errs.InvalidFields("the query has invalid parameters", fields...)
	}
	if q.Limit <= 0 || q.Limit > 500 {
		q.Limit = 100
	}
	list, err := s.Modules.List(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("list modules: %w", err)
	}
	return list, nil
}

// ModuleFeed returns a page of every module, tombstones included, ordered by code: the
// feed the registration app fills its module read model from (a tombstone tells it to drop
// the module).
func (s *Service) ModuleFeed(ctx context.Context, r page.Request) (page.Page[domain.Module], error) {
	r = r.Normalised()
	rows, err := s.Modules.List(ctx, ModuleQuery{After: r.After, Limit: r.Limit + 1, IncludeDeleted: true})
	if err != nil {
		return page.Page[domain.Module]{}, fmt.Errorf("module feed after %q: %w", r.After, err)
	}
	return page.Of(r, rows, func(m domain.Module) string { return m.Code }), nil
}

// CreateProgramme adds a programme. Its curriculum must name live modules only.
func (s *Service) CreateProgramme(ctx context.Context, spec domain.ProgrammeSpec) (domain.Programme, error) {
	p, err := domain.NewProgramme(spec, s.now())
	if err != nil {
		return domain.Programme{}, invalid(err)
	}
	err = s.Lock.Do(ctx, func(ctx context.Context) error {
		graph, err := s.Modules.PrerequisiteGraph(ctx)
		if err != nil {
			return err
		}
		var fields []errs.FieldError
		for field, list := range map[string][]string{"required": p.Required, "electives": p.Electives} {
			for i, c := range list {
				if _, ok := graph[c]; !ok {
					fields = append(fields, errs.FieldError{Field: fmt.Sprintf("%s[%d]", field, i), Message: c + " is not in the catalogue"})
				}
			}
		}
		if len(fields) > 0 {
			slices.SortFunc(fields, func(a, b errs.FieldError) int { return strings.Compare(a.Field, b.Field) })
			return &errs.Error{Kind: errs.Unprocessable, Message: "the curriculum names modules the catalogue lacks", Fields: fields}
		}
		return s.Programmes.Insert(ctx, p)
	})
	if err != nil {
		return domain.Programme{}, fmt.Errorf("create programme %s: %w", p.Code, err)
	}
	return p, nil
}

// GetProgramme returns one programme.
func (s *Service) GetProgramme(ctx context.Context, code string) (domain.Programme, error) {
	p, err := s.Programmes.Get(ctx, strings.ToUpper(strings.TrimSpace(code)))
	if err != nil {
		return domain.Programme{}, fmt.Errorf("get programme %s: %w", code, err)
	}
	return p, nil
}

// ListProgrammes returns every programme, ordered by code.
func (s *Service) ListProgrammes(ctx context.Context) ([]domain.Programme, error) {
	list, err := s.Programmes.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list programmes: %w", err)
	}
	return list, nil
}

// checkPrerequisites applies the rules that need the rest of the catalogue: every module a
// prerequisite names exists, and the prerequisites make no cycle.
func (s *Service) checkPrerequisites(ctx context.Context, m domain.Module) error {
	needed := m.PrerequisiteModules()
	if len(needed) == 0 {
		return nil
	}
	graph, err := s.Modules.PrerequisiteGraph(ctx)
	if err != nil {
		return err
	}
	var missing []string
	for _, c := range needed {
		if _, ok := graph[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return &errs.Error{Kind: errs.Unprocessable, Message: "prerequisites name modules the catalogue lacks",
			Fields: []errs.FieldError{{Field: "prerequisites", Message: "unknown modules: " + strings.Join(missing, ", ")}}}
	}
	if cycle := domain.FindPrerequisiteCycle(graph, m.Code, needed); cycle != nil {
		path := strings.Join(cycle, " → ")
		return &errs.Error{Kind: errs.Unprocessable, Message: "prerequisites would form a cycle: " + path,
			Fields: []errs.FieldError{{Field: "prerequisites", Message: "would form the cycle " + path}}}
	}
	return nil
}

func (s *Service) live(ctx context.Context, code string) (domain.Module, error) {
	m, found, err := s.Modules.Find(ctx, code)
	if err != nil {
		return domain.Module{}, err
	}
	if !found || m.Deleted {
		return domain.Module{}, ErrModuleNotFound
	}
	return m, nil
}

// event builds a pending event on the subjects topic. The id is a UUIDv7, so ids sort by
// creation time; the data is marshalled once here and published byte for byte.
func (s *Service) event(eventType string, data any) PendingEvent {
	id := uuid.Must(uuid.NewV7())
	payload, err := json.Marshal(data)
	if err != nil {
		// The event types are plain structs of strings and numbers: this cannot fail.
		panic(fmt.Sprintf("marshal %s: %v", eventType, err))
	}
	return PendingEvent{ID: id.String(), Topic: domain.TopicSubjects, Type: eventType, Data: payload, CreatedAt: s.now()}
}

func (s *Service) written() {
	if s.Written != nil {
		s.Written()
	}
}

func moduleCode(code string) (string, error) {
	c, ok := domain.NormaliseModuleCode(code)
	if !ok {
		return "", errs.InvalidFields("malformed module code", errs.FieldError{Field: "code", Message: "must be a module code like CS101"})
	}
	return c, nil
}

// invalid turns the domain's violations into a field-level Invalid error.
func invalid(err error) error {
	var v domain.Violations
	if !errors.As(err, &v) {
		return errs.Wrap(errs.Invalid, err, err.Error())
	}
	fields := make([]errs.FieldError, 0, len(v))
	for _, x := range v {
		fields = append(fields, errs.FieldError{Field: x.Field, Message: x.Message})
	}
	return errs.InvalidFields("the request breaks catalogue rules", fields...)
}
