package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/erp-sync/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of erp-sync: the paths the declarative subscriptions in
// components/ deliver to (besides the probes and /metrics every app has).
func routes(srv *server.App, h *ports.Events) {
	srv.Router.HandleFunc("/events/student-created", h.OnStudentCreated).Methods(http.MethodPost)
	srv.Router.HandleFunc("/events/registration-confirmed", h.OnRegistrationConfirmed).Methods(http.MethodPost)
	srv.Router.HandleFunc("/events/ignored", h.Ignored).Methods(http.MethodPost)
}
