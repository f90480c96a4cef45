// Package contracts embeds Registrar's published contracts — the OpenAPI document and the
// event JSON Schemas — so the gateway serves the same files the repo reviews.
package contracts

import "embed"

// OpenAPI is the public API description (openapi.yaml).
//
//go:embed openapi.yaml
var OpenAPI []byte

// Events holds one JSON Schema per event type under events/.
//
//go:embed events/*.json
var Events embed.FS
