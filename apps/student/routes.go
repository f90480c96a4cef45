package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/student/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the student app.
func routes(srv *server.App, h *ports.HTTP) {
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/students", h.CreateStudent).Methods(http.MethodPost)
	api.HandleFunc("/students", h.ListStudents).Methods(http.MethodGet)
	api.HandleFunc("/students/{id}", h.GetStudent).Methods(http.MethodGet)
}
