// Package adapters connects the admission app to Couchbase (records), the Dapr S3 binding
// (forms), the student and subject apps (through Dapr service invocation) and fpdf.
package adapters

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/couchbase/gocb/v2"

	"github.com/registrar-edu/registrar/apps/admission/app"
	"github.com/registrar-edu/registrar/apps/admission/domain"
)

// CouchbaseConfig says where the records live.
type CouchbaseConfig struct {
	URL      string
	Username string
	Password string
	Bucket   string
	// KeyPrefix is put before every document key (tests use their own).
	KeyPrefix string
	// OpTimeout bounds one KV operation.
	OpTimeout time.Duration
	// MaxRaces bounds how often Mutate re-reads after losing a compare-and-swap.
	MaxRaces int
}

// CouchbaseRecords keeps each admission record as one JSON document keyed by the student
// id ("admission::<studentId>"), changed only by compare-and-swap. Only KV operations are
// used: the local Couchbase-protocol mock (gocaves) has no query service.
type CouchbaseRecords struct {
	cluster *gocb.Cluster
	bucket  *gocb.Bucket
	coll    *gocb.Collection
	cfg     CouchbaseConfig
}

var _ app.Records = (*CouchbaseRecords)(nil)

// failFast is the retry strategy of compare-and-swap writes. A stale CAS is a "CAS
// mismatch" on Couchbase Server, but the gocaves mock answers it as a temporary failure,
// which gocb's default strategy retries until the operation times out; returning at once
// lets Mutate re-read and try again within its bound.
type failFast struct{}

func (failFast) RetryAfter(gocb.RetryRequest, gocb.RetryReason) gocb.RetryAction {
	return &gocb.NoRetryRetryAction{}
}

// OpenCouchbase connects to the cluster and waits until the bucket answers.
func OpenCouchbase(ctx context.Context, cfg CouchbaseConfig) (*CouchbaseRecords, error) {
	c, err := NewCouchbase(cfg)
	if err != nil {
		return nil, err
	}
	if err := c.WaitReady(ctx); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// NewCouchbase prepares the connection without waiting for the cluster: gocb bootstraps in
// the background and keeps trying, so an app can serve (and report the bucket as down)
// while the cluster is unreachable, and recovers when it is back.
func NewCouchbase(cfg CouchbaseConfig) (*CouchbaseRecords, error) {
	if cfg.OpTimeout <= 0 {
		cfg.OpTimeout = 2500 * time.Millisecond
	}
	if cfg.MaxRaces <= 0 {
		cfg.MaxRaces = 50
	}
	cluster, err := gocb.Connect(cfg.URL, gocb.ClusterOptions{
		Authenticator:  gocb.PasswordAuthenticator{Username: cfg.Username, Password: cfg.Password},
		TimeoutsConfig: gocb.TimeoutsConfig{ConnectTimeout: 10 * time.Second, KVTimeout: cfg.OpTimeout},
	})
	if err != nil {
		return nil, fmt.Errorf("couchbase connect: %w", err)
	}
	bucket := cluster.Bucket(cfg.Bucket)
	return &CouchbaseRecords{cluster: cluster, bucket: bucket, coll: bucket.DefaultCollection(), cfg: cfg}, nil
}

// WaitReady waits until the bucket answers key-value requests or ctx ends.
func (c *CouchbaseRecords) WaitReady(ctx context.Context) error {
	wait := 20 * time.Second
	if dl, ok := ctx.Deadline(); ok {
		wait = time.Until(dl)
	}
	if err := c.bucket.WaitUntilReady(wait, &gocb.WaitUntilReadyOptions{
		ServiceTypes: []gocb.ServiceType{gocb.ServiceTypeKeyValue}, Context: ctx,
	}); err != nil {
		return fmt.Errorf("couchbase bucket %s not ready: %w", c.cfg.Bucket, err)
	}
	return nil
}

// Close disconnects.
func (c *CouchbaseRecords) Close() error { return c.cluster.Close(nil) }

// Collection is the default collection of the bucket (tests read documents directly).
func (c *CouchbaseRecords) Collection() *gocb.Collection { return c.coll }

// Key is the document key of a student's record.
func (c *CouchbaseRecords) Key(studentID string) string {
	return c.cfg.KeyPrefix + domain.DocumentKey(studentID)
}

// Check reports whether the bucket answers (the "couchbase" readiness dependency): a read
// of a key that never exists (the mock has no Exists/GET_META).
func (c *CouchbaseRecords) Check(ctx context.Context) error {
	_, err := c.coll.Get(c.cfg.KeyPrefix+"admission::readiness-probe", &gocb.GetOptions{Context: ctx, Timeout: time.Second})
	if err == nil || errors.Is(err, gocb.ErrDocumentNotFound) {
		return nil
	}
	return err
}

// Get returns the record, or nil.
func (c *CouchbaseRecords) Get(ctx context.Context, studentID string) (*domain.Record, error) {
	r, _, err := c.get(ctx, studentID)
	return r, err
}

func (c *CouchbaseRecords) get(ctx context.Context, studentID string) (*domain.Record, gocb.Cas, error) {
	res, err := c.coll.Get(c.Key(studentID), &gocb.GetOptions{Context: ctx})
	if errors.Is(err, gocb.ErrDocumentNotFound) {
		return nil, 0, nil
	}
	if err != nil {
		return nil, 0, fmt.Errorf("get admission %s: %w", studentID, err)
	}
	var r domain.Record
	if err := res.Content(&r); err != nil {
		return nil, 0, fmt.Errorf("decode admission %s: %w", studentID, err)
	}
	return &r, res.Cas(), nil
}

// errRace is a lost compare-and-swap (or insert) race.
var errRace = errors.New("admission record changed concurrently")

// Mutate applies change under compare-and-swap, re-reading after a lost race.
func (c *CouchbaseRecords) Mutate(ctx context.Context, studentID string, change func(*domain.Record) (*domain.Record, error)) (*domain.Record, error) {
	for attempt := 0; ; attempt++ {
		cur, cas, err := c.get(ctx, studentID)
		if err != nil {
			return nil, err
		}
		next, err := change(cur)
		if err != nil {
			return nil, err
		}
		if next == nil {
			return cur, nil
		}
		err = c.write(ctx, studentID, next, cas)
		if err == nil {
			return next, nil
		}
		if !errors.Is(err, errRace) {
			return nil, err
		}
		if attempt+1 >= c.cfg.MaxRaces {
			return nil, fmt.Errorf("admission %s: gave up after %d lost races: %w", studentID, attempt+1, err)
		}
		// Back off a little, more each time, so that racing writers spread out.
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(1+attempt%8) * 3 * time.Millisecond):
		}
	}
}

// write inserts a new record (cas 0) or replaces the one read with cas.
func (c *CouchbaseRecords) write(ctx context.Context, studentID string, r *domain.Record, cas gocb.Cas) error {
	key := c.Key(studentID)
	var err error
	if cas == 0 {
		_, err = c.coll.Insert(key, r, &gocb.InsertOptions{Context: ctx})
		if errors.Is(err, gocb.ErrDocumentExists) {
			return errRace
		}
	} else {
		_, err = c.coll.Replace(key, r, &gocb.ReplaceOptions{Context: ctx, Cas: cas, RetryStrategy: failFast{}})
		if errors.Is(err, gocb.ErrCasMismatch) || errors.Is(err, gocb.ErrTemporaryFailure) ||
			errors.Is(err, gocb.ErrDocumentNotFound) {
			return errRace
		}
	}
	if err != nil {
		return fmt.Errorf("write admission %s: %w", studentID, err)
	}
	return nil
}
