// Package ports adapts HTTP requests and events to the student service's commands and
// queries. Every handler re-checks who may act on the record: the gateway checks too, but a
// service does not rely on its callers for object-level access.
package ports

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/events"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
	"github.com/registrar-edu/registrar/internal/platform/page"
)

// HTTP serves the student API.
type HTTP struct {
	Service   *app.Service
	Validator *httpx.Validator
	Log       *slog.Logger
}

// PersonalFields are the personal data in requests and responses.
type PersonalFields struct {
	Email       string `json:"email" validate:"required,email,max=254"`
	Phone       string `json:"phone,omitempty" validate:"omitempty,max=20"`
	DateOfBirth string `json:"dateOfBirth,omitempty" validate:"omitempty,datetime=2006-01-02"`
	Address     string `json:"address,omitempty" validate:"omitempty,max=300"`
}

// CreateStudentRequest is the body of POST /api/v1/students.
type CreateStudentRequest struct {
	StudentNumber string `json:"studentNumber" validate:"required,alphanum,min=4,max=20"`
	GivenName     string `json:"givenName" validate:"required,max=100"`
	FamilyName    string `json:"familyName" validate:"required,max=100"`
	PersonalFields
	Programme   string `json:"programme" validate:"required,alphanum,max=16"`
	YearOfStudy int    `json:"yearOfStudy" validate:"required,gte=1,lte=7"`
}

// UpdateStudentRequest is the body of PATCH /api/v1/students/{id}.
type UpdateStudentRequest struct {
	Email       *string `json:"email" validate:"omitempty,email,max=254"`
	Phone       *string `json:"phone" validate:"omitempty,max=20"`
	DateOfBirth *string `json:"dateOfBirth" validate:"omitempty,datetime=2006-01-02"`
	Address     *string `json:"address" validate:"omitempty,max=300"`
	YearOfStudy *int    `json:"yearOfStudy" validate:"omitempty,gte=1,lte=7"`
}

// StudentResponse is a student as the API shows it to its owner and to staff.
type StudentResponse struct {
	ID            string `json:"id"`
	StudentNumber string `json:"studentNumber"`
	GivenName     string `json:"givenName"`
	FamilyName    string `json:"familyName"`
	PersonalFields
	Programme   string    `json:"programme"`
	YearOfStudy int       `json:"yearOfStudy"`
	Version     int       `json:"version"`
	CreatedAt   time.Time `json:"createdAt"`
	UpdatedAt   time.Time `json:"updatedAt"`
}

func toResponse(s domain.Student) StudentResponse {
	return StudentResponse{ID: s.ID, StudentNumber: s.StudentNumber, GivenName: s.GivenName, FamilyName: s.FamilyName,
		PersonalFields: PersonalFields{Email: s.Personal.Email, Phone: s.Personal.Phone, DateOfBirth: s.Personal.DateOfBirth,
			Address: s.Personal.Address},
		Programme: s.Programme, YearOfStudy: s.YearOfStudy, Version: s.Version, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
}

// MaxBody is the largest student request accepted.
const MaxBody = 16 << 10

func (h *HTTP) fail(w http.ResponseWriter, r *http.Request, err error) {
	httpx.WriteError(w, r, h.Log, err)
}

// CreateStudent handles POST /api/v1/students.
func (h *HTTP) CreateStudent(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "do this"); err != nil {
		h.fail(w, r, err)
		return
	}
	var req CreateStudentRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.Service.Create(r.Context(), app.CreateStudent{StudentNumber: req.StudentNumber, GivenName: req.GivenName,
		FamilyName: req.FamilyName, Programme: req.Programme, YearOfStudy: req.YearOfStudy,
		Personal: domain.Personal{Email: req.Email, Phone: req.Phone, DateOfBirth: req.DateOfBirth, Address: req.Address}})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/students/"+s.ID)
	httpx.WriteJSON(w, http.StatusCreated, toResponse(s))
}

// GetStudent handles GET /api/v1/students/{id} (owner or staff).
func (h *HTTP) GetStudent(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if _, err := authz.RequireStudentAccess(r, id); err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.Service.Get(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toResponse(s))
}

