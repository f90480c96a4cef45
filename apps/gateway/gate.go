package main

import (
	"log/slog"
	"net/http"
	"slices"
	"time"

	"github.com/gorilla/mux"

	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// policy says who may call a route: anyone, any signed-in user, listed roles, or the
// student who owns the record named by a path variable.
type policy struct {
	public bool
	roles  []authz.Role
	owner  string // path variable holding a student id the caller may own
}

// gate runs the checks every request passes: per-IP rate limit, authentication, per-user
// rate limit, then the route's policy.
type gate struct {
	verifier *verifier
	perIP    *limiter
	perUser  *limiter
	// perStaff is the budget of registry staff and admins, who work in bulk (enrolments,
	// timetabling); students and lecturers share perUser's.
	perStaff *limiter
	log      *slog.Logger
	now      func() time.Time
}

func (g *gate) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, who string) {
	w.Header().Set("Retry-After", retryAfter(wait))
	httpx.WriteError(w, r, g.log, errs.E(errs.TooManyRequests, "too many requests from this %s: retry after %s s", who, retryAfter(wait)))
}

func (g *gate) guard(p policy, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		now := g.now()
		if ok, wait := g.perIP.allow(clientIP(r), now); !ok {
			g.tooMany(w, r, wait, "address")
			return
		}
		authz.Strip(r.Header)
		if p.public {
			r.Header.Del("Authorization")
			next.ServeHTTP(w, r)
			return
		}
		who, err := g.verifier.Verify(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			if errs.KindOf(err) == errs.Unauthorized {
				w.Header().Set("WWW-Authenticate", `Bearer realm="registrar"`)
			}
			httpx.WriteError(w, r, g.log, err)
			return
		}
		bucket := g.perUser
		if who.Role.Staff() {
			bucket = g.perStaff
		}
		if ok, wait := bucket.allow(who.UserID, now); !ok {
			g.tooMany(w, r, wait, "user")
			return
		}
		if err := allowed(p, who, mux.Vars(r)); err != nil {
			httpx.WriteError(w, r, g.log, err)
			return
		}
		// The apps trust these headers only because the gateway sets them and Dapr access
		// control admits only the gateway; the token itself stays at the edge.
		r.Header.Del("Authorization")
		who.Set(r.Header)
		next.ServeHTTP(w, r.WithContext(withPrincipal(r.Context(), who)))
	})
}

// allowed applies a route's policy to an authenticated caller.
func allowed(p policy, who authz.Principal, vars map[string]string) error {
	if len(p.roles) == 0 && p.owner == "" {
		return nil
	}
	if slices.Contains(p.roles, who.Role) {
		return nil
	}
	if p.owner != "" && who.Role == authz.Student {
		if who.StudentID == vars[p.owner] {
			return nil
		}
		// Another student's record: answer as if it did not exist, so ids cannot be probed.
		return errs.E(errs.NotFound, "no such resource")
	}
	return errs.E(errs.Forbidden, "your role (%s) may not do this", who.Role)
}
