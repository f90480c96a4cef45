// Package ports adapts HTTP requests to the student service's commands and queries.
package ports

import (
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/apps/student/app"
	"github.com/registrar-edu/registrar/apps/student/domain"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// HTTP serves the student API.
type HTTP struct {
	Service   *app.Service
	Validator *httpx.Validator
	Log       *slog.Logger
}

// CreateStudentRequest is the body of POST /api/v1/students.
type CreateStudentRequest struct {
	StudentNumber string `json:"studentNumber" validate:"required,alphanum,min=4,max=20"`
	GivenName     string `json:"givenName" validate:"required,max=100"`
	FamilyName    string `json:"familyName" validate:"required,max=100"`
	Email         string `json:"email" validate:"required,email,max=254"`
	Programme     string `json:"programme" validate:"required,alphanum,max=16"`
	YearOfStudy   int    `json:"yearOfStudy" validate:"required,gte=1,lte=7"`
}

// StudentResponse is a student as the API shows it.
type StudentResponse struct {
	ID            string    `json:"id"`
	StudentNumber string    `json:"studentNumber"`
	GivenName     string    `json:"givenName"`
	FamilyName    string    `json:"familyName"`
	Email         string    `json:"email"`
	Programme     string    `json:"programme"`
	YearOfStudy   int       `json:"yearOfStudy"`
	Version       int       `json:"version"`
	CreatedAt     time.Time `json:"createdAt"`
}

func toResponse(s domain.Student) StudentResponse {
	return StudentResponse{ID: s.ID, StudentNumber: s.StudentNumber, GivenName: s.GivenName,
		FamilyName: s.FamilyName, Email: s.Email, Programme: s.Programme, YearOfStudy: s.YearOfStudy,
		Version: s.Version, CreatedAt: s.CreatedAt}
}

// MaxBody is the largest student request accepted.
const MaxBody = 16 << 10

// CreateStudent handles POST /api/v1/students.
func (h *HTTP) CreateStudent(w http.ResponseWriter, r *http.Request) {
	var req CreateStudentRequest
	if err := h.Validator.Decode(r, w, &req, MaxBody); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	s, err := h.Service.Create(r.Context(), app.CreateStudent(req))
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Location", "/api/v1/students/"+s.ID)
	httpx.WriteJSON(w, http.StatusCreated, toResponse(s))
}

// GetStudent handles GET /api/v1/students/{id}.
func (h *HTTP) GetStudent(w http.ResponseWriter, r *http.Request) {
	s, err := h.Service.Get(r.Context(), mux.Vars(r)["id"])
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	httpx.WriteJSON(w, http.StatusOK, toResponse(s))
}

// ListStudents handles GET /api/v1/students?programme=&after=&limit=.
func (h *HTTP) ListStudents(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	list, err := h.Service.List(r.Context(), app.ListQuery{Programme: q.Get("programme"), After: q.Get("after"), Limit: limit})
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	out := make([]StudentResponse, 0, len(list))
	for _, s := range list {
		out = append(out, toResponse(s))
	}
	httpx.WriteJSON(w, http.StatusOK, map[string]any{"items": out})
}
