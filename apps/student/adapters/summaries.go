package adapters

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/registrar-edu/registrar/apps/student/app"
)

// StateClient is the part of the Dapr client the read model uses.
type StateClient interface {
	GetState(ctx context.Context, storeName, key string, meta map[string]string) (*dapr.StateItem, error)
	SaveStateWithETag(ctx context.Context, storeName, key string, data []byte, etag string, meta map[string]string, so ...dapr.StateOption) error
}

// DaprSummaries keeps the student read model in a Dapr state store (Redis locally), one
// key per student. Writes are conditional on the ETag read, so two refreshers racing never
// let an older summary overwrite a newer one.
type DaprSummaries struct {
	Client func(context.Context) (StateClient, error)
	Store  string
}

var _ app.Summaries = (*DaprSummaries)(nil)

func summaryKey(id string) string { return "summary:" + id }

// Put stores s unless the stored summary is as new or newer.
func (d *DaprSummaries) Put(ctx context.Context, s app.Summary) error {
	c, err := d.Client(ctx)
	if err != nil {
		return err
	}
	body, err := json.Marshal(s)
	if err != nil {
		return err
	}
	for attempt := 0; attempt < 5; attempt++ {
		item, err := c.GetState(ctx, d.Store, summaryKey(s.StudentID), nil)
		if err != nil {
			return fmt.Errorf("read summary: %w", err)
		}
		etag := ""
		if item != nil && len(item.Value) > 0 {
			var cur app.Summary
			if json.Unmarshal(item.Value, &cur) == nil && cur.Version >= s.Version {
				return nil
			}
			etag = item.Etag
		}
		opts := []dapr.StateOption{dapr.WithConcurrency(dapr.StateConcurrencyFirstWrite)}
		if err = c.SaveStateWithETag(ctx, d.Store, summaryKey(s.StudentID), body, etag, nil, opts...); err == nil {
			return nil
		}
	}
	return errors.New("summary kept changing underneath: giving up for this delivery")
}

// Get reads a student's summary.
func (d *DaprSummaries) Get(ctx context.Context, id string) (app.Summary, error) {
	c, err := d.Client(ctx)
	if err != nil {
		return app.Summary{}, err
	}
	item, err := c.GetState(ctx, d.Store, summaryKey(id), nil)
	if err != nil {
		return app.Summary{}, fmt.Errorf("read summary: %w", err)
	}
	if item == nil || len(item.Value) == 0 {
		return app.Summary{}, app.ErrNotFound
	}
	var s app.Summary
	return s, json.Unmarshal(item.Value, &s)
}
