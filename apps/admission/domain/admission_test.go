package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/admission/domain"
)

var now = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

func newRecord(t *testing.T) *domain.Record {
	t.Helper()
	r, err := domain.NewRecord(domain.Student{StudentID: "s1", Name: "Grace Hopper", Programme: "CS"}, now)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func module(reg, code string, credits int) domain.Module {
	return domain.Module{RegistrationID: reg, ModuleCode: code, Credits: credits}
}

func TestNewRecordNeedsAStudent(t *testing.T) {
	if _, err := domain.NewRecord(domain.Student{}, now); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("NewRecord without a student id: %v", err)
	}
}

func TestAddModuleOncePerRegistration(t *testing.T) {
	r := newRecord(t)
	for i, want := range []bool{true, false, false} {
		added, err := r.AddModule(module("r1", "CS101", 15), r.Student, now)
		if err != nil || added != want {
			t.Fatalf("add %d: %v, %v; want %v", i+1, added, err, want)
		}
	}
	if len(r.Modules) != 1 || r.Version != 1 || len(r.Pending) != 1 {
		t.Fatalf("after three adds of one registration: %d modules, version %d, %d events", len(r.Modules), r.Version, len(r.Pending))
	}
	e := r.Pending[0]
	if e.ID != "admission:s1:v1" || e.Type != domain.TypeUpdated || e.Data.Change != domain.ChangeModuleAdded ||
		e.Data.ModuleCount != 1 || e.Data.TotalCredits != 15 || e.Data.AggregateVersion != 1 || e.Data.RegistrationID != "r1" {
		t.Fatalf("event: %+v", e)
	}
	if _, err := r.AddModule(domain.Module{RegistrationID: "r2"}, r.Student, now); !errors.Is(err, domain.ErrInvalid) {
		t.Fatalf("a module without a code: %v", err)
	}
}

func TestAddModuleRefreshesTheStudentOnly(t *testing.T) {
	r := newRecord(t)
	_, _ = r.AddModule(module("r1", "CS101", 15), domain.Student{StudentID: "s1", Name: "Grace M. Hopper", Programme: "CS"}, now)
	_, _ = r.AddModule(module("r2", "CS102", 15), domain.Student{StudentID: "other", Name: "Someone Else"}, now)
	if r.Name != "Grace M. Hopper" || r.StudentID != "s1" {
		t.Fatalf("student on the record: %+v", r.Student)
	}
}

func TestDropRemovesTheModuleAndALateConfirmationStaysOut(t *testing.T) {
	r := newRecord(t)
	_, _ = r.AddModule(module("r1", "CS101", 15), r.Student, now)
	_, _ = r.AddModule(module("r2", "MA101", 20), r.Student, now)
	if !r.RemoveModule("r1", "CS101", now) || r.RemoveModule("r1", "CS101", now) {
		t.Fatal("a drop applies once")
	}
	if len(r.Modules) != 1 || r.Modules[0].ModuleCode != "MA101" || r.Version != 3 || r.TotalCredits() != 20 {
		t.Fatalf("after the drop: %+v", r)
	}
	last := r.Pending[len(r.Pending)-1]
	if last.Data.Change != domain.ChangeModuleRemoved || last.Data.ModuleCode != "CS101" || last.Data.ModuleCount != 1 {
		t.Fatalf("drop event: %+v", last)
	}
	// The broker may deliver a drop before its confirmation.
	if !r.RemoveModule("r3", "PH101", now) || r.Version != 3 {
		t.Fatal("a drop of a module never added is remembered without a change of the plan")
	}
	if added, _ := r.AddModule(module("r3", "PH101", 10), r.Student, now); added {
		t.Fatal("a confirmation after its drop put the module back")
	}
}

func TestSetFormKeepsTheNewest(t *testing.T) {
	r := newRecord(t)
	_, _ = r.AddModule(module("r1", "CS101", 15), r.Student, now)
	_, _ = r.AddModule(module("r2", "CS102", 15), r.Student, now)
	if r.FormCurrent() {
		t.Fatal("no form yet")
	}
	v2 := domain.Form{Key: domain.FormKey("s1", 2), Version: 2}
	if old, taken := r.SetForm(v2); !taken || old != nil {
		t.Fatalf("first form: %v, %v", old, taken)
	}
	if _, taken := r.SetForm(domain.Form{Key: domain.FormKey("s1", 1), Version: 1}); taken {
		t.Fatal("an older form replaced a newer one")
	}
	_, _ = r.AddModule(module("r3", "CS103", 15), r.Student, now)
	if r.FormCurrent() {
		t.Fatal("the form does not show version 3")
	}
	if old, taken := r.SetForm(domain.Form{Key: domain.FormKey("s1", 3), Version: 3}); !taken || old == nil || old.Key != v2.Key {
		t.Fatalf("replacing version 2: %v, %v", old, taken)
	}
	if !r.FormCurrent() {
		t.Fatal("the form shows version 3")
	}
}

func TestMarkPublished(t *testing.T) {
	r := newRecord(t)
	_, _ = r.AddModule(module("r1", "CS101", 15), r.Student, now)
	if !r.MarkPublished("admission:s1:v1") || r.MarkPublished("admission:s1:v1") || len(r.Pending) != 0 {
		t.Fatal("an event leaves the pending list once")
	}
}
