package main

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/contracts"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// Who may call a route.
var (
	anyone   = policy{public: true}
	signedIn = policy{}
	staff    = policy{roles: []authz.Role{authz.Registry, authz.Admin}}
	// ownerOrStaff: registry staff, or the student whose record the {id} variable names.
	ownerOrStaff = policy{owner: "id", roles: []authz.Role{authz.Registry, authz.Admin}}
	// students: registration is something a student does for themself.
	students = policy{roles: []authz.Role{authz.Student}}
	// lecturers see what they teach; registration checks that a roster is theirs.
	lecturers       = policy{roles: []authz.Role{authz.Lecturer}}
	lecturerOrStaff = policy{roles: []authz.Role{authz.Lecturer, authz.Registry, authz.Admin}}
)

// routes lists every public route of the gateway, who may call it and the app behind it.
func routes(srv *server.App, g *gate, fwd *forwarder, live *streamer) {
	r := srv.Router
	r.HandleFunc("/api/v1/openapi.yaml", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/yaml")
		_, _ = w.Write(contracts.OpenAPI)
	}).Methods(http.MethodGet)

	identity, student := fwd.to("identity"), fwd.to("student")
	subject, schedule := fwd.to("subject"), fwd.to("schedule")
	handle := func(path string, p policy, h http.Handler, methods ...string) {
		r.Handle(path, g.guard(p, h)).Methods(methods...)
	}

	handle("/.well-known/jwks.json", anyone, identity, http.MethodGet)
	handle("/api/v1/auth/login", anyone, identity, http.MethodPost)
	handle("/api/v1/auth/refresh", anyone, identity, http.MethodPost)
	handle("/api/v1/users", staff, identity, http.MethodPost)
	handle("/api/v1/me", signedIn, g.me(fwd), http.MethodGet)

	handle("/api/v1/students", staff, student, http.MethodGet, http.MethodPost)
	handle("/api/v1/students/{id}", ownerOrStaff, student, http.MethodGet, http.MethodPatch)
	handle("/api/v1/students/{id}/summary", ownerOrStaff, student, http.MethodGet)
	handle("/api/v1/students/{id}/history", ownerOrStaff, student, http.MethodGet)
	handle("/api/v1/students/{id}/history", staff, student, http.MethodPost)
	handle("/api/v1/students/{id}/holds", ownerOrStaff, student, http.MethodGet)
	handle("/api/v1/students/{id}/holds", staff, student, http.MethodPost)
	handle("/api/v1/students/{id}/holds/{holdId}", staff, student, http.MethodDelete)

	handle("/api/v1/subjects", signedIn, subject, http.MethodGet)
	handle("/api/v1/subjects", staff, subject, http.MethodPost)
	handle("/api/v1/subjects/{code}", signedIn, subject, http.MethodGet)
	handle("/api/v1/subjects/{code}", staff, subject, http.MethodPut, http.MethodDelete)
	handle("/api/v1/programmes", signedIn, subject, http.MethodGet)
	handle("/api/v1/programmes", staff, subject, http.MethodPost)
	handle("/api/v1/programmes/{code}", signedIn, subject, http.MethodGet)

	handle("/api/v1/semesters", signedIn, schedule, http.MethodGet)
	handle("/api/v1/semesters", staff, schedule, http.MethodPost)
	handle("/api/v1/semesters/{code}", signedIn, schedule, http.MethodGet)
	handle("/api/v1/rooms", staff, schedule, http.MethodGet, http.MethodPost)
	handle("/api/v1/lecturers", staff, schedule, http.MethodGet, http.MethodPost)
	handle("/api/v1/sections", signedIn, schedule, http.MethodGet)
	handle("/api/v1/sections", staff, schedule, http.MethodPost)
	handle("/api/v1/sections/clashes", signedIn, schedule, http.MethodPost)
	handle("/api/v1/sections/{id}", signedIn, schedule, http.MethodGet)

	// Registration checks ownership of each registration itself (ids are not in the path
	// of the student they belong to).
	registration := fwd.to("registration")
	handle("/api/v1/registrations", students, registration, http.MethodPost, http.MethodGet)
	handle("/api/v1/registrations/{id}", signedIn, registration, http.MethodGet, http.MethodDelete)
	handle("/api/v1/registrations/{id}/payment", students, registration, http.MethodPost)
	handle("/api/v1/registrations/{id}/swap", students, registration, http.MethodPost)
	handle("/api/v1/waitlist", students, registration, http.MethodGet)
	handle("/api/v1/waitlist/offers/{id}/accept", students, registration, http.MethodPost)
	handle("/api/v1/waitlist/{sectionId}", students, registration, http.MethodDelete)
	handle("/api/v1/overrides", staff, registration, http.MethodPost)
	handle("/api/v1/teaching", lecturers, registration, http.MethodGet)
	handle("/api/v1/sections/{id}/roster", lecturerOrStaff, registration, http.MethodGet)

	// Admission names no student in the path: the app answers the caller's own record.
	handle("/api/v1/admission/me", students, fwd.to("admission"), http.MethodGet)

	handle("/api/v1/audit/verify", staff, fwd.to("audit"), http.MethodGet)
	handle("/api/v1/audit/events", staff, fwd.to("audit"), http.MethodGet)
	handle("/api/v1/analytics/summary", staff, fwd.to("analytics"), http.MethodGet)
	handle("/api/v1/analytics/sections", staff, fwd.to("analytics"), http.MethodGet)
	handle("/api/v1/analytics/timeline", staff, fwd.to("analytics"), http.MethodGet)

	// Notification checks owner-or-staff on the studentId query parameter itself.
	handle("/api/v1/notifications/deliveries", signedIn, fwd.to("notification"), http.MethodGet)
	// Live updates: server-sent events, fed by the gateway's own subscription below (its
	// sidecar delivers notification.update.v1 with the app API token).
	handle("/api/v1/stream", students, http.HandlerFunc(live.Stream), http.MethodGet)
	r.HandleFunc("/events/notification-updates", live.OnUpdate).Methods(http.MethodPost)
}

// me answers GET /api/v1/me: a student's own record from the student app, anyone else's
// account from identity.
func (g *gate) me(fwd *forwarder) http.Handler {
	student, identity := fwd.to("student"), fwd.to("identity")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, _ := principalFrom(r.Context())
		if p.Role == authz.Student {
			r.URL.Path = "/api/v1/students/" + p.StudentID
			r = mux.SetURLVars(r, map[string]string{"id": p.StudentID})
			student.ServeHTTP(w, r)
			return
		}
		r.URL.Path = "/api/v1/users/me"
		identity.ServeHTTP(w, r)
	})
}
