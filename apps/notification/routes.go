package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the notification app. Event routes are the paths the
// declarative subscriptions in components/ deliver to.
func routes(srv *server.App, h *welcomes) {
	srv.Router.HandleFunc("/events/student-created", h.OnStudentCreated).Methods(http.MethodPost)
	// Events on a subscribed topic that this app has no use for are acknowledged.
	srv.Router.HandleFunc("/events/ignored", func(w http.ResponseWriter, _ *http.Request) {
		events.Reply(w, events.Success)
	}).Methods(http.MethodPost)
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/notifications/welcomes/{studentId}", h.GetWelcome).Methods(http.MethodGet)
}
