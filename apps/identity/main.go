// Command identity is the identity service: users, roles, passwords, login, refresh tokens and the signing keys (JWKS).
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("identity", run) }
