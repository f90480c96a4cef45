package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/notification/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the notification app. Event routes are the paths the
// declarative subscriptions in components/ deliver to; the API is reached through the
// gateway only (Dapr access control).
func routes(srv *server.App, h *ports.HTTP) {
	srv.Router.HandleFunc("/events/students", h.OnEvent).Methods(http.MethodPost)
	srv.Router.HandleFunc("/events/registrations", h.OnEvent).Methods(http.MethodPost)
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/notifications/deliveries", h.Deliveries).Methods(http.MethodGet)
}
