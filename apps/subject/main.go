// Command subject is the module catalogue: modules, programmes, prerequisites,
// co-requisites, credits and fees, on a MongoDB-protocol store.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("subject", run) }
