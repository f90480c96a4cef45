package adapters

import (
	"bytes"
	"fmt"
	"strings"

	"codeberg.org/go-pdf/fpdf"

	"github.com/registrar-edu/registrar/apps/admission/app"
	"github.com/registrar-edu/registrar/apps/admission/domain"
)

// FPDFForms renders admission forms with fpdf (codeberg.org/go-pdf/fpdf, the maintained
// continuation of gofpdf; already in the module graph through gonum/plot). The standard
// Helvetica font needs no font files; text is translated to code page 1252.
type FPDFForms struct {
	// Institution is printed in the form's header.
	Institution string
	// Compress compresses the page streams. Off, the text is readable in the file itself
	// (the end-to-end tests look for the student's name and module codes in it).
	Compress bool
}

var _ app.FormRenderer = FPDFForms{}

// Render draws the form: the student, their programme, the modules of the plan with
// credits, and the record version. Dates come from the record, never the clock, so one
// version always renders to the same bytes.
func (f FPDFForms) Render(r *domain.Record) ([]byte, error) {
	pdf := fpdf.New("P", "mm", "A4", "")
	pdf.SetCompression(f.Compress)
	pdf.SetCreationDate(r.UpdatedAt)
	pdf.SetModificationDate(r.UpdatedAt)
	pdf.SetCatalogSort(true)
	pdf.SetProducer("Registrar", true)
	pdf.SetTitle("Admission form", true)
	pdf.SetSubject("Admission form of student "+r.StudentNumber, true)
	tr := pdf.UnicodeTranslatorFromDescriptor("")
	pdf.SetMargins(20, 20, 20)
	pdf.AddPage()

	institution := f.Institution
	if institution == "" {
		institution = "Registrar"
	}
	pdf.SetFont("Helvetica", "B", 18)
	pdf.CellFormat(0, 10, tr(institution), "", 1, "L", false, 0, "")
	pdf.SetFont("Helvetica", "", 13)
	pdf.CellFormat(0, 8, "Admission form", "", 1, "L", false, 0, "")
	pdf.Ln(6)

	field := func(label, value string) {
		pdf.SetFont("Helvetica", "B", 11)
		pdf.CellFormat(45, 7, tr(label), "", 0, "L", false, 0, "")
		pdf.SetFont("Helvetica", "", 11)
		pdf.CellFormat(0, 7, tr(value), "", 1, "L", false, 0, "")
	}
	field("Student", r.Name)
	field("Student number", r.StudentNumber)
	field("Student id", r.StudentID)
	field("Programme", r.Programme)
	field("Status", string(r.Status))
	field("Plan version", fmt.Sprintf("%d, %s", r.Version, r.UpdatedAt.UTC().Format("2 January 2006 15:04 MST")))
	pdf.Ln(6)

	pdf.SetFont("Helvetica", "B", 11)
	widths := []float64{25, 80, 30, 20, 15}
	for i, h := range []string{"Module", "Title", "Semester", "Credits", ""} {
		pdf.CellFormat(widths[i], 8, h, "B", 0, "L", false, 0, "")
	}
	pdf.Ln(-1)
	pdf.SetFont("Helvetica", "", 10)
	for _, m := range r.Modules {
		pdf.CellFormat(widths[0], 7, tr(m.ModuleCode), "", 0, "L", false, 0, "")
		pdf.CellFormat(widths[1], 7, tr(truncate(m.ModuleTitle, 48)), "", 0, "L", false, 0, "")
		pdf.CellFormat(widths[2], 7, tr(m.Semester), "", 0, "L", false, 0, "")
		pdf.CellFormat(widths[3], 7, fmt.Sprint(m.Credits), "", 1, "R", false, 0, "")
	}
	if len(r.Modules) == 0 {
		pdf.CellFormat(0, 7, "No modules on the plan.", "", 1, "L", false, 0, "")
	}
	pdf.SetFont("Helvetica", "B", 10)
	pdf.CellFormat(widths[0]+widths[1]+widths[2], 8, "Total credits", "T", 0, "L", false, 0, "")
	pdf.CellFormat(widths[3], 8, fmt.Sprint(r.TotalCredits()), "T", 1, "R", false, 0, "")

	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return nil, fmt.Errorf("render admission form: %w", err)
	}
	return buf.Bytes(), nil
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}
