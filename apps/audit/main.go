// Command audit keeps the append-only, hash-chained log of every event on the broker.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("audit", run) }
