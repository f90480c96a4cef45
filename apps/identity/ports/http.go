// Package ports adapts HTTP requests to identity's commands.
package ports

import (
	"log/slog"
	"net/http"

	"github.com/go-jose/go-jose/v4"

	"github.com/registrar-edu/registrar/apps/identity/app"
	"github.com/registrar-edu/registrar/apps/identity/domain"
	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// HTTP serves identity's API.
type HTTP struct {
	Service   *app.Service
	JWKS      func() jose.JSONWebKeySet
	Validator *httpx.Validator
	Log       *slog.Logger
}

// LoginRequest is the body of POST /api/v1/auth/login.
type LoginRequest struct {
	Username string `json:"username" validate:"required,max=64"`
	Password string `json:"password" validate:"required,max=256"`
}

// RefreshRequest is the body of POST /api/v1/auth/refresh.
type RefreshRequest struct {
	RefreshToken string `json:"refreshToken" validate:"required,max=128"`
}

// CreateUserRequest is the body of POST /api/v1/users.
type CreateUserRequest struct {
	Username  string `json:"username" validate:"required,min=3,max=64"`
	Password  string `json:"password" validate:"required,min=12,max=256"`
	Role      string `json:"role" validate:"required,oneof=student lecturer registry admin"`
	StudentID string `json:"studentId" validate:"omitempty,uuid"`
}

// UserResponse is an account as the API shows it (never its hash).
type UserResponse struct {
	ID        string `json:"id"`
	Username  string `json:"username"`
	Role      string `json:"role"`
	StudentID string `json:"studentId,omitempty"`
}

func toResponse(u domain.User) UserResponse {
	return UserResponse{ID: u.ID, Username: u.Username, Role: u.Role, StudentID: u.StudentID}
}

// Login handles POST /api/v1/auth/login.
func (h *HTTP) Login(w http.ResponseWriter, r *http.Request) {
	var req LoginRequest
	if err := h.Validator.Decode(r, w, &req, 4<<10); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	t, err := h.Service.Login(r.Context(), req.Username, req.Password)
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, t)
}

// Refresh handles POST /api/v1/auth/refresh.
func (h *HTTP) Refresh(w http.ResponseWriter, r *http.Request) {
	var req RefreshRequest
	if err := h.Validator.Decode(r, w, &req, 4<<10); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	t, err := h.Service.Refresh(r.Context(), req.RefreshToken)
	if err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	httpx.WriteJSON(w, http.StatusOK, t)
}

// JWKSet handles GET /.well-known/jwks.json.
func (h *HTTP) JWKSet(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=60")
	httpx.WriteJSON(w, http.StatusOK, h.JWKS())
}

// CreateUser handles POST /api/v1/users (admins and registry staff).
func (h *HTTP) CreateUser(w http.ResponseWriter, r *http.Request) {
	p, ok := authz.FromRequest(r)
	if !ok || !p.Role.Staff() {
		httpx.WriteError(w, r, h.Log, errs.E(errs.Forbidden, "only registry staff may create accounts"))
		return
	}
	var req CreateUserRequest
	if err := h.Validator.Decode(r, w, &req, 4<<10); err != nil {
		httpx.WriteError(w, r, h.Log, err)
		return
	}
	if req.Role == "admin" && p.Role != authz.Admin {
		httpx.WriteError(w, r, h.Log, errs.E(errs.Forbidden, "only admins may create admin accounts"))
		return
	}
	u, err := h.Service.Create(r.Context(), app.CreateUser(req))
	httpx.Respond(w, r, h.Log, http.StatusCreated, toResponse(u), err)
}

// Me handles GET /api/v1/users/me: the caller's own account.
func (h *HTTP) Me(w http.ResponseWriter, r *http.Request) {
	p, ok := authz.FromRequest(r)
	if !ok {
		httpx.WriteError(w, r, h.Log, errs.E(errs.Unauthorized, "authentication required"))
		return
	}
	u, err := h.Service.Get(r.Context(), p.UserID)
	httpx.Respond(w, r, h.Log, http.StatusOK, toResponse(u), err)
}
