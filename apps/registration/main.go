// Command registration is the heart of Registrar: eligibility, idempotent registration,
// seat holds and waitlists, and the registration saga (Dapr Workflow).
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("registration", run) }
