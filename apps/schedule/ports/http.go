// Package ports adapts HTTP requests to the schedule service's commands and queries: the
// public timetable API (reached through the gateway) and the internal seat API (reached by
// the registration app through Dapr service invocation).
package ports

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/apps/schedule/app"
	"github.com/registrar-edu/registrar/apps/schedule/domain"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// HTTP serves the schedule API.
type HTTP struct {
	Service   *app.Service
	Validator *httpx.Validator
	Log       *slog.Logger
}

// MaxBody is the largest schedule request accepted.
const MaxBody = 32 << 10

// TimeslotDTO is a weekly timeslot on the wire.
type TimeslotDTO struct {
	Day   string `json:"day" validate:"required,oneof=MON TUE WED THU FRI"`
	Start string `json:"start" validate:"required,datetime=15:04"`
	End   string `json:"end" validate:"required,datetime=15:04"`
}

func toSlots(in []TimeslotDTO) []app.TimeslotInput {
	out := make([]app.TimeslotInput, len(in))
	for i, t := range in {
		out[i] = app.TimeslotInput{Day: t.Day, Start: t.Start, End: t.End}
	}
	return out
}

func fromSlots(in []domain.Timeslot) []TimeslotDTO {
	out := make([]TimeslotDTO, len(in))
	for i, t := range in {
		out[i] = TimeslotDTO{Day: t.Day.String(), Start: t.StartClock(), End: t.EndClock()}
	}
	return out
}

// WindowDTO is a cohort's registration window.
type WindowDTO struct {
	YearOfStudy int       `json:"yearOfStudy" validate:"required,gte=1,lte=7"`
	OpensAt     time.Time `json:"opensAt" validate:"required"`
	ClosesAt    time.Time `json:"closesAt" validate:"required"`
}

// CreateSemesterRequest is the body of POST /api/v1/semesters.
type CreateSemesterRequest struct {
	Code                string      `json:"code" validate:"required,max=16"`
	Term                string      `json:"term" validate:"required,oneof=AUTUMN SPRING SUMMER"`
	StartsOn            string      `json:"startsOn" validate:"required,datetime=2006-01-02"`
	EndsOn              string      `json:"endsOn" validate:"required,datetime=2006-01-02"`
	AddDropDeadline     string      `json:"addDropDeadline" validate:"required,datetime=2006-01-02"`
	RegistrationWindows []WindowDTO `json:"registrationWindows" validate:"max=7,dive"`
}

// SemesterResponse is a semester as the API shows it.
type SemesterResponse struct {
	Code                string      `json:"code"`
	Term                string      `json:"term"`
	StartsOn            string      `json:"startsOn"`
	EndsOn              string      `json:"endsOn"`
	AddDropDeadline     string      `json:"addDropDeadline"`
	RegistrationWindows []WindowDTO `json:"registrationWindows"`
}

const dateLayout = "2006-01-02"

func toSemester(s domain.Semester) SemesterResponse {
	ws := make([]WindowDTO, len(s.Windows))
	for i, w := range s.Windows {
		ws[i] = WindowDTO{YearOfStudy: w.YearOfStudy, OpensAt: w.OpensAt, ClosesAt: w.ClosesAt}
	}
	return SemesterResponse{Code: s.Code, Term: string(s.Term), StartsOn: s.StartsOn.Format(dateLayout),
		EndsOn: s.EndsOn.Format(dateLayout), AddDropDeadline: s.AddDropDeadline.Format(dateLayout), RegistrationWindows: ws}
}

// CreateSemester handles POST /api/v1/semesters.
func (h *HTTP) CreateSemester(w http.ResponseWriter, r *http.Request) {
	var req CreateSemesterRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	// The validator has checked the date layout already.
	starts, _ := time.Parse(dateLayout, req.StartsOn)
	ends, _ := time.Parse(dateLayout, req.EndsOn)
	addDrop, _ := time.Parse(dateLayout, req.AddDropDeadline)
	ws := make([]domain.RegistrationWindow, len(req.RegistrationWindows))
	for i, x := range req.RegistrationWindows {
		ws[i] = domain.RegistrationWindow{YearOfStudy: x.YearOfStudy, OpensAt: x.OpensAt, ClosesAt: x.ClosesAt}
	}
	s, err := h.Service.CreateSemester(r.Context(), app.CreateSemester{Code: req.Code, Term: req.Term,
		StartsOn: starts, EndsOn: ends, AddDropDeadline: addDrop, Windows: ws})
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/semesters/"+s.Code)
	httpx.WriteJSON(w, http.StatusCreated, toSemester(s))
}

