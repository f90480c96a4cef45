//go:build tools

// Package tools makes the Dapr control-plane and sidecar commands part of this module so
// that `go build` can build them with the pinned versions.
package tools

import (
	_ "github.com/dapr/dapr/cmd/daprd"
	_ "github.com/dapr/dapr/cmd/placement"
	_ "github.com/dapr/dapr/cmd/scheduler"
	_ "github.com/dapr/dapr/cmd/sentry"
)
