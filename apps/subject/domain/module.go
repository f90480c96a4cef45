package domain

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// Term is a part of the academic year in which a module can run.
type Term string

// The terms of the academic year.
const (
	TermAutumn Term = "AUTUMN"
	TermSpring Term = "SPRING"
	TermSummer Term = "SUMMER"
)

// Terms lists every term in calendar order of the academic year.
var Terms = []Term{TermAutumn, TermSpring, TermSummer}

// Money is an amount in integer minor units (pence, cents) of an ISO 4217 currency.
type Money struct {
	AmountMinor int64
	Currency    string
}

// Bounds of a module's facts.
const (
	MinLevel     = 1 // first-year undergraduate
	MaxLevel     = 7 // taught postgraduate (FHEQ levels)
	MinCredits   = 1
	MaxCredits   = 120
	MaxTitle     = 200
	MaxRelations = 20 // co-requisites, anti-requisites, programmes
)

var (
	moduleCode    = regexp.MustCompile(`^[A-Z]{2,4}[0-9]{3,4}[A-Z]?$`)
	programmeCode = regexp.MustCompile(`^[A-Z0-9]{1,16}$`)
	currencyCode  = regexp.MustCompile(`^[A-Z]{3}$`)
)

func normaliseModuleCode(s string) (string, bool) {
	c := strings.ToUpper(strings.TrimSpace(s))
	return c, moduleCode.MatchString(c)
}

// NormaliseModuleCode upper-cases a module code and reports whether it has the catalogue's
// shape: two to four letters, three or four digits, an optional letter ("CS101", "MATH1001A").
func NormaliseModuleCode(s string) (string, bool) { return normaliseModuleCode(s) }

