package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/analytics/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the analytics app. /events is where the declarative
// subscriptions in components/ deliver every topic.
func routes(srv *server.App, h *ports.HTTP) {
	srv.Router.HandleFunc("/events", h.OnEvent).Methods(http.MethodPost)
	api := srv.Router.PathPrefix("/api/v1/analytics").Subrouter()
	api.HandleFunc("/summary", h.Summary).Methods(http.MethodGet)
	api.HandleFunc("/sections", h.Sections).Methods(http.MethodGet)
	api.HandleFunc("/timeline", h.Timeline).Methods(http.MethodGet)
}
