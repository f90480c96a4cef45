// Package domain holds a student's admission: the record of who they are on their
// programme, their academic plan (the modules of their confirmed registrations), which
// admission form shows the current plan, and the events each change announces.
package domain

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Status is where an admission stands. A record exists once a registration was confirmed.
type Status string

// Admitted is the status of every admission record: the student holds at least one
// confirmed registration, or did (a plan whose modules were all dropped stays admitted).
const Admitted Status = "ADMITTED"

// Topic is the pub/sub topic of admission events; TypeUpdated is the one event type.
const (
	Topic       = "admissions"
	TypeUpdated = "admission.updated.v1"
)

// The changes an AdmissionUpdated event announces.
const (
	ChangeModuleAdded   = "MODULE_ADDED"
	ChangeModuleRemoved = "MODULE_REMOVED"
)

// ErrInvalid marks a refused constructor argument.
var ErrInvalid = errors.New("invalid admission")

// Module is one module of the academic plan: a confirmed registration.
type Module struct {
	RegistrationID string    `json:"registrationId"`
	ModuleCode     string    `json:"moduleCode"`
	ModuleTitle    string    `json:"moduleTitle"`
	SectionID      string    `json:"sectionId"`
	Semester       string    `json:"semester"`
	Credits        int       `json:"credits"`
	ConfirmedAt    time.Time `json:"confirmedAt"`
}

// Student is what the admission form shows about the student, looked up from the student
// app (events carry ids only).
type Student struct {
	StudentID     string `json:"studentId"`
	StudentNumber string `json:"studentNumber"`
	Name          string `json:"name"`
	Programme     string `json:"programme"`
}

// Form is the admission form object that shows the plan as of record version Version.
type Form struct {
	Key        string    `json:"key"`
	Version    int64     `json:"version"`
	SHA256     string    `json:"sha256"`
	Size       int       `json:"size"`
	RenderedAt time.Time `json:"renderedAt"`
}

// Event is an event recorded with the change that caused it and published afterwards:
// the record store has no transactions, so the pending events travel inside the document
// and leave it once the broker has them.
type Event struct {
	ID   string  `json:"id"`
	Type string  `json:"type"`
	Data Updated `json:"data"`
}

// Updated is the data of admission.updated.v1: ids and facts, no personal data.
type Updated struct {
	StudentID        string    `json:"studentId"`
	RegistrationID   string    `json:"registrationId"`
	ModuleCode       string    `json:"moduleCode"`
	Change           string    `json:"change"`
	ModuleCount      int       `json:"moduleCount"`
	TotalCredits     int       `json:"totalCredits"`
	AggregateVersion int64     `json:"aggregateVersion"`
	OccurredAt       time.Time `json:"occurredAt"`
}

// Record is one student's admission record and academic plan, keyed by the student id.
type Record struct {
	Student
	Status  Status   `json:"status"`
	Modules []Module `json:"modules"`
	// Dropped remembers dropped registrations, so that a confirmation delivered after its
	// drop (the broker may reorder) does not put the module back.
	Dropped   []string  `json:"dropped,omitempty"`
	Form      *Form     `json:"form,omitempty"`
	Pending   []Event   `json:"pending,omitempty"`
	Version   int64     `json:"version"`
	CreatedAt time.Time `json:"createdAt"`
	UpdatedAt time.Time `json:"updatedAt"`
}

// NewRecord starts the admission record of a student.
func NewRecord(s Student, now time.Time) (*Record, error) {
	if strings.TrimSpace(s.StudentID) == "" {
		return nil, fmt.Errorf("%w: student id is required", ErrInvalid)
	}
	return &Record{Student: s, Status: Admitted, Modules: []Module{}, CreatedAt: now, UpdatedAt: now}, nil
}

// DocumentKey is the record's key in the document store: the business id.
func DocumentKey(studentID string) string { return "admission::" + studentID }