// Module is a unit of study in the catalogue. Deleted modules stay as tombstones so that
// their version keeps counting if the code is ever used again (consumers ignore versions
// older than the last one they applied).
type Module struct {
	Code           string
	Title          string
	Credits        int
	Fee            Money
	Level          int
	Programmes     []string
	Terms          []Term
	Prerequisites  *Prerequisite // nil: none
	CoRequisites   []string
	AntiRequisites []string
	Version        int
	Deleted        bool
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// ModuleSpec is what a registry officer states about a module: everything but its
// bookkeeping (version, timestamps).
type ModuleSpec struct {
	Code           string
	Title          string
	Credits        int
	Fee            Money
	Level          int
	Programmes     []string
	Terms          []Term
	Prerequisites  *Prerequisite
	CoRequisites   []string
	AntiRequisites []string
}

// NewModule creates a module at version 1, enforcing the catalogue's rules on spec.
// Rules that need the rest of the catalogue (prerequisites exist, no cycle) are the
// application's: see FindPrerequisiteCycle.
func NewModule(spec ModuleSpec, now time.Time) (Module, error) {
	m, err := spec.validate()
	if err != nil {
		return Module{}, err
	}
	m.Version, m.CreatedAt, m.UpdatedAt = 1, now.UTC(), now.UTC()
	return m, nil
}

// Revise returns m with its facts replaced by spec (same code) at the next version.
func (m Module) Revise(spec ModuleSpec, now time.Time) (Module, error) {
	if m.Deleted {
		return Module{}, fmt.Errorf("module %s is deleted", m.Code)
	}
	spec.Code = m.Code
	next, err := spec.validate()
	if err != nil {
		return Module{}, err
	}
	next.Version, next.CreatedAt, next.UpdatedAt = m.Version+1, m.CreatedAt, now.UTC()
	return next, nil
}

// Recreate returns a new module spec written over the tombstone m: the version continues
// from the tombstone's, so consumers that saw the deletion accept the new facts.
func (m Module) Recreate(spec ModuleSpec, now time.Time) (Module, error) {
	if !m.Deleted {
		return Module{}, fmt.Errorf("module %s exists", m.Code)
	}
	spec.Code = m.Code
	next, err := spec.validate()
	if err != nil {
		return Module{}, err
	}
	next.Version, next.CreatedAt, next.UpdatedAt = m.Version+1, now.UTC(), now.UTC()
	return next, nil
}

// Delete returns m as a tombstone at the next version.
func (m Module) Delete(now time.Time) (Module, error) {
	if m.Deleted {
		return Module{}, fmt.Errorf("module %s is deleted already", m.Code)
	}
	m.Deleted, m.Version, m.UpdatedAt = true, m.Version+1, now.UTC()
	return m, nil
}

// PrerequisiteModules lists the module codes m's prerequisites name.
func (m Module) PrerequisiteModules() []string {
	if m.Prerequisites == nil {
		return nil
	}
	return m.Prerequisites.Modules()
}

func (spec ModuleSpec) validate() (Module, error) {
	var v Violations
	m := Module{
		Title: strings.TrimSpace(spec.Title), Credits: spec.Credits, Level: spec.Level,
		Fee: Money{AmountMinor: spec.Fee.AmountMinor, Currency: strings.ToUpper(strings.TrimSpace(spec.Fee.Currency))},
	}
	code, ok := normaliseModuleCode(spec.Code)
	if !ok {
		v.add("code", "must be two to four letters, three or four digits and an optional letter, like CS101")
	}
	m.Code = code
	if m.Title == "" || len(m.Title) > MaxTitle {
		v.add("title", fmt.Sprintf("must have 1 to %d characters", MaxTitle))
	}
	if m.Credits < MinCredits || m.Credits > MaxCredits {
		v.add("credits", fmt.Sprintf("must be %d to %d", MinCredits, MaxCredits))
	}
	if m.Fee.AmountMinor < 0 {
		v.add("fee.amountMinor", "must not be negative")
	}
	if !currencyCode.MatchString(m.Fee.Currency) {
		v.add("fee.currency", "must be an ISO 4217 code like GBP")
	}
	if m.Level < MinLevel || m.Level > MaxLevel {
		v.add("level", fmt.Sprintf("must be %d to %d", MinLevel, MaxLevel))
	}
	m.Programmes = codes("programmes", spec.Programmes, programmeCode, "a programme code like CS or BSCCS", &v)
	if len(spec.Terms) == 0 {
		v.add("termsOffered", "must name at least one term")
	}
	for i, t := range spec.Terms {
		t = Term(strings.ToUpper(strings.TrimSpace(string(t))))
		switch {
		case !slices.Contains(Terms, t):
			v.add(fmt.Sprintf("termsOffered[%d]", i), "must be one of AUTUMN, SPRING, SUMMER")
		case slices.Contains(m.Terms, t):
			v.add(fmt.Sprintf("termsOffered[%d]", i), "is listed twice")
		default:
			m.Terms = append(m.Terms, t)
		}
	}
	// Calendar order, so equal specs give equal modules and events.
	slices.SortFunc(m.Terms, func(a, b Term) int { return slices.Index(Terms, a) - slices.Index(Terms, b) })

	if spec.Prerequisites != nil {
		leaves := 0
		p := spec.Prerequisites.normalise("prerequisites", 1, &leaves, &v)
		if leaves > MaxPrerequisiteLeaves {
			v.add("prerequisites", fmt.Sprintf("names more than %d modules", MaxPrerequisiteLeaves))
		}
		m.Prerequisites = &p
	}
	m.CoRequisites = codes("coRequisites", spec.CoRequisites, moduleCode, "a module code like CS101", &v)
	m.AntiRequisites = codes("antiRequisites", spec.AntiRequisites, moduleCode, "a module code like CS101", &v)
	if len(v) > 0 {
		return Module{}, v
	}

	// Relations that contradict each other or the module itself.
	prereqs := m.PrerequisiteModules()
	if slices.Contains(prereqs, m.Code) {
		v.add("prerequisites", "must not name the module itself")
	}
	if slices.Contains(m.CoRequisites, m.Code) {
		v.add("coRequisites", "must not name the module itself")
	}
	if slices.Contains(m.AntiRequisites, m.Code) {
		v.add("antiRequisites", "must not name the module itself")
	}
	for _, a := range m.AntiRequisites {
		if slices.Contains(m.CoRequisites, a) {
			v.add("antiRequisites", a+" is also a co-requisite")
		}
		if slices.Contains(prereqs, a) {
			v.add("antiRequisites", a+" is also a prerequisite")
		}
	}
	return m, v.err()
}

// codes normalises a list of codes: upper case, each matching pattern, no duplicates, at
// most MaxRelations. The result keeps the caller's order.
func codes(field string, in []string, pattern *regexp.Regexp, shape string, v *Violations) []string {
	if len(in) > MaxRelations {
		v.add(field, fmt.Sprintf("must have at most %d items", MaxRelations))
		return nil
	}
	out := make([]string, 0, len(in))
	for i, s := range in {
		c := strings.ToUpper(strings.TrimSpace(s))
		switch {
		case !pattern.MatchString(c):
			v.add(fmt.Sprintf("%s[%d]", field, i), "must be "+shape)
		case slices.Contains(out, c):
			v.add(fmt.Sprintf("%s[%d]", field, i), "is listed twice")
		default:
			out = append(out, c)
		}
	}
	return out
}
