// Command analytics keeps the figures registry dashboards show, counted from every event.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("analytics", run) }
