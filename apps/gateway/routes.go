package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every public route of the gateway and the app that serves it.
func routes(srv *server.App, fwd *forwarder) {
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	student := fwd.to("student")
	api.Handle("/students", student).Methods(http.MethodPost, http.MethodGet)
	api.Handle("/students/{id}", student).Methods(http.MethodGet)
}