// GetSemester handles GET /api/v1/semesters/{code}.
func (h *HTTP) GetSemester(w http.ResponseWriter, r *http.Request) {
	s, err := h.Service.GetSemester(r.Context(), mux.Vars(r)["code"])
	httpx.Respond(w, r, h.Log, http.StatusOK, toSemester(s), err)
}

// ListSemesters handles GET /api/v1/semesters.
func (h *HTTP) ListSemesters(w http.ResponseWriter, r *http.Request) {
	list, err := h.Service.ListSemesters(r.Context())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]SemesterResponse, len(list))
	for i, s := range list {
		out[i] = toSemester(s)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// RoomDTO is the body of POST /api/v1/rooms and a room as the API shows it.
type RoomDTO struct {
	Code     string `json:"code" validate:"required,max=32"`
	Building string `json:"building" validate:"required,max=100"`
	Capacity int    `json:"capacity" validate:"required,gte=1,lte=2000"`
}

// CreateRoom handles POST /api/v1/rooms.
func (h *HTTP) CreateRoom(w http.ResponseWriter, r *http.Request) {
	var req RoomDTO
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	room, err := h.Service.CreateRoom(r.Context(), req.Code, req.Building, req.Capacity)
	httpx.Respond(w, r, h.Log, http.StatusCreated, RoomDTO(room), err)
}

// ListRooms handles GET /api/v1/rooms.
func (h *HTTP) ListRooms(w http.ResponseWriter, r *http.Request) {
	list, err := h.Service.ListRooms(r.Context())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]RoomDTO, len(list))
	for i, x := range list {
		out[i] = RoomDTO(x)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// CreateLecturerRequest is the body of POST /api/v1/lecturers.
type CreateLecturerRequest struct {
	Name         string        `json:"name" validate:"required,max=200"`
	Department   string        `json:"department" validate:"required,max=32"`
	Availability []TimeslotDTO `json:"availability" validate:"max=50,dive"`
}

// LecturerResponse is a lecturer as the API shows it.
type LecturerResponse struct {
	ID           string        `json:"id"`
	Name         string        `json:"name"`
	Department   string        `json:"department"`
	Availability []TimeslotDTO `json:"availability"`
}

func toLecturer(l domain.Lecturer) LecturerResponse {
	return LecturerResponse{ID: l.ID, Name: l.Name, Department: l.Department, Availability: fromSlots(l.Availability)}
}

// CreateLecturer handles POST /api/v1/lecturers.
func (h *HTTP) CreateLecturer(w http.ResponseWriter, r *http.Request) {
	var req CreateLecturerRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	l, err := h.Service.CreateLecturer(r.Context(), app.CreateLecturer{Name: req.Name, Department: req.Department,
		Availability: toSlots(req.Availability)})
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, toLecturer(l))
}