// UpdateStudent handles PATCH /api/v1/students/{id}: the owner may change their contact
// details; only staff may change the year of study.
func (h *HTTP) UpdateStudent(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	p, err := authz.RequireStudentAccess(r, id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req UpdateStudentRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		h.fail(w, r, err)
		return
	}
	if req.YearOfStudy != nil && !p.Role.Staff() {
		h.fail(w, r, errs.InvalidFields("students may not change their year of study",
			errs.FieldError{Field: "yearOfStudy", Message: "may be changed by registry staff only"}))
		return
	}
	s, err := h.Service.Update(r.Context(), id, app.UpdateStudent(req))
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toResponse(s))
}

// SearchStudents handles GET /api/v1/students?q=&programme=&after=&limit= (staff).
func (h *HTTP) SearchStudents(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "do this"); err != nil {
		h.fail(w, r, err)
		return
	}
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	list, err := h.Service.Search(r.Context(), app.SearchQuery{Name: q.Get("q"), Programme: q.Get("programme"),
		After: q.Get("after"), Limit: limit})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]StudentResponse, 0, len(list))
	for _, s := range list {
		out = append(out, toResponse(s))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// CompletedRequest is the body of POST /api/v1/students/{id}/history.
type CompletedRequest struct {
	ModuleCode string `json:"moduleCode" validate:"required,max=10"`
	Grade      string `json:"grade" validate:"required,oneof=A B C D E F"`
	Term       string `json:"term" validate:"required,len=8"`
	Credits    int    `json:"credits" validate:"gte=0,lte=120"`
}

// CompletedResponse is one history entry.
type CompletedResponse struct {
	ModuleCode string    `json:"moduleCode"`
	Grade      string    `json:"grade"`
	Term       string    `json:"term"`
	Credits    int       `json:"credits"`
	RecordedAt time.Time `json:"recordedAt"`
}

// RecordCompleted handles POST /api/v1/students/{id}/history (staff).
func (h *HTTP) RecordCompleted(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "do this"); err != nil {
		h.fail(w, r, err)
		return
	}
	var req CompletedRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		h.fail(w, r, err)
		return
	}
	c, err := h.Service.RecordCompleted(r.Context(), mux.Vars(r)["id"], req.ModuleCode, req.Grade, req.Term, req.Credits)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, CompletedResponse(c))
}

// History handles GET /api/v1/students/{id}/history (owner or staff).
func (h *HTTP) History(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if _, err := authz.RequireStudentAccess(r, id); err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.Service.History(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]CompletedResponse, 0, len(list))
	for _, c := range list {
		out = append(out, CompletedResponse(c))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// HoldRequest is the body of POST /api/v1/students/{id}/holds.
type HoldRequest struct {
	Kind   string `json:"kind" validate:"required,oneof=blocking warning"`
	Reason string `json:"reason" validate:"required,max=200"`
}

// HoldResponse is one hold.
type HoldResponse struct {
	ID       string     `json:"id"`
	Kind     string     `json:"kind"`
	Reason   string     `json:"reason"`
	PlacedBy string     `json:"placedBy"`
	PlacedAt time.Time  `json:"placedAt"`
	LiftedAt *time.Time `json:"liftedAt,omitempty"`
	Active   bool       `json:"active"`
}

func toHold(x domain.Hold) HoldResponse {
	return HoldResponse{ID: x.ID, Kind: string(x.Kind), Reason: x.Reason, PlacedBy: x.PlacedBy, PlacedAt: x.PlacedAt,
		LiftedAt: x.LiftedAt, Active: x.Active()}
}

// PlaceHold handles POST /api/v1/students/{id}/holds (staff).
func (h *HTTP) PlaceHold(w http.ResponseWriter, r *http.Request) {
	p, err := authz.RequireStaff(r, "do this")
	if err != nil {
		h.fail(w, r, err)
		return
	}
	var req HoldRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		h.fail(w, r, err)
		return
	}
	hold, err := h.Service.PlaceHold(r.Context(), mux.Vars(r)["id"], domain.HoldKind(req.Kind), req.Reason, p.UserID)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusCreated, toHold(hold))
}

