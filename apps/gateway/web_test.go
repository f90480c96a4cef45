package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gorilla/mux"
)

func TestPortalServesFilesFallsBackToIndexAndLeavesTheAPIAlone(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "assets"), 0o755))
	must(os.WriteFile(filepath.Join(dir, "index.html"), []byte("<!doctype html><title>Registrar</title>"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "assets", "app-1a2b3c.js"), []byte("console.log(1)"), 0o644))
	must(os.WriteFile(filepath.Join(dir, "favicon.svg"), []byte("<svg xmlns='http://www.w3.org/2000/svg'/>"), 0o644))

	r := mux.NewRouter()
	r.HandleFunc("/api/v1/subjects", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "api") }).Methods(http.MethodGet)
	r.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	servePortal(r, dir, slog.New(slog.NewTextHandler(io.Discard, nil)))

	cases := []struct {
		method, path string
		status       int
		ctype, cache string
		body         string
	}{
		{"GET", "/", 200, "text/html", "no-cache", "<title>Registrar"},
		{"GET", "/student/timetable", 200, "text/html", "no-cache", "<title>Registrar"},
		{"GET", "/assets/app-1a2b3c.js", 200, "javascript", "immutable", "console.log"},
		{"HEAD", "/assets/app-1a2b3c.js", 200, "javascript", "immutable", ""},
		{"GET", "/favicon.svg", 200, "image/svg+xml", "no-cache", "<svg"},
		{"GET", "/assets/gone-000000.js", 404, "application/problem+json", "", "not-found"},
		{"GET", "/robots.txt", 404, "application/problem+json", "", ""},
		{"GET", "/api/v1/subjects", 200, "", "", "api"},
		{"GET", "/api/v1/nothing-here", 404, "", "", ""},
		{"GET", "/healthz", 200, "", "", "ok"},
		{"GET", "/dapr/subscribe", 404, "", "", ""},
		{"GET", "/internal/v1/read-model/students", 404, "", "", ""},
		{"GET", "/wp-admin/setup", 404, "application/problem+json", "", "not-found"},
		{"GET", "/staff/dashboard", 200, "text/html", "no-cache", "<title>Registrar"},
		{"GET", "/login", 200, "text/html", "no-cache", "<title>Registrar"},
		{"POST", "/student", 405, "", "", ""},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, httptest.NewRequest(c.method, c.path, nil))
		if rec.Code != c.status {
			t.Errorf("%s %s: status %d, want %d", c.method, c.path, rec.Code, c.status)
			continue
		}
		if !strings.Contains(rec.Header().Get("Content-Type"), c.ctype) {
			t.Errorf("%s %s: Content-Type %q, want %q", c.method, c.path, rec.Header().Get("Content-Type"), c.ctype)
		}
		if !strings.Contains(rec.Header().Get("Cache-Control"), c.cache) {
			t.Errorf("%s %s: Cache-Control %q, want %q", c.method, c.path, rec.Header().Get("Cache-Control"), c.cache)
		}
		if !strings.Contains(rec.Body.String(), c.body) {
			t.Errorf("%s %s: body %q lacks %q", c.method, c.path, rec.Body.String(), c.body)
		}
		if strings.HasPrefix(c.path, "/api/") && rec.Header().Get("Content-Security-Policy") != "" {
			t.Errorf("%s: the portal handled an API path", c.path)
		}
	}
}
