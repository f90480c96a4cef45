// Command student is the student service: profiles, academic history and holds.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("student", run) }
