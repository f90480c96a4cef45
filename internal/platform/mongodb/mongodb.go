// Package mongodb connects an app to a MongoDB-protocol server (MongoDB in production,
// FerretDB locally) and reports its health.
package mongodb

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"
	"go.mongodb.org/mongo-driver/v2/mongo/readpref"

	"github.com/registrar-edu/registrar/internal/platform/health"
)

// Connect opens a client on url and pings the server once, so a wrong URL fails at start
// rather than at the first request.
func Connect(ctx context.Context, url string) (*mongo.Client, error) {
	opts := options.Client().ApplyURI(url).
		SetServerSelectionTimeout(5 * time.Second).
		SetConnectTimeout(5 * time.Second).
		SetTimeout(30 * time.Second)
	c, err := mongo.Connect(opts)
	if err != nil {
		return nil, fmt.Errorf("mongodb: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := c.Ping(pctx, readpref.Primary()); err != nil {
		_ = c.Disconnect(context.WithoutCancel(ctx))
		return nil, fmt.Errorf("mongodb: ping: %w", err)
	}
	return c, nil
}

// Check is the app's "database" readiness dependency.
func Check(c *mongo.Client) health.Check {
	return func(ctx context.Context) error {
		if err := c.Ping(ctx, readpref.Primary()); err != nil {
			return fmt.Errorf("mongodb unreachable")
		}
		return nil
	}
}

// IsDuplicateKey reports whether err is a unique-index violation.
func IsDuplicateKey(err error) bool { return mongo.IsDuplicateKeyError(err) }
