package adapters

import (
	"context"
	"net/http"
	"net/url"
	"strings"

	"github.com/registrar-edu/registrar/apps/admission/app"
	"github.com/registrar-edu/registrar/apps/admission/domain"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// DaprDirectory looks students up in the student app and modules in the subject app through
// Dapr service invocation (mTLS; each app's access control admits the admission app on
// exactly these routes).
type DaprDirectory struct {
	Invoker    *daprx.Invoker
	StudentApp string
	SubjectApp string
}

var _ app.Directory = (*DaprDirectory)(nil)

// Student returns the student's name, number and programme.
func (d *DaprDirectory) Student(ctx context.Context, studentID string) (domain.Student, error) {
	var p struct {
		ID            string `json:"id"`
		StudentNumber string `json:"studentNumber"`
		GivenName     string `json:"givenName"`
		FamilyName    string `json:"familyName"`
		Programme     string `json:"programme"`
	}
	if _, err := d.Invoker.Call(ctx, d.StudentApp, http.MethodGet,
		"/internal/v1/students/"+url.PathEscape(studentID), nil, &p); err != nil {
		return domain.Student{}, lookupError(err)
	}
	return domain.Student{StudentID: studentID, StudentNumber: p.StudentNumber,
		Name: strings.TrimSpace(p.GivenName + " " + p.FamilyName), Programme: p.Programme}, nil
}

// Module returns the module's title and credits from the catalogue.
func (d *DaprDirectory) Module(ctx context.Context, code string) (string, int, error) {
	var m struct {
		Title   string `json:"title"`
		Credits int    `json:"credits"`
	}
	if _, err := d.Invoker.Call(ctx, d.SubjectApp, http.MethodGet, "/api/v1/subjects/"+url.PathEscape(code), nil, &m); err != nil {
		return "", 0, lookupError(err)
	}
	return m.Title, m.Credits, nil
}

// lookupError keeps "not found" (the event names what does not exist: poison) and makes
// every other failure retryable, a refusal by access control included: that is a
// misconfiguration to fix, not a reason to lose the event.
func lookupError(err error) error {
	if errs.KindOf(err) == errs.NotFound {
		return err
	}
	return errs.Wrap(errs.Unavailable, err, "a lookup for the admission form failed")
}
