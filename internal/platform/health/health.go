// Package health serves /livez, /readyz and /healthz from checks of the app's real
// dependencies (its database, its sidecar), so an orchestrator and the runner see the truth.
package health

import (
	"context"
	"encoding/json"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// Check reports whether one dependency is usable right now.
type Check func(ctx context.Context) error

// Registry holds the named checks of one app.
type Registry struct {
	mu       sync.Mutex
	checks   map[string]Check
	stopping atomic.Bool
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{checks: map[string]Check{}} }

// Add registers a dependency check under name.
func (r *Registry) Add(name string, c Check) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks[name] = c
}

// Stopping marks the app as shutting down: readiness fails so traffic drains away.
func (r *Registry) Stopping() { r.stopping.Store(true) }

// Report is the body of /readyz and /healthz.
type Report struct {
	Status       string            `json:"status"`
	Dependencies map[string]string `json:"dependencies"`
}

// Run evaluates every check concurrently with a short timeout.
func (r *Registry) Run(ctx context.Context) Report {
	r.mu.Lock()
	checks := make(map[string]Check, len(r.checks))
	for k, v := range r.checks {
		checks[k] = v
	}
	r.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	rep := Report{Status: "ok", Dependencies: map[string]string{}}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for name, c := range checks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			state := "ok"
			if err := c(ctx); err != nil {
				state = "down: " + err.Error()
			}
			mu.Lock()
			rep.Dependencies[name] = state
			if state != "ok" {
				rep.Status = "degraded"
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	if r.stopping.Load() {
		rep.Status = "stopping"
	}
	return rep
}

// Live answers /livez: the process is running and serving.
func (r *Registry) Live(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write([]byte(`{"status":"ok"}`))
}

// Ready answers /readyz and /healthz: 200 only when every dependency is usable.
func (r *Registry) Ready(w http.ResponseWriter, req *http.Request) {
	rep := r.Run(req.Context())
	status := http.StatusOK
	if rep.Status != "ok" {
		status = http.StatusServiceUnavailable
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(rep)
}
