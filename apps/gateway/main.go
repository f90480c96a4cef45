// Command gateway is the public HTTP entry of Registrar: it checks requests and forwards them to the apps by Dapr service invocation.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("gateway", run) }
