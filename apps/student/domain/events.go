package domain

import "time"

// Topic of the student aggregate's events and their types. Events carry ids and facts
// only: consumers look personal data up, so no event log ever holds it.
const (
	TopicStudents          = "students"
	EventStudentCreatedV1  = "student.created.v1"
	EventStudentUpdatedV1  = "student.updated.v1"
	EventHistoryRecordedV1 = "student.history-recorded.v1"
	EventHoldPlacedV1      = "student.hold-placed.v1"
	EventHoldLiftedV1      = "student.hold-lifted.v1"
)

// StudentCreated announces a new student.
type StudentCreated struct {
	StudentID        string    `json:"studentId"`
	Programme        string    `json:"programme"`
	YearOfStudy      int       `json:"yearOfStudy"`
	AggregateVersion int       `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// Created returns the StudentCreated event for s.
func (s Student) Created() StudentCreated {
	return StudentCreated{StudentID: s.ID, Programme: s.Programme, YearOfStudy: s.YearOfStudy,
		AggregateVersion: s.Version, OccurredAt: s.CreatedAt}
}

// StudentUpdated announces a changed profile; which personal fields changed is not said.
type StudentUpdated struct {
	StudentID        string    `json:"studentId"`
	Programme        string    `json:"programme"`
	YearOfStudy      int       `json:"yearOfStudy"`
	AggregateVersion int       `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// HistoryRecorded announces a completed module (prerequisite checks read it).
type HistoryRecorded struct {
	StudentID        string    `json:"studentId"`
	ModuleCode       string    `json:"moduleCode"`
	Grade            string    `json:"grade"`
	Term             string    `json:"term"`
	Credits          int       `json:"credits"`
	AggregateVersion int       `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// HoldChanged announces a hold placed or lifted (its reason stays in the student service).
type HoldChanged struct {
	StudentID        string    `json:"studentId"`
	HoldID           string    `json:"holdId"`
	Kind             HoldKind  `json:"kind"`
	AggregateVersion int       `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}
