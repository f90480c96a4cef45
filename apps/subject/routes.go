package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/subject/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the subject app. /api/v1 is the public catalogue API (the
// gateway forwards it); /internal/v1 is the read-model feed for the registration app only
// (its Dapr access-control policy says so; the gateway never forwards /internal paths), so
// it expects no user principal.
func routes(srv *server.App, h *ports.HTTP) {
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/subjects", h.ListModules).Methods(http.MethodGet)
	api.HandleFunc("/subjects", h.CreateModule).Methods(http.MethodPost)
	api.HandleFunc("/subjects/{code}", h.GetModule).Methods(http.MethodGet)
	api.HandleFunc("/subjects/{code}", h.UpdateModule).Methods(http.MethodPut)
	api.HandleFunc("/subjects/{code}", h.DeleteModule).Methods(http.MethodDelete)
	api.HandleFunc("/programmes", h.ListProgrammes).Methods(http.MethodGet)
	api.HandleFunc("/programmes", h.CreateProgramme).Methods(http.MethodPost)
	api.HandleFunc("/programmes/{code}", h.GetProgramme).Methods(http.MethodGet)

	internal := srv.Router.PathPrefix("/internal/v1").Subrouter()
	internal.HandleFunc("/read-model/modules", h.ReadModelModules).Methods(http.MethodGet)
}
