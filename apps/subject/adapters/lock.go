package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/registrar-edu/registrar/apps/subject/app"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/mongodb"
)

// MongoLock is a lease lock held by a document with a fixed _id: taking it is an insert,
// which the unique _id makes atomic on every MongoDB-protocol server; releasing it deletes
// the holder's document. A conditional update would be simpler on MongoDB, but FerretDB v1
// applies an update as read, then unconditional write, so two takers could both win.
// A crashed holder's lease expires after TTL and the next taker breaks it.
type MongoLock struct {
	DB   *mongo.Database
	Name string        // the lock document's _id (default "catalogue")
	TTL  time.Duration // lease length (default 15 s); a catalogue write takes milliseconds
	// Wait bounds how long Do waits for the lease (default 10 s) before answering Unavailable.
	Wait time.Duration
}

var _ app.CatalogueLock = (*MongoLock)(nil)

type leaseDoc struct {
	Name   string    `bson:"_id"`
	Holder string    `bson:"holder"`
	Until  time.Time `bson:"until"`
}

func (l *MongoLock) settings() (string, time.Duration, time.Duration) {
	name, ttl, wait := l.Name, l.TTL, l.Wait
	if name == "" {
		name = "catalogue"
	}
	if ttl <= 0 {
		ttl = 15 * time.Second
	}
	if wait <= 0 {
		wait = 10 * time.Second
	}
	return name, ttl, wait
}

// Do runs fn while holding the lease.
func (l *MongoLock) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	name, ttl, wait := l.settings()
	holder := uuid.NewString()
	coll := l.DB.Collection(LocksCollection)
	deadline := time.Now().Add(wait)
	for pause := 2 * time.Millisecond; ; pause = min(pause*2, 100*time.Millisecond) {
		now := time.Now()
		_, err := coll.InsertOne(ctx, leaseDoc{Name: name, Holder: holder, Until: now.Add(ttl)})
		if err == nil {
			break
		}
		if !mongodb.IsDuplicateKey(err) {
			return fmt.Errorf("take lock %s: %w", name, err)
		}
		var cur leaseDoc
		err = coll.FindOne(ctx, bson.D{{Key: "_id", Value: name}}).Decode(&cur)
		switch {
		case errors.Is(err, mongo.ErrNoDocuments):
			continue // released meanwhile
		case err != nil:
			return fmt.Errorf("read lock %s: %w", name, err)
		case cur.Until.Before(now):
			// The holder died: break its lease (only its own) and try again at once.
			if _, err := coll.DeleteOne(ctx, bson.D{{Key: "_id", Value: name}, {Key: "holder", Value: cur.Holder}}); err != nil {
				return fmt.Errorf("break stale lock %s: %w", name, err)
			}
			continue
		}
		if now.After(deadline) {
			return errs.E(errs.Unavailable, "the catalogue is busy: retry shortly")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(pause):
		}
	}
	defer func() {
		// Released even if ctx ended: otherwise the next writer waits out the lease.
		_, _ = coll.DeleteOne(context.WithoutCancel(ctx), bson.D{{Key: "_id", Value: name}, {Key: "holder", Value: holder}})
	}()
	return fn(ctx)
}
