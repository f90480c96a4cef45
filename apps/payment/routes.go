package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/payment/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the payment app: the internal API the registration app
// invokes through its sidecar. The gateway app has no route here.
func routes(srv *server.App, h *ports.HTTP) {
	in := srv.Router.PathPrefix("/internal/v1").Subrouter()
	in.HandleFunc("/charges", h.Charge).Methods(http.MethodPost)
	in.HandleFunc("/refunds", h.Refund).Methods(http.MethodPost)
	in.HandleFunc("/payments/{registrationId}", h.Payment).Methods(http.MethodGet)
}
