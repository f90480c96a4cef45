package domain

import (
	"fmt"
	"slices"
)

// Op joins the operands of a prerequisite node.
type Op string

// The operators of a prerequisite expression.
const (
	OpAnd Op = "AND"
	OpOr  Op = "OR"
)

// Limits of a prerequisite expression: deep or wide trees are a data-entry mistake, and
// every eligibility check evaluates them.
const (
	MaxPrerequisiteDepth    = 4
	MaxPrerequisiteOperands = 10
	MaxPrerequisiteLeaves   = 30
)

// Prerequisite is a node of a prerequisite expression: either a leaf (Module passed with at
// least MinGrade) or an AND/OR of operands. The zero value is not a valid expression; a
// module without prerequisites has a nil *Prerequisite.
type Prerequisite struct {
	Op       Op
	Operands []Prerequisite
	Module   string
	MinGrade Grade
}

// Leaf returns the prerequisite "module passed with at least min".
func Leaf(module string, min Grade) Prerequisite { return Prerequisite{Module: module, MinGrade: min} }

// All returns the AND of operands.
func All(operands ...Prerequisite) Prerequisite { return Prerequisite{Op: OpAnd, Operands: operands} }

// Any returns the OR of operands.
func Any(operands ...Prerequisite) Prerequisite { return Prerequisite{Op: OpOr, Operands: operands} }

// IsLeaf reports whether p names one module.
func (p Prerequisite) IsLeaf() bool { return p.Op == "" }

// Modules lists the distinct module codes the expression names, in order of appearance.
func (p Prerequisite) Modules() []string {
	var out []string
	p.walk(func(l Prerequisite) {
		if !slices.Contains(out, l.Module) {
			out = append(out, l.Module)
		}
	})
	return out
}

func (p Prerequisite) walk(leaf func(Prerequisite)) {
	if p.IsLeaf() {
		leaf(p)
		return
	}
	for _, o := range p.Operands {
		o.walk(leaf)
	}
}

// SatisfiedBy evaluates the expression against a student's best grades per module code.
func (p Prerequisite) SatisfiedBy(grades map[string]Grade) bool {
	switch p.Op {
	case OpAnd:
		for _, o := range p.Operands {
			if !o.SatisfiedBy(grades) {
				return false
			}
		}
		return true
	case OpOr:
		for _, o := range p.Operands {
			if o.SatisfiedBy(grades) {
				return true
			}
		}
		return false
	default:
		g, ok := grades[p.Module]
		return ok && g.AtLeast(p.MinGrade)
	}
}

// normalise upper-cases the module codes of p and checks its shape, reporting violations
// under field (the API path of the node).
func (p Prerequisite) normalise(field string, depth int, leaves *int, v *Violations) Prerequisite {
	if depth > MaxPrerequisiteDepth {
		v.add(field, fmt.Sprintf("nests deeper than %d levels", MaxPrerequisiteDepth))
		return p
	}
	switch p.Op {
	case "":
		*leaves++
		if len(p.Operands) > 0 {
			v.add(field, "is a module leaf and must not have operands (or give op AND/OR)")
		}
		code, ok := normaliseModuleCode(p.Module)
		if !ok {
			v.add(field+".module", "must be a module code like CS101")
		}
		if _, err := ParseGrade(string(p.MinGrade)); err != nil {
			v.add(field+".minGrade", "must be one of A, B, C, D, E, F")
		}
		return Prerequisite{Module: code, MinGrade: p.MinGrade}
	case OpAnd, OpOr:
		if p.Module != "" || p.MinGrade != "" {
			v.add(field, "is an "+string(p.Op)+" node and must not name a module or grade")
		}
		if len(p.Operands) < 2 || len(p.Operands) > MaxPrerequisiteOperands {
			v.add(field+".operands", fmt.Sprintf("must have 2 to %d operands", MaxPrerequisiteOperands))
		}
		out := Prerequisite{Op: p.Op, Operands: make([]Prerequisite, 0, len(p.Operands))}
		for i, o := range p.Operands {
			out.Operands = append(out.Operands, o.normalise(fmt.Sprintf("%s.operands[%d]", field, i), depth+1, leaves, v))
		}
		return out
	default:
		v.add(field+".op", "must be AND or OR")
		return p
	}
}

// String renders the expression for people: "(CS101>=C AND (MA101>=B OR MA102>=B))".
func (p Prerequisite) String() string {
	if p.IsLeaf() {
		return p.Module + ">=" + string(p.MinGrade)
	}
	s := "("
	for i, o := range p.Operands {
		if i > 0 {
			s += " " + string(p.Op) + " "
		}
		s += o.String()
	}
	return s + ")"
}
