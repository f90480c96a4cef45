package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"time"

	"github.com/registrar-edu/registrar/internal/platform/authz"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
)

// forwarder sends public API requests to an app through the gateway's own sidecar
// (`/v1.0/invoke/<app-id>/method/<path>`), so every hop is Dapr service invocation: mTLS,
// access control, retries and tracing come from the sidecars.
type forwarder struct {
	sidecar *url.URL
	log     *slog.Logger
	maxBody int64
}

// to returns a handler forwarding the request unchanged to appID.
func (f *forwarder) to(appID string) http.Handler {
	proxy := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme = f.sidecar.Scheme
			pr.Out.URL.Host = f.sidecar.Host
			pr.Out.URL.Path = "/v1.0/invoke/" + appID + "/method" + pr.In.URL.Path
			// Apps see the caller only through the headers the gate set (never the client's).
			authz.Strip(pr.Out.Header)
			if who, ok := principalFrom(pr.In.Context()); ok {
				who.Set(pr.Out.Header)
			}
			pr.Out.URL.RawPath = ""
			pr.Out.Host = f.sidecar.Host
			pr.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			var maxErr *http.MaxBytesError
			if errors.As(err, &maxErr) {
				httpx.WriteError(w, r, f.log, errs.E(errs.TooLarge, "request body is larger than %d bytes", f.maxBody))
				return
			}
			httpx.WriteError(w, r, f.log, errs.Wrap(errs.Unavailable, err, appID+" is unavailable, try again shortly"))
		},
		ModifyResponse: func(resp *http.Response) error {
			// The gateway's request id is the one the client sees.
			resp.Header.Del(httpx.RequestIDHeader)
			// Dapr's own invocation errors (the target unreachable, access denied) come back
			// as Dapr JSON; the public API speaks problem+json only.
			if resp.StatusCode >= 500 && !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				f.log.Warn("invocation failed", "app", appID, "status", resp.StatusCode)
				resp.Body.Close()
				return errs.E(errs.Unavailable, "%s answered %d", appID, resp.StatusCode)
			}
			return nil
		},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > f.maxBody {
			httpx.WriteError(w, r, f.log, errs.E(errs.TooLarge, "request body is larger than %d bytes", f.maxBody))
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, f.maxBody)
		// A client that goes away must not cancel the call in flight: daprd 1.16.0 panics
		// when an invocation is cancelled mid-response (dapr/dapr#10371). The call finishes
		// (bounded by the sidecars' resiliency timeouts, and this backstop) and its answer
		// is dropped.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), 2*time.Minute)
		defer cancel()
		proxy.ServeHTTP(w, r.WithContext(ctx))
	})
}
