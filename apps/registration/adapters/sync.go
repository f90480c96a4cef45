package adapters

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"time"

	"github.com/registrar-edu/registrar/apps/registration/app"
	"github.com/registrar-edu/registrar/apps/registration/domain"
	"github.com/registrar-edu/registrar/internal/platform/daprx"
)

// Reconciler fills the read models from the owning services' read-model endpoints at start
// and then every Interval: events keep them fresh, reconciliation repairs what events
// cannot (data that existed before this app subscribed, a dead-lettered event).
type Reconciler struct {
	Invoker  *daprx.Invoker
	Models   app.ReadModels
	Log      *slog.Logger
	Interval time.Duration
	PageSize int
}

type page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next"`
}

func each[T any](ctx context.Context, inv *daprx.Invoker, appID, path string, size int, fn func(T) error) (int, error) {
	return pages(ctx, inv, appID, path, size, func(items []T) error {
		for _, it := range items {
			if err := fn(it); err != nil {
				return err
			}
		}
		return nil
	})
}

// pages calls fn with every page of a read-model feed.
func pages[T any](ctx context.Context, inv *daprx.Invoker, appID, path string, size int, fn func([]T) error) (int, error) {
	after, n := "", 0
	for {
		q := url.Values{"limit": {fmt.Sprint(size)}}
		if after != "" {
			q.Set("after", after)
		}
		var p page[T]
		if _, err := inv.Call(ctx, appID, http.MethodGet, path+"?"+q.Encode(), nil, &p); err != nil {
			return n, err
		}
		if err := fn(p.Items); err != nil {
			return n, err
		}
		n += len(p.Items)
		if p.Next == "" || len(p.Items) == 0 {
			return n, nil
		}
		after = p.Next
	}
}

type moduleItem struct {
	Code    string `json:"code"`
	Credits int    `json:"credits"`
	Fee     struct {
		AmountMinor int64  `json:"amountMinor"`
		Currency    string `json:"currency"`
	} `json:"fee"`
	TermsOffered   []string             `json:"termsOffered"`
	Prerequisites  *domain.Prerequisite `json:"prerequisites"`
	CoRequisites   []string             `json:"coRequisites"`
	AntiRequisites []string             `json:"antiRequisites"`
	Version        int                  `json:"version"`
	Deleted        bool                 `json:"deleted"`
}

// ModuleFacts converts a module as the subject service states it.
func (m moduleItem) facts() app.ModuleFacts {
	return app.ModuleFacts{Code: m.Code, Credits: m.Credits, Fee: domain.Money{Minor: m.Fee.AmountMinor, Currency: m.Fee.Currency},
		Terms: m.TermsOffered, Prerequisites: m.Prerequisites, CoRequisites: m.CoRequisites, AntiRequisites: m.AntiRequisites,
		Deleted: m.Deleted, Version: m.Version}
}

// Once reconciles every read model.
func (r *Reconciler) Once(ctx context.Context) error {
	start := time.Now()
	size := max(r.PageSize, 100)
	semesters, err := each(ctx, r.Invoker, "schedule", "/internal/v1/read-model/semesters", size, func(s app.SemesterFacts) error {
		return r.Models.UpsertSemester(ctx, s)
	})
	if err != nil {
		return fmt.Errorf("semesters: %w", err)
	}
	sections, err := each(ctx, r.Invoker, "schedule", "/internal/v1/read-model/sections", size, func(s app.SectionFacts) error {
		return r.Models.UpsertSection(ctx, s)
	})
	if err != nil {
		return fmt.Errorf("sections: %w", err)
	}
	modules, err := each(ctx, r.Invoker, "subject", "/internal/v1/read-model/modules", size, func(m moduleItem) error {
		return r.Models.UpsertModule(ctx, m.facts())
	})
	if err != nil {
		return fmt.Errorf("modules: %w", err)
	}
	students, err := pages(ctx, r.Invoker, "student", "/internal/v1/read-model/students", size, func(page []app.StudentFacts) error {
		return r.Models.ReconcileStudents(ctx, page)
	})
	if err != nil {
		return fmt.Errorf("students: %w", err)
	}
	r.Log.Info("read models reconciled", "semesters", semesters, "sections", sections, "modules", modules,
		"students", students, "seconds", time.Since(start).Seconds())
	return nil
}

// Run reconciles at start (retrying until the owners answer) and then every Interval.
func (r *Reconciler) Run(ctx context.Context) error {
	wait := time.Second
	for {
		err := r.Once(ctx)
		if err != nil && ctx.Err() == nil {
			r.Log.Warn("read model reconciliation failed", "err", err)
		}
		next := r.Interval
		if err != nil {
			next, wait = wait, min(wait*2, 30*time.Second)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(next):
		}
	}
}
