// Package templates renders the messages students receive: one HTML and one plain-text
// template per message (html/template escapes what students typed, such as their names),
// embedded in the binary so a deployment cannot lose them.
package templates

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
	"strings"
	texttemplate "text/template"

	"github.com/registrar-edu/registrar/apps/notification/domain"
)

//go:embed files/*.tmpl
var files embed.FS

// Data is what a message may mention. Personal data (the name) is looked up at send time
// and never stored.
type Data struct {
	Institution    string
	GivenName      string
	FamilyName     string
	StudentNumber  string
	RegistrationID string
	ModuleCode     string
	ModuleTitle    string
	Semester       string
	Reason         string
	Fee            string // formatted, e.g. "GBP 1,250.00"
}

// Message is a rendered message.
type Message struct {
	Subject string
	Text    string
	HTML    string
}

// Set is the parsed templates, one HTML and one text template per domain.Template.
type Set struct {
	html map[domain.Template]*htmltemplate.Template
	text map[domain.Template]*texttemplate.Template
}

// Load parses every template; a missing or broken one fails at start, not at send time.
func Load() (*Set, error) {
	s := &Set{html: map[domain.Template]*htmltemplate.Template{}, text: map[domain.Template]*texttemplate.Template{}}
	for _, t := range domain.Templates {
		h, err := htmltemplate.New(string(t)).Option("missingkey=error").
			ParseFS(files, "files/layout.html.tmpl", "files/"+string(t)+".html.tmpl")
		if err != nil {
			return nil, fmt.Errorf("template %s (html): %w", t, err)
		}
		x, err := texttemplate.New(string(t)).Option("missingkey=error").
			ParseFS(files, "files/layout.txt.tmpl", "files/"+string(t)+".txt.tmpl")
		if err != nil {
			return nil, fmt.Errorf("template %s (text): %w", t, err)
		}
		s.html[t], s.text[t] = h, x
	}
	return s, nil
}

// Render renders the subject, text and HTML of template t.
func (s *Set) Render(t domain.Template, d Data) (Message, error) {
	h, ok := s.html[t]
	if !ok {
		return Message{}, fmt.Errorf("no template %q", t)
	}
	var subject, text, html bytes.Buffer
	if err := s.text[t].ExecuteTemplate(&subject, "subject", d); err != nil {
		return Message{}, fmt.Errorf("render %s subject: %w", t, err)
	}
	if err := s.text[t].ExecuteTemplate(&text, "layout", d); err != nil {
		return Message{}, fmt.Errorf("render %s text: %w", t, err)
	}
	if err := h.ExecuteTemplate(&html, "layout", d); err != nil {
		return Message{}, fmt.Errorf("render %s html: %w", t, err)
	}
	// A subject is one line: a newline in it would start a new mail header.
	subj := strings.Join(strings.Fields(subject.String()), " ")
	return Message{Subject: subj, Text: strings.TrimSpace(text.String()) + "\n", HTML: html.String()}, nil
}

// FormatFee formats an amount in minor units, e.g. 125000 GBP → "GBP 1,250.00".
func FormatFee(minor int64, currency string) string {
	if currency == "" {
		return ""
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	units := fmt.Sprint(minor / 100)
	var grouped []string
	for len(units) > 3 {
		grouped = append([]string{units[len(units)-3:]}, grouped...)
		units = units[:len(units)-3]
	}
	grouped = append([]string{units}, grouped...)
	return fmt.Sprintf("%s %s%s.%02d", currency, sign, strings.Join(grouped, ","), minor%100)
}
