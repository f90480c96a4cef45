// Command paygate is a Stripe-shaped payment gateway simulator: payment intents with test
// card tokens, refunds, Idempotency-Key replay, and injectable latency, transient failures
// and timeouts. It stands in for the real gateway locally and in tests; production points
// the payment app's HTTP binding at the real gateway instead.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("paygate", run) }