// HasRegistration reports whether the registration is already applied to the plan, as a
// module or as a drop.
func (r *Record) HasRegistration(id string) bool {
	return slices.Contains(r.Dropped, id) || slices.ContainsFunc(r.Modules, func(m Module) bool { return m.RegistrationID == id })
}

// HasDrop reports whether the registration's drop is already applied.
func (r *Record) HasDrop(id string) bool { return slices.Contains(r.Dropped, id) }

// AddModule puts a confirmed registration's module on the plan, refreshes what the record
// shows about the student and records the event. It reports false (and changes nothing)
// when the registration was applied before or was dropped: the business key makes repeated
// and late deliveries harmless.
func (r *Record) AddModule(m Module, s Student, now time.Time) (bool, error) {
	if m.RegistrationID == "" || m.ModuleCode == "" {
		return false, fmt.Errorf("%w: a module needs its registration id and module code", ErrInvalid)
	}
	if r.HasRegistration(m.RegistrationID) {
		return false, nil
	}
	if s.StudentID == r.StudentID {
		r.Student = s
	}
	r.Modules = append(r.Modules, m)
	r.changed(m, ChangeModuleAdded, now)
	return true, nil
}

// RemoveModule takes a dropped registration's module off the plan. It remembers the drop
// even when the module was never added, and reports false for a drop applied before.
func (r *Record) RemoveModule(registrationID, moduleCode string, now time.Time) bool {
	if slices.Contains(r.Dropped, registrationID) {
		return false
	}
	r.Dropped = append(r.Dropped, registrationID)
	i := slices.IndexFunc(r.Modules, func(m Module) bool { return m.RegistrationID == registrationID })
	if i < 0 {
		return true
	}
	m := r.Modules[i]
	r.Modules = slices.Delete(r.Modules, i, i+1)
	if moduleCode == "" {
		moduleCode = m.ModuleCode
	}
	m.ModuleCode = moduleCode
	r.changed(m, ChangeModuleRemoved, now)
	return true
}

func (r *Record) changed(m Module, change string, now time.Time) {
	r.Version++
	r.UpdatedAt = now
	r.Pending = append(r.Pending, Event{
		ID:   fmt.Sprintf("admission:%s:v%d", r.StudentID, r.Version),
		Type: TypeUpdated,
		Data: Updated{StudentID: r.StudentID, RegistrationID: m.RegistrationID, ModuleCode: m.ModuleCode,
			Change: change, ModuleCount: len(r.Modules), TotalCredits: r.TotalCredits(),
			AggregateVersion: r.Version, OccurredAt: now},
	})
}

// TotalCredits sums the credits of the plan.
func (r *Record) TotalCredits() int {
	n := 0
	for _, m := range r.Modules {
		n += m.Credits
	}
	return n
}

// FormCurrent reports whether the stored form shows the current plan.
func (r *Record) FormCurrent() bool { return r.Form != nil && r.Form.Version >= r.Version }

// FormKey is the object key of the form showing version v of a student's plan: one object
// per version, so a slow writer of an old version can never overwrite a newer form.
func FormKey(studentID string, v int64) string {
	return fmt.Sprintf("forms/%s/admission-form-v%d.pdf", studentID, v)
}

// SetForm points the record at a newly stored form unless it already shows a newer one. It
// returns the form it replaced (to delete) and whether f was taken.
func (r *Record) SetForm(f Form) (replaced *Form, taken bool) {
	if r.Form != nil && r.Form.Version >= f.Version {
		return nil, false
	}
	old := r.Form
	r.Form = &f
	return old, true
}

// MarkPublished removes the published event from the pending ones; false if it was gone.
func (r *Record) MarkPublished(eventID string) bool {
	i := slices.IndexFunc(r.Pending, func(e Event) bool { return e.ID == eventID })
	if i < 0 {
		return false
	}
	r.Pending = slices.Delete(r.Pending, i, i+1)
	return true
}
