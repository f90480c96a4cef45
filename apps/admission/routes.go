package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/admission/ports"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the admission app. /events/… are the paths the
// declarative subscriptions in components/ deliver to; /api/v1 is reached only through the
// gateway (Dapr access control), which names the caller in its principal headers.
func routes(srv *server.App, h *ports.HTTP) {
	srv.Router.HandleFunc("/events/registration-confirmed", h.OnRegistrationConfirmed).Methods(http.MethodPost)
	srv.Router.HandleFunc("/events/registration-dropped", h.OnRegistrationDropped).Methods(http.MethodPost)
	// Events on the registrations topic that admission has no use for are acknowledged.
	srv.Router.HandleFunc("/events/ignored", func(w http.ResponseWriter, _ *http.Request) {
		events.Reply(w, events.Success)
	}).Methods(http.MethodPost)
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/admission/me", h.Mine).Methods(http.MethodGet)
}