// ListLecturers handles GET /api/v1/lecturers.
func (h *HTTP) ListLecturers(w http.ResponseWriter, r *http.Request) {
	list, err := h.Service.ListLecturers(r.Context())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]LecturerResponse, len(list))
	for i, l := range list {
		out[i] = toLecturer(l)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// CreateSectionRequest is the body of POST /api/v1/sections.
type CreateSectionRequest struct {
	ModuleCode string        `json:"moduleCode" validate:"required,max=32"`
	Semester   string        `json:"semester" validate:"required,max=16"`
	Capacity   int           `json:"capacity" validate:"required,gte=1,lte=2000"`
	LecturerID string        `json:"lecturerId" validate:"omitempty,uuid"`
	RoomCode   string        `json:"roomCode" validate:"required,max=32"`
	Timeslots  []TimeslotDTO `json:"timeslots" validate:"required,min=1,max=10,dive"`
}

// SeatsDTO is a section's seat inventory.
type SeatsDTO struct {
	Capacity  int `json:"capacity"`
	Held      int `json:"held"`
	Confirmed int `json:"confirmed"`
	Free      int `json:"free"`
}

// SectionResponse is a section with its seats as the API shows it.
type SectionResponse struct {
	ID         string        `json:"id"`
	ModuleCode string        `json:"moduleCode"`
	Semester   string        `json:"semester"`
	Capacity   int           `json:"capacity"`
	LecturerID *string       `json:"lecturerId"`
	RoomCode   string        `json:"roomCode"`
	Timeslots  []TimeslotDTO `json:"timeslots"`
	Version    int           `json:"version"`
	Seats      SeatsDTO      `json:"seats"`
}

func toSection(x domain.SectionSeats) SectionResponse {
	s := x.Section
	var lecturer *string
	if s.LecturerID != "" {
		lecturer = &s.LecturerID
	}
	return SectionResponse{ID: s.ID, ModuleCode: s.ModuleCode, Semester: s.Semester, Capacity: s.Capacity,
		LecturerID: lecturer, RoomCode: s.RoomCode, Timeslots: fromSlots(s.Timeslots), Version: s.Version,
		Seats: SeatsDTO(x.Seats)}
}

// CreateSection handles POST /api/v1/sections.
func (h *HTTP) CreateSection(w http.ResponseWriter, r *http.Request) {
	var req CreateSectionRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	s, err := h.Service.CreateSection(r.Context(), app.CreateSection{ModuleCode: req.ModuleCode, Semester: req.Semester,
		Capacity: req.Capacity, LecturerID: req.LecturerID, RoomCode: req.RoomCode, Timeslots: toSlots(req.Timeslots)})
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/sections/"+s.Section.ID)
	httpx.WriteJSON(w, http.StatusCreated, toSection(s))
}

// GetSection handles GET /api/v1/sections/{id}.
func (h *HTTP) GetSection(w http.ResponseWriter, r *http.Request) {
	s, err := h.Service.GetSection(r.Context(), mux.Vars(r)["id"])
	httpx.Respond(w, r, h.Log, http.StatusOK, toSection(s), err)
}

// ListSections handles GET /api/v1/sections?semester=&subject=&after=&limit=.
func (h *HTTP) ListSections(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	list, err := h.Service.ListSections(r.Context(), app.SectionQuery{Semester: q.Get("semester"),
		ModuleCode: q.Get("subject"), After: q.Get("after"), Limit: limit})
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]SectionResponse, len(list))
	for i, s := range list {
		out[i] = toSection(s)
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// ClashesRequest is the body of POST /api/v1/sections/clashes.
type ClashesRequest struct {
	SectionIDs []string `json:"sectionIds" validate:"required,min=1,max=50"`
}

// ClashDTO is one pair of sections meeting at overlapping times.
type ClashDTO struct {
	SectionIDs [2]string      `json:"sectionIds"`
	Timeslots  [2]TimeslotDTO `json:"timeslots"`
}

// FindClashes handles POST /api/v1/sections/clashes.
func (h *HTTP) FindClashes(w http.ResponseWriter, r *http.Request) {
	var req ClashesRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	clashes, err := h.Service.FindClashes(r.Context(), req.SectionIDs)
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]ClashDTO, len(clashes))
	for i, c := range clashes {
		ts := fromSlots([]domain.Timeslot{c.TimeslotA, c.TimeslotB})
		out[i] = ClashDTO{SectionIDs: [2]string{c.SectionA, c.SectionB}, Timeslots: [2]TimeslotDTO{ts[0], ts[1]}}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"clashes": out})
}

// HoldRequest is the body of POST /internal/v1/holds.
type HoldRequest struct {
	SectionID      string `json:"sectionId" validate:"required,uuid"`
	RegistrationID string `json:"registrationId" validate:"required,uuid"`
	TTLSeconds     int    `json:"ttlSeconds" validate:"required,gte=1,lte=172800"`
}

// HoldDTO is a held or confirmed seat.
type HoldDTO struct {
	SectionID      string     `json:"sectionId"`
	SeatNo         int        `json:"seatNo"`
	RegistrationID string     `json:"registrationId"`
	Status         string     `json:"status"`
	ExpiresAt      *time.Time `json:"expiresAt,omitempty"`
}

func toHold(x domain.Hold) *HoldDTO {
	d := &HoldDTO{SectionID: x.SectionID, SeatNo: x.SeatNo, RegistrationID: x.RegistrationID, Status: string(x.Status)}
	if !x.ExpiresAt.IsZero() {
		t := x.ExpiresAt.UTC()
		d.ExpiresAt = &t
	}
	return d
}

// HoldResponse answers a hold: result "held" with the seat, or "full" with who decided it
// ("gate": the full flag, without a database query; "database").
type HoldResponse struct {
	Result     string   `json:"result"`
	SectionID  string   `json:"sectionId"`
	Hold       *HoldDTO `json:"hold,omitempty"`
	AnsweredBy string   `json:"answeredBy,omitempty"`
}

