package templates

import (
	"strings"
	"testing"

	"github.com/registrar-edu/registrar/apps/notification/domain"
)

func TestEveryTemplateRenders(t *testing.T) {
	s, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	d := Data{Institution: "Registrar University", GivenName: "Ada", FamilyName: "Lovelace", StudentNumber: "S1",
		RegistrationID: "r-123", ModuleCode: "CS101", ModuleTitle: "Programming", Semester: "2027-SPR",
		Reason: "payment declined (insufficient_funds)", Fee: FormatFee(125000, "GBP")}
	subjects := map[string]bool{}
	for _, tmpl := range domain.Templates {
		m, err := s.Render(tmpl, d)
		if err != nil {
			t.Fatalf("%s: %v", tmpl, err)
		}
		if m.Subject == "" || strings.Contains(m.Subject, "\n") || subjects[m.Subject] {
			t.Errorf("%s: subject %q", tmpl, m.Subject)
		}
		subjects[m.Subject] = true
		for _, body := range []string{m.Text, m.HTML} {
			if !strings.Contains(body, "Ada") || !strings.Contains(body, "Registrar University") {
				t.Errorf("%s: body does not greet the student or sign:\n%s", tmpl, body)
			}
		}
		if !strings.HasPrefix(m.HTML, "<!DOCTYPE html>") || strings.Contains(m.Text, "<p>") {
			t.Errorf("%s: html/text mixed up", tmpl)
		}
		if tmpl != domain.Welcome && (!strings.Contains(m.Text, "CS101 Programming") || !strings.Contains(m.HTML, "r-123")) {
			t.Errorf("%s: module or registration missing:\n%s", tmpl, m.Text)
		}
	}
	m, _ := s.Render(domain.PaymentFailed, d)
	if !strings.Contains(m.Text, "insufficient_funds") {
		t.Errorf("the failure reason is missing:\n%s", m.Text)
	}
	m, _ = s.Render(domain.RegistrationConfirmed, d)
	if !strings.Contains(m.Text, "GBP 1,250.00") {
		t.Errorf("the fee is missing:\n%s", m.Text)
	}
}

func TestHTMLEscapesWhatStudentsTyped(t *testing.T) {
	s, _ := Load()
	m, err := s.Render(domain.Welcome, Data{GivenName: `<script>alert(1)</script>`, Institution: "U"})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.HTML, "<script>") || !strings.Contains(m.HTML, "&lt;script&gt;") {
		t.Fatalf("name not escaped:\n%s", m.HTML)
	}
	m, _ = s.Render(domain.RegistrationConfirmed, Data{GivenName: "A", ModuleCode: "CS1\r\nBcc: x@y", ModuleTitle: "T"})
	if strings.ContainsAny(m.Subject, "\r\n") {
		t.Fatalf("subject spans lines: %q", m.Subject)
	}
}

func TestFormatFee(t *testing.T) {
	for in, want := range map[int64]string{0: "GBP 0.00", 5: "GBP 0.05", 125000: "GBP 1,250.00", 123456789: "GBP 1,234,567.89", -250: "GBP -2.50"} {
		if got := FormatFee(in, "GBP"); got != want {
			t.Errorf("%d: %s, want %s", in, got, want)
		}
	}
	if FormatFee(100, "") != "" {
		t.Error("a fee without currency")
	}
}
