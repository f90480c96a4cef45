// Command erp-sync keeps the university's legacy ERP in step with Registrar: new students
// and confirmed registrations become rows in the ERP's MariaDB tables, written through the
// Dapr MySQL output binding.
package main

import "github.com/registrar-edu/registrar/internal/platform/server"

func main() { server.Main("erp-sync", run) }
