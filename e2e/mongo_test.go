package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/registrar-edu/registrar/internal/platform/mongodb"
)

// dropMongoDatabases drops the MongoDB-protocol databases the e2e stack's apps name
// (MONGODB_DATABASE, registrar_e2e_* only), so a run leaves nothing behind in FerretDB.
func dropMongoDatabases(ctx context.Context) {
	for _, a := range opts.Apps() {
		url, name := a.Env["MONGODB_URL"], a.Env["MONGODB_DATABASE"]
		if url == "" || !strings.HasPrefix(name, "registrar_e2e_") {
			continue
		}
		c, err := mongodb.Connect(ctx, url)
		if err != nil {
			fmt.Fprintln(os.Stderr, "e2e cleanup:", err)
			continue
		}
		if err := c.Database(name).Drop(ctx); err != nil {
			fmt.Fprintln(os.Stderr, "e2e cleanup: drop", name+":", err)
		}
		_ = c.Disconnect(ctx)
	}
}
