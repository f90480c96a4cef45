// Package httpx holds the HTTP edge shared by every app: problem+json errors, strict JSON
// decoding with validation, request ids, access logs and metrics middleware.
package httpx

import (
	"encoding/json"
	"log/slog"
	"net/http"

	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/logging"
)

// ProblemTypeBase prefixes the stable `type` URI of each error kind.
const ProblemTypeBase = "https://registrar.example/problems/"

// Problem is an RFC 9457 problem details body.
type Problem struct {
	Type      string            `json:"type"`
	Title     string            `json:"title"`
	Status    int               `json:"status"`
	Detail    string            `json:"detail,omitempty"`
	Instance  string            `json:"instance,omitempty"`
	RequestID string            `json:"requestId,omitempty"`
	Errors    []errs.FieldError `json:"errors,omitempty"`
}

// statusOf is the one table from error kinds to HTTP status codes.
var statusOf = map[errs.Kind]int{
	errs.Invalid:         http.StatusBadRequest,
	errs.Unauthorized:    http.StatusUnauthorized,
	errs.Forbidden:       http.StatusForbidden,
	errs.NotFound:        http.StatusNotFound,
	errs.Conflict:        http.StatusConflict,
	errs.TooLarge:        http.StatusRequestEntityTooLarge,
	errs.Unprocessable:   http.StatusUnprocessableEntity,
	errs.Locked:          http.StatusLocked,
	errs.TooManyRequests: http.StatusTooManyRequests,
	errs.Unavailable:     http.StatusServiceUnavailable,
	errs.Internal:        http.StatusInternalServerError,
}

// WriteError answers err as problem+json. Unclassified errors are logged here, once, and the
// client sees only a generic message and the request id.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	e, ok := errs.As(err)
	if !ok || e.Kind == errs.Internal {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = errs.E(errs.Internal, "internal error: quote the request id when reporting it")
	} else if e.Kind == errs.Unavailable {
		log.WarnContext(r.Context(), "dependency unavailable", "path", r.URL.Path, "err", err)
	}
	status := statusOf[e.Kind]
	WriteProblem(w, r, Problem{
		Type:   ProblemTypeBase + e.Kind.String(),
		Title:  http.StatusText(status),
		Status: status,
		Detail: e.Message,
		Errors: e.Fields,
	})
}

// WriteProblem writes p with the request's id and path filled in.
func WriteProblem(w http.ResponseWriter, r *http.Request, p Problem) {
	p.RequestID = logging.RequestID(r.Context())
	p.Instance = r.URL.Path
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}

// WriteJSON answers v as JSON with the given status.
func WriteJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Respond writes v as JSON with status, or err as problem+json: the last step of most
// handlers, once the command or query has run.
func Respond(w http.ResponseWriter, r *http.Request, log *slog.Logger, status int, v any, err error) {
	if err != nil {
		WriteError(w, r, log, err)
		return
	}
	WriteJSON(w, status, v)
}
