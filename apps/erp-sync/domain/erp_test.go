package domain

import (
	"errors"
	"strings"
	"testing"
	"time"
)

const (
	studentID = "0b6f4c1e-8d0e-4a51-9c55-3f2d2f8f2a10"
	regID     = "6a1d3c52-7e0b-4f0e-8b9a-2b1b4a3c9d01"
	sectionID = "f3a9e0d2-1c4b-4e8f-a7d6-5b2c8e9f0a13"
)

func confirmed() RegistrationConfirmed {
	return RegistrationConfirmed{RegistrationID: regID, StudentID: studentID, SectionID: sectionID, ModuleCode: "CS1010",
		Semester: "2026-AUT", Status: "CONFIRMED", FeeMinor: 125050, Currency: "GBP", AggregateVersion: 3,
		OccurredAt: "2026-09-01T10:15:30.123456789+02:00"}
}

func TestNewEnrolmentMapsTheConfirmedRegistration(t *testing.T) {
	got, err := NewEnrolment(confirmed())
	if err != nil {
		t.Fatal(err)
	}
	want := Enrolment{RegID: regID, StudentID: studentID, ModuleCode: "CS1010", SectionID: sectionID, AcadYear: 2026,
		TermCode: "AUT", FeeMinor: 125050, Currency: "GBP", Status: "C",
		ConfirmedAt: time.Date(2026, 9, 1, 8, 15, 30, 123456000, time.UTC), SrcVersion: 3}
	if got != want {
		t.Fatalf("enrolment\n got %+v\nwant %+v", got, want)
	}
	if got.ConfirmedAt.Location() != time.UTC {
		t.Fatalf("confirmed-at is in %v, the ERP stores UTC", got.ConfirmedAt.Location())
	}
}

func TestNewEnrolmentRefusesWhatTheERPCannotHold(t *testing.T) {
	cases := map[string]func(*RegistrationConfirmed){
		"not confirmed":    func(e *RegistrationConfirmed) { e.Status = "PENDING_PAYMENT" },
		"bad registration": func(e *RegistrationConfirmed) { e.RegistrationID = "42" },
		"no student":       func(e *RegistrationConfirmed) { e.StudentID = "" },
		"bad section":      func(e *RegistrationConfirmed) { e.SectionID = strings.ToUpper(sectionID) },
		"bad module":       func(e *RegistrationConfirmed) { e.ModuleCode = "cs1010'; DROP TABLE ENROLMENT; --" },
		"bad semester":     func(e *RegistrationConfirmed) { e.Semester = "2026-WIN" },
		"negative fee":     func(e *RegistrationConfirmed) { e.FeeMinor = -1 },
		"bad currency":     func(e *RegistrationConfirmed) { e.Currency = "gbp" },
		"bad time":         func(e *RegistrationConfirmed) { e.OccurredAt = "yesterday" },
		"no version":       func(e *RegistrationConfirmed) { e.AggregateVersion = 0 },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			e := confirmed()
			change(&e)
			if _, err := NewEnrolment(e); !errors.Is(err, ErrUnmappable) {
				t.Fatalf("got %v, want ErrUnmappable", err)
			}
		})
	}
}

func record() StudentRecord {
	return StudentRecord{ID: studentID, StudentNumber: "s2026001", GivenName: "Ada Augusta", FamilyName: "King-Noël",
		Programme: "cs", YearOfStudy: 2, Version: 4}
}

func TestNewStudentMasterMapsTheRecord(t *testing.T) {
	got, err := NewStudentMaster(record())
	if err != nil {
		t.Fatal(err)
	}
	want := StudentMaster{StudentID: studentID, StudentNo: "S2026001", Surname: "King-Noël", Forenames: "Ada Augusta",
		ProgCode: "CS", YearOfStudy: 2, SrcVersion: 4}
	if got != want {
		t.Fatalf("student master\n got %+v\nwant %+v", got, want)
	}
}

func TestNewStudentMasterRefusesWhatTheERPCannotHold(t *testing.T) {
	cases := map[string]func(*StudentRecord){
		"bad id":         func(r *StudentRecord) { r.ID = "nope" },
		"no number":      func(r *StudentRecord) { r.StudentNumber = " " },
		"long surname":   func(r *StudentRecord) { r.FamilyName = strings.Repeat("ö", 101) },
		"no forenames":   func(r *StudentRecord) { r.GivenName = "" },
		"long programme": func(r *StudentRecord) { r.Programme = strings.Repeat("X", 17) },
		"year zero":      func(r *StudentRecord) { r.YearOfStudy = 0 },
		"no version":     func(r *StudentRecord) { r.Version = 0 },
	}
	for name, change := range cases {
		t.Run(name, func(t *testing.T) {
			r := record()
			change(&r)
			if _, err := NewStudentMaster(r); !errors.Is(err, ErrUnmappable) {
				t.Fatalf("got %v, want ErrUnmappable", err)
			}
		})
	}
	// 100 characters fit, whatever their bytes.
	r := record()
	r.FamilyName = strings.Repeat("ö", 100)
	if _, err := NewStudentMaster(r); err != nil {
		t.Fatalf("a 100-character surname was refused: %v", err)
	}
}