// HoldSeat handles POST /internal/v1/holds: 201 for a new hold, 200 for a repeated one (the
// same seat) and 200 with result "full" when no seat is free. "Full" is an answer, not an
// error: the registration app turns it into a waitlist entry.
func (h *HTTP) HoldSeat(w http.ResponseWriter, r *http.Request) {
	var req HoldRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	res, err := h.Service.HoldSeat(r.Context(), app.HoldSeat{SectionID: req.SectionID, RegistrationID: req.RegistrationID,
		TTL: time.Duration(req.TTLSeconds) * time.Second})
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	if res.Full {
		httpx.WriteJSON(w, http.StatusOK, HoldResponse{Result: "full", SectionID: req.SectionID, AnsweredBy: string(res.AnsweredBy)})
		return
	}
	status := http.StatusCreated
	if res.Repeat {
		status = http.StatusOK
	}
	httpx.WriteJSON(w, status, HoldResponse{Result: "held", SectionID: req.SectionID, Hold: toHold(res.Hold)})
}

// GetHold handles GET /internal/v1/holds/{registrationId}.
func (h *HTTP) GetHold(w http.ResponseWriter, r *http.Request) {
	x, err := h.Service.GetHold(r.Context(), mux.Vars(r)["registrationId"])
	httpx.Respond(w, r, h.Log, http.StatusOK, toHold(x), err)
}

// ConfirmHold handles POST /internal/v1/holds/{registrationId}/confirm.
func (h *HTTP) ConfirmHold(w http.ResponseWriter, r *http.Request) {
	x, err := h.Service.ConfirmSeat(r.Context(), mux.Vars(r)["registrationId"])
	httpx.Respond(w, r, h.Log, http.StatusOK, toHold(x), err)
}

// ReleaseHold handles DELETE /internal/v1/holds/{registrationId}: 204 whether or not a seat
// was still held, so a compensation can be repeated safely.
func (h *HTTP) ReleaseHold(w http.ResponseWriter, r *http.Request) {
	if _, _, err := h.Service.ReleaseSeat(r.Context(), mux.Vars(r)["registrationId"]); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// AddSeat handles POST /internal/v1/sections/{id}/seats: one more seat for a registry
// capacity override (the registration app calls it).
func (h *HTTP) AddSeat(w http.ResponseWriter, r *http.Request) {
	capacity, err := h.Service.AddSeat(r.Context(), mux.Vars(r)["id"])
	httpx.Respond(w, r, h.Log, http.StatusOK, map[string]int{"capacity": capacity}, err)
}

// SectionReadModel is one item of GET /internal/v1/read-model/sections: a section as the
// registration app's read model keeps it (the facts of section.created.v1, no seat counts).
type SectionReadModel struct {
	ID         string                 `json:"id"`
	ModuleCode string                 `json:"moduleCode"`
	Semester   string                 `json:"semester"`
	Capacity   int                    `json:"capacity"`
	LecturerID string                 `json:"lecturerId"` // "" while unassigned
	RoomCode   string                 `json:"roomCode"`
	Timeslots  []domain.TimeslotFacts `json:"timeslots"`
}

// ReadModelSections handles GET /internal/v1/read-model/sections?after=&limit=: every
// section, ordered by id, {items, next}; next is "" on the last page.
func (h *HTTP) ReadModelSections(w http.ResponseWriter, r *http.Request) {
	req, err := page.Parse(r.URL.Query())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	p, err := h.Service.SectionFeed(r.Context(), req)
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, page.Map(p, func(s domain.Section) SectionReadModel {
		return SectionReadModel{ID: s.ID, ModuleCode: s.ModuleCode, Semester: s.Semester, Capacity: s.Capacity,
			LecturerID: s.LecturerID, RoomCode: s.RoomCode, Timeslots: domain.TimeslotsFacts(s.Timeslots)}
	}))
}

// SemesterReadModel is one item of GET /internal/v1/read-model/semesters: the facts of
// semester.created.v1. AddDropDeadline is the instant add/drop closes (exclusive), the
// midnight after the inclusive deadline date the public API shows.
type SemesterReadModel struct {
	Code            string               `json:"code"`
	Term            domain.Term          `json:"term"`
	StartsOn        string               `json:"startsOn"`
	EndsOn          string               `json:"endsOn"`
	AddDropDeadline time.Time            `json:"addDropDeadline"`
	Windows         []domain.WindowFacts `json:"windows"`
}

// ReadModelSemesters handles GET /internal/v1/read-model/semesters: every semester, newest
// first, in one answer ({items}; a campus has a few semesters a year).
func (h *HTTP) ReadModelSemesters(w http.ResponseWriter, r *http.Request) {
	list, err := h.Service.ListSemesters(r.Context())
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]SemesterReadModel, len(list))
	for i, s := range list {
		out[i] = SemesterReadModel{Code: s.Code, Term: s.Term, StartsOn: s.StartsOn.Format(domain.DateLayout),
			EndsOn: s.EndsOn.Format(domain.DateLayout), AddDropDeadline: s.AddDropCloses().UTC(), Windows: s.WindowsFacts()}
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}
