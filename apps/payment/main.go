// Command payment charges and refunds registration fees: one charge per registration,
// whatever re-runs, through the payment gateway behind a Dapr HTTP output binding.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("payment", run) }
