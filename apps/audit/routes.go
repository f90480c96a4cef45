package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/audit/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the audit app. /events is where the declarative
// subscriptions in components/ deliver every topic.
func routes(srv *server.App, h *ports.HTTP) {
	srv.Router.HandleFunc("/events", h.OnEvent).Methods(http.MethodPost)
	api := srv.Router.PathPrefix("/api/v1/audit").Subrouter()
	api.HandleFunc("/verify", h.Verify).Methods(http.MethodGet)
	api.HandleFunc("/events", h.Events).Methods(http.MethodGet)
}
