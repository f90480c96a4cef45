package domain

import (
	"errors"
	"strings"
)

// Violation names one field of a schedule entity and the rule it breaks.
type Violation struct {
	Field   string
	Message string
}

// RuleError is returned when an entity would break the schedule's rules. It lists every
// violation found, so a client can fix them all at once.
type RuleError struct {
	Message    string
	Violations []Violation
}

func (e *RuleError) Error() string {
	parts := make([]string, 0, len(e.Violations))
	for _, v := range e.Violations {
		parts = append(parts, v.Field+" "+v.Message)
	}
	return e.Message + ": " + strings.Join(parts, "; ")
}

// AsRuleError returns the RuleError in err's chain, if any.
func AsRuleError(err error) (*RuleError, bool) {
	var re *RuleError
	ok := errors.As(err, &re)
	return re, ok
}

// violations collects broken rules while a constructor checks its input.
type violations []Violation

func (v *violations) add(field, message string) { *v = append(*v, Violation{field, message}) }

func (v violations) err(message string) error {
	if len(v) == 0 {
		return nil
	}
	return &RuleError{Message: message, Violations: v}
}
