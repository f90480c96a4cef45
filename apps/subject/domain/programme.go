package domain

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// MaxCurriculum bounds a programme's required and elective lists.
const MaxCurriculum = 200

// Programme is a course of study (a degree) and its curriculum: the modules its students
// must take and those they may choose.
type Programme struct {
	Code      string
	Name      string
	Faculty   string
	Required  []string
	Electives []string
	Version   int
	CreatedAt time.Time
}

// ProgrammeSpec is what a registry officer states about a programme.
type ProgrammeSpec struct {
	Code      string
	Name      string
	Faculty   string
	Required  []string
	Electives []string
}

// NewProgramme creates a programme at version 1, enforcing its rules: a code, a name, a
// faculty, and no module both required and elective.
func NewProgramme(spec ProgrammeSpec, now time.Time) (Programme, error) {
	var v Violations
	p := Programme{
		Code: strings.ToUpper(strings.TrimSpace(spec.Code)), Name: strings.TrimSpace(spec.Name),
		Faculty: strings.TrimSpace(spec.Faculty), Version: 1, CreatedAt: now.UTC(),
	}
	if !programmeCode.MatchString(p.Code) {
		v.add("code", "must be 1 to 16 letters and digits, like BSCCS")
	}
	if p.Name == "" || len(p.Name) > MaxTitle {
		v.add("name", fmt.Sprintf("must have 1 to %d characters", MaxTitle))
	}
	if p.Faculty == "" || len(p.Faculty) > MaxTitle {
		v.add("faculty", fmt.Sprintf("must have 1 to %d characters", MaxTitle))
	}
	for _, list := range []struct {
		field string
		in    []string
		out   *[]string
	}{{"required", spec.Required, &p.Required}, {"electives", spec.Electives, &p.Electives}} {
		if len(list.in) > MaxCurriculum {
			v.add(list.field, fmt.Sprintf("must have at most %d items", MaxCurriculum))
			continue
		}
		*list.out = make([]string, 0, len(list.in))
		for i, s := range list.in {
			c, ok := normaliseModuleCode(s)
			switch {
			case !ok:
				v.add(fmt.Sprintf("%s[%d]", list.field, i), "must be a module code like CS101")
			case slices.Contains(*list.out, c):
				v.add(fmt.Sprintf("%s[%d]", list.field, i), "is listed twice")
			default:
				*list.out = append(*list.out, c)
			}
		}
	}
	for _, e := range p.Electives {
		if slices.Contains(p.Required, e) {
			v.add("electives", e+" is also required")
		}
	}
	if len(v) > 0 {
		return Programme{}, v
	}
	return p, nil
}

// Modules lists every module the curriculum names, required first.
func (p Programme) Modules() []string { return append(slices.Clone(p.Required), p.Electives...) }
