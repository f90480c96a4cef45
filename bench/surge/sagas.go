package surge

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
)

// SagaStep is one step of the sustained-saga scenario.
type SagaStep struct {
	OfferedPerS   float64        `json:"offeredPerSecond"`
	Sent          int            `json:"sent"`
	Accepted      int            `json:"accepted"`
	Codes         map[string]int `json:"codes"`
	AcceptLatency Latency        `json:"acceptLatency"`
	// CompletedInStep are the sagas that completed while the step offered its rate.
	CompletedInStep    int     `json:"completedInStep"`
	CompletedPerS      float64 `json:"completedPerSecond"`
	BacklogAtStepEnd   int     `json:"backlogAtStepEnd"`
	SecondsToFinishAll float64 `json:"secondsToFinishAll"`
	AllFinished        bool    `json:"allFinished"`
}

func sagaStep(ctx context.Context, c Config, api *api, reg *pgxpool.Pool, rate float64, actors []*actor, ids *sync.Map, out io.Writer) (SagaStep, error) {
	st := SagaStep{OfferedPerS: rate, Codes: map[string]int{}}
	rec := newRecorder()
	var mine sync.Map
	bar := newBar(out, "sagas", len(actors))
	gap := time.Duration(float64(time.Second) / rate)
	var wg sync.WaitGroup
	sem := make(chan struct{}, c.Concurrency)
	rec.start = time.Now()
	for i, a := range actors {
		if d := time.Until(rec.start.Add(time.Duration(i) * gap)); d > 0 {
			time.Sleep(d)
		}
		if a.section == "" {
			bar.add(1)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done(); bar.add(1) }()
			ans := register(ctx, api, rec, a, "bench-"+uuid.NewString())
			var v accepted
			if ans.status/100 == 2 && json.Unmarshal(ans.body, &v) == nil && len(v.Registrations) > 0 {
				a.regID = v.Registrations[0].ID
				ids.Store(a.regID, a)
				mine.Store(a.regID, a)
			}
		}()
	}
	wg.Wait()
	stepEnd := time.Now()
	bar.done()
	list := acceptedList(&mine)
	st.Sent, st.Accepted = len(rec.samples), len(list)
	st.Codes = rec.codes["register"]
	var lats []time.Duration
	for _, s := range rec.samples {
		lats = append(lats, s.latency)
	}
	st.AcceptLatency = latencyOf(lats)

	deadline := time.Now().Add(c.Drain)
	for {
		var inFlight int
		if err := reg.QueryRow(ctx, `SELECT count(*) FROM registrations WHERE id = ANY($1::uuid[]) AND status IN ('PENDING_PAYMENT','OFFERED')`,
			list).Scan(&inFlight); err != nil {
			return st, err
		}
		if inFlight == 0 {
			st.AllFinished = true
			break
		}
		if time.Now().After(deadline) {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	var last *time.Time
	err := reg.QueryRow(ctx, `SELECT count(*) FILTER (WHERE updated_at <= $2), max(updated_at)
		FROM registrations WHERE id = ANY($1::uuid[]) AND status IN ('CONFIRMED','FAILED','EXPIRED')`, list, stepEnd).
		Scan(&st.CompletedInStep, &last)
	if err != nil {
		return st, err
	}
	st.BacklogAtStepEnd = st.Accepted - st.CompletedInStep
	st.CompletedPerS = float64(st.CompletedInStep) / stepEnd.Sub(rec.start).Seconds()
	if last != nil && st.AllFinished {
		st.SecondsToFinishAll = last.Sub(rec.start).Seconds()
	}
	return st, nil
}
