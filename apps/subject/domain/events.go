package domain

import "time"

// Topic and event types of the module aggregate.
const (
	TopicSubjects         = "subjects"
	EventSubjectCreatedV1 = "subject.created.v1"
	EventSubjectUpdatedV1 = "subject.updated.v1"
	EventSubjectDeletedV1 = "subject.deleted.v1"
)

// SubjectFacts is the data of SubjectCreated and SubjectUpdated: the facts eligibility and
// fee calculations need, no personal data. Its JSON is the event contract
// (contracts/events/subject.{created,updated}.v1.schema.json).
type SubjectFacts struct {
	Code             string             `json:"code"`
	Title            string             `json:"title"`
	Credits          int                `json:"credits"`
	Fee              MoneyFacts         `json:"fee"`
	Level            int                `json:"level"`
	Programmes       []string           `json:"programmes"`
	TermsOffered     []Term             `json:"termsOffered"`
	Prerequisites    *PrerequisiteFacts `json:"prerequisites"`
	CoRequisites     []string           `json:"coRequisites"`
	AntiRequisites   []string           `json:"antiRequisites"`
	AggregateVersion int                `json:"aggregateVersion"`
	OccurredAt       time.Time          `json:"occurredAt"`
}

// MoneyFacts is Money as events carry it.
type MoneyFacts struct {
	AmountMinor int64  `json:"amountMinor"`
	Currency    string `json:"currency"`
}

// PrerequisiteFacts is a prerequisite expression as events carry it: a node with op and
// operands, or a leaf with module and minGrade.
type PrerequisiteFacts struct {
	Op       Op                  `json:"op,omitempty"`
	Operands []PrerequisiteFacts `json:"operands,omitempty"`
	Module   string              `json:"module,omitempty"`
	MinGrade Grade               `json:"minGrade,omitempty"`
}

// SubjectDeleted is the data of SubjectDeleted.
type SubjectDeleted struct {
	Code             string    `json:"code"`
	AggregateVersion int       `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// Facts returns the facts of m as SubjectCreated/SubjectUpdated carry them.
func (m Module) Facts() SubjectFacts {
	f := SubjectFacts{Code: m.Code, Title: m.Title, Credits: m.Credits,
		Fee: MoneyFacts{AmountMinor: m.Fee.AmountMinor, Currency: m.Fee.Currency}, Level: m.Level,
		Programmes: nonNil(m.Programmes), TermsOffered: nonNil(m.Terms), CoRequisites: nonNil(m.CoRequisites),
		AntiRequisites: nonNil(m.AntiRequisites), AggregateVersion: m.Version, OccurredAt: m.UpdatedAt}
	if m.Prerequisites != nil {
		p := prerequisiteFacts(*m.Prerequisites)
		f.Prerequisites = &p
	}
	return f
}

// DeletedFacts returns the data of SubjectDeleted for the tombstone m.
func (m Module) DeletedFacts() SubjectDeleted {
	return SubjectDeleted{Code: m.Code, AggregateVersion: m.Version, OccurredAt: m.UpdatedAt}
}

func prerequisiteFacts(p Prerequisite) PrerequisiteFacts {
	f := PrerequisiteFacts{Op: p.Op, Module: p.Module, MinGrade: p.MinGrade}
	for _, o := range p.Operands {
		f.Operands = append(f.Operands, prerequisiteFacts(o))
	}
	return f
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}
