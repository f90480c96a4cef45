// Package adapters connects erp-sync to the student app (Dapr service invocation) and to
// the legacy ERP (the Dapr MySQL output binding).
package adapters

import (
	"context"
	"net/http"
	"net/url"

	"github.com/registrar-edu/registrar/apps/erp-sync/app"
	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
)

// DaprStudents reads student records from the student app's internal API through the
// sidecar (mTLS; the student app's access-control policy admits erp-sync on that path).
type DaprStudents struct{ Invoker *daprx.Invoker }

var _ app.Students = (*DaprStudents)(nil)

// Record returns the student's record.
func (d *DaprStudents) Record(ctx context.Context, studentID string) (domain.StudentRecord, error) {
	var rec domain.StudentRecord
	_, err := d.Invoker.Call(ctx, "student", http.MethodGet, "/internal/v1/students/"+url.PathEscape(studentID), nil, &rec)
	return rec, err
}
