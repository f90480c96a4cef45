package ports

import (
	"net/http"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Teaching handles GET /api/v1/teaching: the sections the calling lecturer teaches.
func (h *HTTP) Teaching(w http.ResponseWriter, r *http.Request) {
	p, ok := authz.FromRequest(r)
	if !ok {
		h.fail(w, r, errs.E(errs.Unauthorized, "authentication required"))
		return
	}
	if p.Role != authz.Lecturer {
		h.fail(w, r, errs.E(errs.Forbidden, "only lecturers have sections they teach"))
		return
	}
	list, err := h.Service.SectionsTaught(r.Context(), p.UserID)
	h.respond(w, r, http.StatusOK, map[string]any{"items": list}, err)
}

// Roster handles GET /api/v1/sections/{id}/roster: registry staff, or the section's
// own lecturer.
func (h *HTTP) Roster(w http.ResponseWriter, r *http.Request) {
	p, staff, err := caller(r)
	if err == nil && !staff && p.Role != authz.Lecturer {
		err = errs.E(errs.Forbidden, "only the section's lecturer and registry staff see its roster")
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	lecturer := ""
	if p.Role == authz.Lecturer {
		lecturer = p.UserID
	}
	roster, err := h.Service.SectionRoster(r.Context(), mux.Vars(r)["id"], lecturer, staff)
	h.respond(w, r, http.StatusOK, roster, err)
}