// LiftHold handles DELETE /api/v1/students/{id}/holds/{holdId} (staff).
func (h *HTTP) LiftHold(w http.ResponseWriter, r *http.Request) {
	if _, err := authz.RequireStaff(r, "do this"); err != nil {
		h.fail(w, r, err)
		return
	}
	if err := h.Service.LiftHold(r.Context(), mux.Vars(r)["id"], mux.Vars(r)["holdId"]); err != nil {
		h.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// Holds handles GET /api/v1/students/{id}/holds (owner or staff).
func (h *HTTP) Holds(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if _, err := authz.RequireStudentAccess(r, id); err != nil {
		h.fail(w, r, err)
		return
	}
	list, err := h.Service.Holds(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	out := make([]HoldResponse, 0, len(list))
	for _, x := range list {
		out = append(out, toHold(x))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}

// Summary handles GET /api/v1/students/{id}/summary: the event-fed read model.
func (h *HTTP) Summary(w http.ResponseWriter, r *http.Request) {
	id := mux.Vars(r)["id"]
	if _, err := authz.RequireStudentAccess(r, id); err != nil {
		h.fail(w, r, err)
		return
	}
	s, err := h.Service.Summary(r.Context(), id)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, s)
}

// OnStudentChanged handles every event of the students topic: it refreshes the student's
// read model from the database. Rebuilding from the truth makes duplicates and reordering
// harmless; the read model keeps only the newest version.
func (h *HTTP) OnStudentChanged(w http.ResponseWriter, r *http.Request) {
	ce, err := events.Decode(r)
	if err != nil {
		events.Reply(w, events.Drop)
		return
	}
	var data struct {
		StudentID string `json:"studentId"`
	}
	if json.Unmarshal(ce.Data, &data) != nil || data.StudentID == "" {
		h.Log.WarnContext(r.Context(), "student event without a student id dropped", "event_id", ce.ID, "type", ce.Type)
		events.Reply(w, events.Drop)
		return
	}
	err = h.Service.RefreshSummary(r.Context(), data.StudentID)
	switch {
	case errs.KindOf(err) == errs.NotFound:
		events.Reply(w, events.Drop)
	case err != nil:
		h.Log.WarnContext(r.Context(), "read model refresh will be retried", "event_id", ce.ID, "err", err)
		events.Reply(w, events.Retry)
	default:
		events.Reply(w, events.Success)
	}
}

// ReadModelStudents handles GET /internal/v1/read-model/students?after=&limit=: every
// student's summary (programme, year, completed modules, active hold counts, version; no
// personal data), ordered by id, {items, next}; next is "" on the last page. Only the
// registration app reaches it (Dapr access control), so it expects no user principal.
func (h *HTTP) ReadModelStudents(w http.ResponseWriter, r *http.Request) {
	req, err := page.Parse(r.URL.Query())
	if err != nil {
		h.fail(w, r, err)
		return
	}
	p, err := h.Service.SummaryFeed(r.Context(), req)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, p)
}

// RecordResponse is a student's record as back-office apps (the legacy ERP sync) read it:
// names, number and programme, never contact details.
type RecordResponse struct {
	ID            string `json:"id"`
	StudentNumber string `json:"studentNumber"`
	GivenName     string `json:"givenName"`
	FamilyName    string `json:"familyName"`
	Programme     string `json:"programme"`
	YearOfStudy   int    `json:"yearOfStudy"`
	Version       int    `json:"version"`
}

// StudentRecord handles GET /internal/v1/students/{id}: the record events leave out (they
// carry ids only), for the apps the student app's Dapr access-control policy admits. It
// expects no user principal.
func (h *HTTP) StudentRecord(w http.ResponseWriter, r *http.Request) {
	s, err := h.Service.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, RecordResponse{ID: s.ID, StudentNumber: s.StudentNumber, GivenName: s.GivenName,
		FamilyName: s.FamilyName, Programme: s.Programme, YearOfStudy: s.YearOfStudy, Version: s.Version})
}

// ContactResponse is how a student is addressed: the name and email a message needs, and
// nothing else of the record.
type ContactResponse struct {
	ID            string `json:"id"`
	StudentNumber string `json:"studentNumber"`
	GivenName     string `json:"givenName"`
	FamilyName    string `json:"familyName"`
	Email         string `json:"email"`
}

// Contact handles GET /internal/v1/contacts/{id}: the name and email of a student, for the
// notification app, which looks them up because events carry ids only. Only that app
// reaches it (Dapr access control), so it expects no user principal.
func (h *HTTP) Contact(w http.ResponseWriter, r *http.Request) {
	s, err := h.Service.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		h.fail(w, r, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, ContactResponse{ID: s.ID, StudentNumber: s.StudentNumber,
		GivenName: s.GivenName, FamilyName: s.FamilyName, Email: s.Personal.Email})
}
