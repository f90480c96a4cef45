package adapters_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/admission/adapters"
	"github.com/registrar-edu/registrar/apps/admission/domain"
)

func TestFPDFFormsShowsTheStudentAndModulesAndIsDeterministic(t *testing.T) {
	now := time.Date(2026, 9, 1, 10, 0, 0, 0, time.UTC)
	r, _ := domain.NewRecord(domain.Student{StudentID: "6f1c", StudentNumber: "s2026001", Name: "José Núñez",
		Programme: "CS-BSC"}, now)
	_, _ = r.AddModule(domain.Module{RegistrationID: "r1", ModuleCode: "CS101", ModuleTitle: "Programming (intro)",
		Semester: "2026-AUT", Credits: 15}, r.Student, now)
	_, _ = r.AddModule(domain.Module{RegistrationID: "r2", ModuleCode: "MA102", ModuleTitle: "Calculus",
		Semester: "2026-AUT", Credits: 20}, r.Student, now)
	forms := adapters.FPDFForms{Institution: "Registrar University"}
	a, err := forms.Render(r)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(a, []byte("%PDF-")) {
		t.Fatalf("not a PDF: %q", a[:20])
	}
	// Uncompressed, code page 1252: the text is in the content stream as written.
	for _, want := range [][]byte{[]byte("Jos\xe9 N\xfa\xf1ez"), []byte("CS101"), []byte("MA102"), []byte("CS-BSC"),
		[]byte("Programming \\(intro\\)"), []byte("35")} {
		if !bytes.Contains(a, want) {
			t.Errorf("the form does not contain %q", want)
		}
	}
	b, _ := forms.Render(r)
	if !bytes.Equal(a, b) {
		t.Fatal("the same record rendered to different bytes")
	}
}
