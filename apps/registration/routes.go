package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/registration/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the registration app. /events/… are the paths the
// declarative subscriptions in components/ deliver to.
func routes(srv *server.App, h *ports.HTTP, e *ports.Events) {
	ev := srv.Router.PathPrefix("/events").Subrouter()
	ev.HandleFunc("/subjects", e.OnSubject).Methods(http.MethodPost)
	ev.HandleFunc("/sections", e.OnSection).Methods(http.MethodPost)
	ev.HandleFunc("/semesters", e.OnSemester).Methods(http.MethodPost)
	ev.HandleFunc("/students", e.OnStudent).Methods(http.MethodPost)
	ev.HandleFunc("/seats", e.OnSeat).Methods(http.MethodPost)

	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/registrations", h.Register).Methods(http.MethodPost)
	api.HandleFunc("/registrations", h.List).Methods(http.MethodGet)
	api.HandleFunc("/registrations/{id}", h.Get).Methods(http.MethodGet)
	api.HandleFunc("/registrations/{id}", h.Drop).Methods(http.MethodDelete)
	api.HandleFunc("/registrations/{id}/payment", h.Pay).Methods(http.MethodPost)
	api.HandleFunc("/registrations/{id}/swap", h.Swap).Methods(http.MethodPost)
	api.HandleFunc("/waitlist", h.Waitlist).Methods(http.MethodGet)
	api.HandleFunc("/waitlist/offers/{id}/accept", h.Pay).Methods(http.MethodPost)
	api.HandleFunc("/waitlist/{sectionId}", h.LeaveWaitlist).Methods(http.MethodDelete)
	api.HandleFunc("/overrides", h.Override).Methods(http.MethodPost)
	api.HandleFunc("/teaching", h.Teaching).Methods(http.MethodGet)
	api.HandleFunc("/sections/{id}/roster", h.Roster).Methods(http.MethodGet)
}
