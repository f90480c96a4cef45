package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/student/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the student app. /events/… are the paths the
// declarative subscriptions in components/ deliver to; /internal/v1 is the read-model feed
// for the registration app, single records for erp-sync and contacts for the notification
// app (the Dapr access-control policy says so; the gateway never forwards /internal paths).
func routes(srv *server.App, h *ports.HTTP) {
	srv.Router.HandleFunc("/events/student-changed", h.OnStudentChanged).Methods(http.MethodPost)
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/students", h.CreateStudent).Methods(http.MethodPost)
	api.HandleFunc("/students", h.SearchStudents).Methods(http.MethodGet)
	api.HandleFunc("/students/{id}", h.GetStudent).Methods(http.MethodGet)
	api.HandleFunc("/students/{id}", h.UpdateStudent).Methods(http.MethodPatch)
	api.HandleFunc("/students/{id}/summary", h.Summary).Methods(http.MethodGet)
	api.HandleFunc("/students/{id}/history", h.History).Methods(http.MethodGet)
	api.HandleFunc("/students/{id}/history", h.RecordCompleted).Methods(http.MethodPost)
	api.HandleFunc("/students/{id}/holds", h.Holds).Methods(http.MethodGet)
	api.HandleFunc("/students/{id}/holds", h.PlaceHold).Methods(http.MethodPost)
	api.HandleFunc("/students/{id}/holds/{holdId}", h.LiftHold).Methods(http.MethodDelete)

	internal := srv.Router.PathPrefix("/internal/v1").Subrouter()
	internal.HandleFunc("/read-model/students", h.ReadModelStudents).Methods(http.MethodGet)
	internal.HandleFunc("/students/{id}", h.StudentRecord).Methods(http.MethodGet)
	internal.HandleFunc("/contacts/{id}", h.Contact).Methods(http.MethodGet)
}
