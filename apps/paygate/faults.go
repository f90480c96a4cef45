package main

import (
	"fmt"
	"sync"
	"time"
)

// FaultConfig is the simulator's fault injection, as GET/POST /admin/config show it.
type FaultConfig struct {
	LatencyMs   int64   `json:"latencyMs"`
	FailureRate float64 `json:"failureRate"` // share of requests answered 500/503 without any effect
	TimeoutRate float64 `json:"timeoutRate"` // share of requests that take effect, then hang past the caller's timeout
}

func (c FaultConfig) validate() error {
	switch {
	case c.LatencyMs < 0 || c.LatencyMs > 60_000:
		return fmt.Errorf("latencyMs must be between 0 and 60000")
	case c.FailureRate < 0 || c.FailureRate > 1:
		return fmt.Errorf("failureRate must be between 0 and 1")
	case c.TimeoutRate < 0 || c.TimeoutRate > 1:
		return fmt.Errorf("timeoutRate must be between 0 and 1")
	case c.FailureRate+c.TimeoutRate > 1:
		return fmt.Errorf("failureRate + timeoutRate must be at most 1")
	}
	return nil
}

// Faults holds the current fault configuration; it changes at runtime.
type Faults struct {
	mu  sync.RWMutex
	cfg FaultConfig
}

// NewFaults starts with cfg.
func NewFaults(cfg FaultConfig) (*Faults, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("paygate faults: %w", err)
	}
	return &Faults{cfg: cfg}, nil
}

// Get returns the current configuration.
func (f *Faults) Get() FaultConfig {
	f.mu.RLock()
	defer f.mu.RUnlock()
	return f.cfg
}

// Set replaces the configuration.
func (f *Faults) Set(cfg FaultConfig) error {
	if err := cfg.validate(); err != nil {
		return err
	}
	f.mu.Lock()
	f.cfg = cfg
	f.mu.Unlock()
	return nil
}

// fault is what happens to one request.
type fault int

const (
	noFault fault = iota
	fail500
	fail503
	hang
)

// pick decides one request's fate from a roll in [0, 1).
func (c FaultConfig) pick(roll float64) fault {
	switch {
	case roll < c.FailureRate/2:
		return fail503
	case roll < c.FailureRate:
		return fail500
	case roll < c.FailureRate+c.TimeoutRate:
		return hang
	default:
		return noFault
	}
}

func (c FaultConfig) latency() time.Duration { return time.Duration(c.LatencyMs) * time.Millisecond }
