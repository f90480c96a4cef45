package daprx

import (
	"context"
	"fmt"
	"time"
)

// WatchSecret reads secret name from the Dapr secret store as soon as the sidecar answers,
// hands its value to apply, and reads it again every interval so that rotated keys are
// picked up without a restart. It returns when ctx ends.
func (s *Sidecar) WatchSecret(ctx context.Context, store, name string, every time.Duration, apply func(string) error) error {
	load := func() error {
		c, err := s.Client(ctx)
		if err != nil {
			return err
		}
		v, err := c.GetSecret(ctx, store, name, nil)
		if err != nil {
			return fmt.Errorf("read secret %s: %w", name, err)
		}
		if err := apply(v[name]); err != nil {
			return fmt.Errorf("secret %s: %w", name, err)
		}
		return nil
	}
	wait := 200 * time.Millisecond
	for {
		err := load()
		switch {
		case err == nil:
			wait = every
		case ctx.Err() == nil:
			s.log.Warn("secret not loaded", "secret", name, "err", err)
			wait = min(wait*2, 5*time.Second)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
	}
}
