package daprx

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/logging"
)

// Invoker calls other apps through the sidecar's service invocation API over HTTP: mTLS,
// access control, name resolution and the resiliency policies apply on the way.
type Invoker struct {
	Sidecar *Sidecar
	Client  *http.Client
}

// NewInvoker returns an invoker with a bounded per-call timeout.
func NewInvoker(s *Sidecar, timeout time.Duration) *Invoker {
	return &Invoker{Sidecar: s, Client: &http.Client{Timeout: timeout}}
}

// Call sends body (JSON, may be nil) to method path of app and decodes a 2xx answer into
// out (may be nil). It returns the HTTP status. Non-2xx answers come back as errors with a
// kind: 404 NotFound, 409 Conflict, 4xx Invalid, everything else Unavailable (retryable).
func (i *Invoker) Call(ctx context.Context, app, method, path string, body, out any) (int, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, i.Sidecar.HTTPBase()+"/v1.0/invoke/"+app+"/method"+path, rd)
	if err != nil {
		return 0, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if id := logging.RequestID(ctx); id != "" {
		req.Header.Set("X-Request-Id", id)
	}
	resp, err := i.Client.Do(req)
	if err != nil {
		return 0, errs.Wrap(errs.Unavailable, err, app+" is unreachable")
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 == 2 {
		if out != nil && len(raw) > 0 {
			if err := json.Unmarshal(raw, out); err != nil {
				return resp.StatusCode, fmt.Errorf("decode %s %s answer: %w", app, path, err)
			}
		}
		return resp.StatusCode, nil
	}
	kind := errs.Unavailable
	switch {
	case resp.StatusCode == http.StatusNotFound:
		kind = errs.NotFound
	case resp.StatusCode == http.StatusConflict:
		kind = errs.Conflict
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		kind = errs.Unavailable
	case resp.StatusCode >= 400:
		kind = errs.Invalid
	}
	return resp.StatusCode, &errs.Error{Kind: kind, Message: fmt.Sprintf("%s %s %s answered %d", app, method, path, resp.StatusCode),
		Err: fmt.Errorf("%s", bytes.TrimSpace(raw))}
}
