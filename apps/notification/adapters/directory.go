package adapters

import (
	"context"
	"net/http"
	"net/url"
	"sync"
	"time"

	"github.com/registrar-edu/registrar/apps/notification/app"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
)

// InvocationDirectory looks students up in the student app and module titles in the
// subject app, through Dapr service invocation (mTLS; both apps' access control lists this
// app for exactly these paths). Titles are cached for a while: they rarely change.
type InvocationDirectory struct {
	Invoker  *daprx.Invoker
	TitleTTL time.Duration

	mu     sync.Mutex
	titles map[string]cachedTitle
}

type cachedTitle struct {
	title string
	at    time.Time
}

var _ app.Directory = (*InvocationDirectory)(nil)

type contactResponse struct {
	StudentNumber string `json:"studentNumber"`
	GivenName     string `json:"givenName"`
	FamilyName    string `json:"familyName"`
	Email         string `json:"email"`
}

// Contact returns the student's name and address (errs.NotFound for an unknown student).
func (d *InvocationDirectory) Contact(ctx context.Context, studentID string) (app.Contact, error) {
	var c contactResponse
	if _, err := d.Invoker.Call(ctx, "student", http.MethodGet, "/internal/v1/contacts/"+url.PathEscape(studentID), nil, &c); err != nil {
		return app.Contact{}, err
	}
	return app.Contact{GivenName: c.GivenName, FamilyName: c.FamilyName, StudentNumber: c.StudentNumber, Email: c.Email}, nil
}

// ModuleTitle returns a module's title from the catalogue.
func (d *InvocationDirectory) ModuleTitle(ctx context.Context, code string) (string, error) {
	d.mu.Lock()
	c, ok := d.titles[code]
	d.mu.Unlock()
	if ok && time.Since(c.at) < d.TitleTTL {
		return c.title, nil
	}
	var m struct {
		Title string `json:"title"`
	}
	if _, err := d.Invoker.Call(ctx, "subject", http.MethodGet, "/api/v1/subjects/"+url.PathEscape(code), nil, &m); err != nil {
		return "", err
	}
	d.mu.Lock()
	if d.titles == nil {
		d.titles = map[string]cachedTitle{}
	}
	d.titles[code] = cachedTitle{title: m.Title, at: time.Now()}
	d.mu.Unlock()
	return m.Title, nil
}
