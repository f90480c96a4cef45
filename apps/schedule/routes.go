package main

import (
	"net/http"

	"github.com/registrar-edu/registrar/apps/schedule/ports"
	"github.com/registrar-edu/registrar/internal/platform/server"
)

// routes lists every HTTP route of the schedule app. /api/v1 is the public timetable API
// (the gateway forwards it); /internal/v1 is the seat inventory and the read-model feeds,
// for the registration app only (its Dapr access-control policy says so; the gateway never
// forwards /internal paths), so these handlers expect no user principal.
func routes(srv *server.App, h *ports.HTTP) {
	api := srv.Router.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/semesters", h.CreateSemester).Methods(http.MethodPost)
	api.HandleFunc("/semesters", h.ListSemesters).Methods(http.MethodGet)
	api.HandleFunc("/semesters/{code}", h.GetSemester).Methods(http.MethodGet)
	api.HandleFunc("/rooms", h.CreateRoom).Methods(http.MethodPost)
	api.HandleFunc("/rooms", h.ListRooms).Methods(http.MethodGet)
	api.HandleFunc("/lecturers", h.CreateLecturer).Methods(http.MethodPost)
	api.HandleFunc("/lecturers", h.ListLecturers).Methods(http.MethodGet)
	api.HandleFunc("/sections", h.CreateSection).Methods(http.MethodPost)
	api.HandleFunc("/sections", h.ListSections).Methods(http.MethodGet)
	api.HandleFunc("/sections/clashes", h.FindClashes).Methods(http.MethodPost)
	api.HandleFunc("/sections/{id}", h.GetSection).Methods(http.MethodGet)

	internal := srv.Router.PathPrefix("/internal/v1").Subrouter()
	internal.HandleFunc("/holds", h.HoldSeat).Methods(http.MethodPost)
	internal.HandleFunc("/holds/{registrationId}", h.GetHold).Methods(http.MethodGet)
	internal.HandleFunc("/holds/{registrationId}", h.ReleaseHold).Methods(http.MethodDelete)
	internal.HandleFunc("/holds/{registrationId}/confirm", h.ConfirmHold).Methods(http.MethodPost)
	internal.HandleFunc("/sections/{id}/seats", h.AddSeat).Methods(http.MethodPost)
	internal.HandleFunc("/read-model/sections", h.ReadModelSections).Methods(http.MethodGet)
	internal.HandleFunc("/read-model/semesters", h.ReadModelSemesters).Methods(http.MethodGet)
}
