// Package domain holds the module catalogue's aggregates (Module, Programme) and their
// rules: codes, credits, fees, levels, terms and the prerequisite expressions that
// eligibility checks evaluate. It imports only the standard library.
package domain

import "strings"

// Violation names one field of an aggregate (by its API name) and the rule it breaks.
type Violation struct {
	Field   string
	Message string
}

// Violations is the error a constructor returns when values break the aggregate's rules;
// it lists every broken rule, not just the first.
type Violations []Violation

func (v Violations) Error() string {
	parts := make([]string, 0, len(v))
	for _, x := range v {
		parts = append(parts, x.Field+" "+x.Message)
	}
	return "invalid: " + strings.Join(parts, "; ")
}

func (v *Violations) add(field, message string) {
	*v = append(*v, Violation{Field: field, Message: message})
}

func (v Violations) err() error {
	if len(v) == 0 {
		return nil
	}
	return v
}
