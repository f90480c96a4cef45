// Package authz carries the caller's identity from the gateway to the apps. The gateway
// verifies the JWT and sets these headers (dropping any a client sent); Dapr access control
// lets only the gateway invoke the apps' public routes, so the apps can trust them.
package authz

import (
	"net/http"
	"slices"

	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Role is what a user may do on the platform.
type Role string

// The roles of Registrar.
const (
	Student  Role = "student"
	Lecturer Role = "lecturer"
	Registry Role = "registry"
	Admin    Role = "admin"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains([]Role{Student, Lecturer, Registry, Admin}, r) }

// Staff reports whether r administers the registry (registry staff and admins).
func (r Role) Staff() bool { return r == Registry || r == Admin }

// Headers set by the gateway on every forwarded request.
const (
	HeaderUserID    = "X-Registrar-User"
	HeaderRole      = "X-Registrar-Role"
	HeaderStudentID = "X-Registrar-Student"
)

// Principal is the authenticated caller.
type Principal struct {
	UserID    string
	Role      Role
	StudentID string // the student record of a student user; empty for staff
}

// FromRequest reads the principal the gateway attached; ok is false for anonymous calls.
func FromRequest(r *http.Request) (Principal, bool) {
	p := Principal{UserID: r.Header.Get(HeaderUserID), Role: Role(r.Header.Get(HeaderRole)),
		StudentID: r.Header.Get(HeaderStudentID)}
	return p, p.UserID != "" && p.Role.Valid()
}

// Set writes the principal's headers onto an outgoing request.
func (p Principal) Set(h http.Header) {
	h.Set(HeaderUserID, p.UserID)
	h.Set(HeaderRole, string(p.Role))
	if p.StudentID != "" {
		h.Set(HeaderStudentID, p.StudentID)
	} else {
		h.Del(HeaderStudentID)
	}
}

// Strip removes identity headers a client may have forged.
func Strip(h http.Header) {
	h.Del(HeaderUserID)
	h.Del(HeaderRole)
	h.Del(HeaderStudentID)
}

// CanActOnStudent reports whether p may read or change the student record id: staff may
// act on any record, a student only on their own.
func (p Principal) CanActOnStudent(id string) bool {
	return p.Role.Staff() || (p.Role == Student && p.StudentID != "" && p.StudentID == id)
}

// RequireStudentAccess is the object-level check apps run before touching a student record.
// A student asking for another student's record gets NotFound, so ids cannot be probed.
func RequireStudentAccess(r *http.Request, id string) (Principal, error) {
	p, ok := FromRequest(r)
	if !ok {
		return Principal{}, errs.E(errs.Unauthorized, "authentication required")
	}
	if !p.CanActOnStudent(id) {
		if p.Role == Student {
			return p, errs.E(errs.NotFound, "student not found")
		}
		return p, errs.E(errs.Forbidden, "your role may not access student records")
	}
	return p, nil
}

// RequireStaff admits registry staff and admins; the gateway checks routes too, but an app
// does not rely on its caller alone. action completes "only registry staff may …".
func RequireStaff(r *http.Request, action string) (Principal, error) {
	p, ok := FromRequest(r)
	if !ok {
		return p, errs.E(errs.Unauthorized, "authentication required")
	}
	if !p.Role.Staff() {
		return p, errs.E(errs.Forbidden, "only registry staff may %s", action)
	}
	return p, nil
}
