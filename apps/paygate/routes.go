package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the simulator: the Stripe-shaped API the payment app's
// binding calls, and the admin API tests and operators use to read its log and inject faults.
func routes(srv *server.App, gw *Gateway) {
	srv.Router.HandleFunc("/v1/payment_intents", gw.CreatePaymentIntent).Methods(http.MethodPost)
	srv.Router.HandleFunc("/v1/refunds", gw.CreateRefund).Methods(http.MethodPost)
	srv.Router.HandleFunc("/admin/config", gw.GetConfig).Methods(http.MethodGet)
	srv.Router.HandleFunc("/admin/config", gw.SetConfig).Methods(http.MethodPost)
	srv.Router.HandleFunc("/admin/charges", gw.Charges).Methods(http.MethodGet)
	srv.Router.HandleFunc("/admin/summary", gw.Summary).Methods(http.MethodGet)
	srv.Router.HandleFunc("/admin/reset", gw.Reset).Methods(http.MethodPost)
}
