package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/identity/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the identity app.
func routes(srv *server.App, h *ports.HTTP) {
	srv.Router.HandleFunc("/.well-known/jwks.json", h.JWKSet).Methods(http.MethodGet)
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/auth/login", h.Login).Methods(http.MethodPost)
	api.HandleFunc("/auth/refresh", h.Refresh).Methods(http.MethodPost)
	api.HandleFunc("/users", h.CreateUser).Methods(http.MethodPost)
	api.HandleFunc("/users/me", h.Me).Methods(http.MethodGet)
}
