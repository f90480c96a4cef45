package main

import (
	"bytes"
	"errors"
	"io/fs"
	"log/slog"
	"mime"
	"net/http"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// portal serves the web portal's built files (apps/gateway/web/dist) for GET and HEAD: a
// file of the build is served as it is; a page of the single-page app (/, /login,
// /student/…, /lecturer…, /staff/…) gets index.html so the app's own router shows it (a
// reload of /student/timetable works). Any other path stays a problem+json 404, so the
// API, /internal/… and whatever else is not a page never come back as HTML with 200.
type portal struct {
	files fs.FS
	log   *slog.Logger
}

// servePortal mounts the portal from dir on the router, after every other route.
func servePortal(r *mux.Router, dir string, log *slog.Logger) {
	if _, err := os.Stat(path.Join(dir, "index.html")); err != nil {
		log.Warn("the web portal is not built: run make setup", "dir", dir, "err", err)
	}
	p := &portal{files: os.DirFS(dir), log: log}
	r.PathPrefix("/").MatcherFunc(func(req *http.Request, _ *mux.RouteMatch) bool {
		return isPortalPath(req.URL.Path)
	}).Methods(http.MethodGet, http.MethodHead).Handler(p)
}

// isPortalPath is false for the API, the sidecar's calls into the app (/dapr/config,
// /dapr/subscribe must stay 404 rather than HTML), internal routes and the probes.
func isPortalPath(p string) bool {
	for _, prefix := range []string{"/api/", "/.well-known/", "/dapr/", "/events/", "/internal/"} {
		if strings.HasPrefix(p, prefix) || p+"/" == prefix {
			return false
		}
	}
	switch p {
	case "/healthz", "/readyz", "/livez", "/metrics":
		return false
	}
	return true
}

// pagePrefixes are the first path segments of the app's pages (src/main.tsx routes).
var pagePrefixes = []string{"login", "student", "lecturer", "staff"}

// isPage reports whether name (a clean path without the leading slash) is a page of the app.
func isPage(name string) bool {
	if name == "index.html" {
		return true
	}
	first, _, _ := strings.Cut(name, "/")
	return path.Ext(name) == "" && slices.Contains(pagePrefixes, first)
}

func (p *portal) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	// The app is one bundle from /assets: no inline scripts, API calls to this origin only.
	// Admission forms are opened by navigation (form.url), which connect-src does not limit.
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "+
		"img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")

	name := strings.TrimPrefix(path.Clean("/"+r.URL.Path), "/")
	if name == "" {
		name = "index.html"
	}
	if f, err := fs.Stat(p.files, name); err != nil || f.IsDir() || strings.HasPrefix(path.Base(name), ".") {
		// Not a file of the build: index.html for a page of the app; a 404 for anything
		// else, a missing asset included (a stale one after a deploy must not come back as
		// HTML with status 200).
		if !isPage(name) {
			httpx.WriteProblem(w, r, httpx.Problem{Type: httpx.ProblemTypeBase + "not-found",
				Title: "Not Found", Status: http.StatusNotFound, Detail: "no such file"})
			return
		}
		name = "index.html"
	}
	body, err := fs.ReadFile(p.files, name)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			httpx.WriteProblem(w, r, httpx.Problem{Type: httpx.ProblemTypeBase + "unavailable",
				Title: "Service Unavailable", Status: http.StatusServiceUnavailable,
				Detail: "the web portal is not built on this server (make setup builds it)"})
			return
		}
		p.log.ErrorContext(r.Context(), "read portal file", "file", name, "err", err)
		httpx.WriteProblem(w, r, httpx.Problem{Type: httpx.ProblemTypeBase + "internal",
			Title: "Internal Server Error", Status: http.StatusInternalServerError, Detail: "the file could not be read"})
		return
	}
	if strings.HasPrefix(name, "assets/") {
		// Vite puts a content hash in every asset's name: a changed file gets a new name.
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		// index.html and unhashed files: always revalidate, so a deploy is picked up at once.
		h.Set("Cache-Control", "no-cache")
	}
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = http.DetectContentType(body)
	}
	h.Set("Content-Type", ctype)
	fi, _ := fs.Stat(p.files, name)
	http.ServeContent(w, r, name, fi.ModTime(), bytes.NewReader(body))
}
