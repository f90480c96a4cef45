// Package domain maps Registrar's facts onto the legacy ERP's records. The ERP's layout is
// the ERP's (see legacy-erp.sql): this package decides what goes into each column, and
// refuses facts the ERP cannot hold, so a bad event is dropped instead of retried.
package domain

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ErrUnmappable marks a fact that can never become an ERP record (a malformed event, a
// value too long for the ERP's columns): redelivering it would fail the same way.
var ErrUnmappable = errors.New("cannot be mapped onto the legacy ERP")

func unmappable(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrUnmappable, fmt.Sprintf(format, a...))
}

// StudentRecord is what the student app tells erp-sync about a student (events carry ids
// only, so names come from the student app).
type StudentRecord struct {
	ID            string `json:"id"`
	StudentNumber string `json:"studentNumber"`
	GivenName     string `json:"givenName"`
	FamilyName    string `json:"familyName"`
	Programme     string `json:"programme"`
	YearOfStudy   int    `json:"yearOfStudy"`
	Version       int    `json:"version"`
}

// StudentMaster is one STUDENT_MASTER row.
type StudentMaster struct {
	StudentID   string
	StudentNo   string
	Surname     string
	Forenames   string
	ProgCode    string
	YearOfStudy int
	// SrcVersion is the student record's version: the ERP keeps the newest it was sent.
	SrcVersion int
}

// Column widths of the ERP's tables.
const (
	maxStudentNo = 20
	maxName      = 100
	maxProgCode  = 16
	maxModule    = 10
)

var uuidRule = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

func checkID(field, v string) error {
	if !uuidRule.MatchString(v) {
		return unmappable("%s %q is not a lower-case UUID", field, v)
	}
	return nil
}

func checkText(field, v string, max int) error {
	switch {
	case strings.TrimSpace(v) == "":
		return unmappable("%s is empty", field)
	case len([]rune(v)) > max:
		return unmappable("%s is longer than the ERP's %d characters", field, max)
	}
	return nil
}

// NewStudentMaster maps a student record onto its STUDENT_MASTER row.
func NewStudentMaster(r StudentRecord) (StudentMaster, error) {
	if err := errors.Join(checkID("student id", r.ID),
		checkText("student number", r.StudentNumber, maxStudentNo),
		checkText("family name", r.FamilyName, maxName),
		checkText("given name", r.GivenName, maxName),
		checkText("programme", r.Programme, maxProgCode)); err != nil {
		return StudentMaster{}, err
	}
	if r.YearOfStudy < 1 || r.YearOfStudy > 9 {
		return StudentMaster{}, unmappable("year of study %d is outside 1-9", r.YearOfStudy)
	}
	if r.Version < 1 {
		return StudentMaster{}, unmappable("student record version %d is not positive", r.Version)
	}
	return StudentMaster{StudentID: r.ID, StudentNo: strings.ToUpper(r.StudentNumber), Surname: r.FamilyName,
		Forenames: r.GivenName, ProgCode: strings.ToUpper(r.Programme), YearOfStudy: r.YearOfStudy, SrcVersion: r.Version}, nil
}

// RegistrationConfirmed is the data of registration.confirmed.v1 that the ERP needs.
type RegistrationConfirmed struct {
	RegistrationID   string `json:"registrationId"`
	StudentID        string `json:"studentId"`
	SectionID        string `json:"sectionId"`
	ModuleCode       string `json:"moduleCode"`
	Semester         string `json:"semester"`
	Status           string `json:"status"`
	FeeMinor         int64  `json:"feeMinor"`
	Currency         string `json:"currency"`
	AggregateVersion int    `json:"aggregateVersion"`
	OccurredAt       string `json:"occurredAt"`
}

// EnrolmentConfirmed is the ERP's ENROL_STATUS of a confirmed enrolment.
const EnrolmentConfirmed = "C"

// Enrolment is one ENROLMENT row.
type Enrolment struct {
	RegID       string
	StudentID   string
	ModuleCode  string
	SectionID   string
	AcadYear    int
	TermCode    string
	FeeMinor    int64
	Currency    string
	Status      string
	ConfirmedAt time.Time // UTC
	SrcVersion  int
}

var (
	semesterRule = regexp.MustCompile(`^([0-9]{4})-(AUT|SPR|SUM)$`)
	currencyRule = regexp.MustCompile(`^[A-Z]{3}$`)
	moduleRule   = regexp.MustCompile(`^[A-Z]{2,5}[0-9]{3,4}$`)
)

// NewEnrolment maps a confirmed registration onto its ENROLMENT row. The semester
// "2026-AUT" becomes the ERP's academic year 2026 and term AUT; the confirmation time is
// the event's occurredAt, so a redelivery writes the same value.
func NewEnrolment(e RegistrationConfirmed) (Enrolment, error) {
	if err := errors.Join(checkID("registration id", e.RegistrationID), checkID("student id", e.StudentID),
		checkID("section id", e.SectionID)); err != nil {
		return Enrolment{}, err
	}
	if e.Status != "CONFIRMED" {
		return Enrolment{}, unmappable("status %q is not CONFIRMED", e.Status)
	}
	if !moduleRule.MatchString(e.ModuleCode) || len(e.ModuleCode) > maxModule {
		return Enrolment{}, unmappable("module code %q is not a module code", e.ModuleCode)
	}
	m := semesterRule.FindStringSubmatch(e.Semester)
	if m == nil {
		return Enrolment{}, unmappable("semester %q is not YYYY-AUT|SPR|SUM", e.Semester)
	}
	year, _ := strconv.Atoi(m[1])
	if e.FeeMinor < 0 {
		return Enrolment{}, unmappable("fee %d is negative", e.FeeMinor)
	}
	if !currencyRule.MatchString(e.Currency) {
		return Enrolment{}, unmappable("currency %q is not an ISO 4217 code", e.Currency)
	}
	at, err := time.Parse(time.RFC3339Nano, e.OccurredAt)
	if err != nil {
		return Enrolment{}, unmappable("occurredAt %q is not an RFC 3339 time", e.OccurredAt)
	}
	if e.AggregateVersion < 1 {
		return Enrolment{}, unmappable("aggregate version %d is not positive", e.AggregateVersion)
	}
	return Enrolment{RegID: e.RegistrationID, StudentID: e.StudentID, ModuleCode: e.ModuleCode, SectionID: e.SectionID,
		AcadYear: year, TermCode: m[2], FeeMinor: e.FeeMinor, Currency: e.Currency, Status: EnrolmentConfirmed,
		// The ERP's DATETIME(6) holds microseconds.
		ConfirmedAt: at.UTC().Truncate(time.Microsecond), SrcVersion: e.AggregateVersion}, nil
}
