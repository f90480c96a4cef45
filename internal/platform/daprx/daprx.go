// Package daprx connects an app to its Dapr sidecar and reports the sidecar's health.
package daprx

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"

	dapr "github.com/dapr/go-sdk/client"
)

// Sidecar is the app's lazily connected Dapr client. The app serves HTTP before the sidecar
// is up (daprd waits for the app's port), so the client is dialled in the background.
type Sidecar struct {
	httpPort int
	grpcPort int
	log      *slog.Logger
	http     *http.Client

	mu     sync.RWMutex
	client dapr.Client
	ready  chan struct{}
}

// NewSidecar describes the sidecar listening on the given loopback ports.
func NewSidecar(httpPort, grpcPort int, log *slog.Logger) *Sidecar {
	return &Sidecar{httpPort: httpPort, grpcPort: grpcPort, log: log,
		http: &http.Client{Timeout: 2 * time.Second}, ready: make(chan struct{})}
}

// Connect dials the sidecar until it answers or ctx ends.
func (s *Sidecar) Connect(ctx context.Context) error {
	addr := "127.0.0.1:" + strconv.Itoa(s.grpcPort)
	backoff := 200 * time.Millisecond
	for {
		c, err := dapr.NewClientWithAddressContext(ctx, addr)
		if err == nil {
			s.mu.Lock()
			s.client = c
			s.mu.Unlock()
			close(s.ready)
			s.log.Info("connected to dapr sidecar", "address", addr)
			return nil
		}
		s.log.Debug("dapr sidecar not reachable yet", "address", addr, "err", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

// Client waits for the connection and returns the Dapr client.
func (s *Sidecar) Client(ctx context.Context) (dapr.Client, error) {
	select {
	case <-s.ready:
		s.mu.RLock()
		defer s.mu.RUnlock()
		return s.client, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("dapr sidecar not connected: %w", ctx.Err())
	}
}

// HTTPBase is the sidecar's HTTP API root, for APIs used over plain HTTP (service invocation
// as a reverse proxy).
func (s *Sidecar) HTTPBase() string { return "http://127.0.0.1:" + strconv.Itoa(s.httpPort) }

// Check reports whether the sidecar's outbound side (components, invocation) is ready.
// It is used as the app's "sidecar" readiness dependency.
func (s *Sidecar) Check(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.HTTPBase()+"/v1.0/healthz/outbound", nil)
	if err != nil {
		return err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("sidecar unreachable")
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("sidecar answered %d", resp.StatusCode)
	}
	select {
	case <-s.ready:
		return nil
	default:
		return fmt.Errorf("grpc client not connected yet")
	}
}

// Close closes the client if it was connected.
func (s *Sidecar) Close() {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.client != nil {
		s.client.Close()
	}
}
