// Command notification tells students what happened: it consumes the user-facing events and sends messages.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("notification", run) }
