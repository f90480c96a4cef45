// Command admission keeps each student's admission record and academic plan (Couchbase) and
// their admission form (PDF in object storage) in step with confirmed registrations.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("admission", run) }
