// Package app keeps admission records and forms in step with confirmed and dropped
// registrations: it updates the record (compare-and-swap), renders and stores the form
// that shows the current plan, and announces each change, each step safe to repeat.
package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/registrar-edu/registrar/apps/admission/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Records stores admission records by student id.
type Records interface {
	// Get returns the record, or nil if there is none.
	Get(ctx context.Context, studentID string) (*domain.Record, error)
	// Mutate reads the record (nil if none), passes it to change and writes what change
	// returns, only if the record is unchanged since the read (CAS, or insert for a new
	// record); on a lost race it reads again and re-runs change. change returning nil
	// writes nothing. Mutate returns the record as stored afterwards (nil if none).
	Mutate(ctx context.Context, studentID string, change func(*domain.Record) (*domain.Record, error)) (*domain.Record, error)
}

// Directory looks up what events do not carry: the student's name and programme, the
// module's title and credits.
type Directory interface {
	Student(ctx context.Context, studentID string) (domain.Student, error)
	Module(ctx context.Context, code string) (title string, credits int, err error)
}

// FormRenderer renders the admission form of a record as a PDF. The same record renders
// to the same bytes.
type FormRenderer interface {
	Render(r *domain.Record) ([]byte, error)
}

// FormStore keeps form objects.
type FormStore interface {
	Put(ctx context.Context, key string, pdf []byte) error
	Delete(ctx context.Context, key string) error
	// DownloadURL returns a link that downloads the object for ttl without credentials.
	DownloadURL(ctx context.Context, key string, ttl time.Duration) (string, error)
}

// Publisher publishes an event with a given CloudEvent id and type.
type Publisher interface {
	Publish(ctx context.Context, topic, id, eventType string, data []byte) error
}

// Service is the admission application.
type Service struct {
	Records   Records
	Directory Directory
	Forms     FormRenderer
	Store     FormStore
	Publisher Publisher
	Log       *slog.Logger
	Now       func() time.Time
	// LinkTTL is how long a form download link works.
	LinkTTL time.Duration
}

func (s *Service) now() time.Time { return s.Now().UTC().Truncate(time.Millisecond) }

// Confirmed is a confirmed registration, as registration.confirmed.v1 tells it.
type Confirmed struct {
	RegistrationID string
	StudentID      string
	SectionID      string
	ModuleCode     string
	Semester       string
	ConfirmedAt    time.Time
}

// Dropped is a dropped registration, as registration.dropped.v1 tells it.
type Dropped struct {
	RegistrationID string
	StudentID      string
	ModuleCode     string
}

// RegistrationConfirmed puts the registration's module on the student's plan (once per
// registration id), then brings the form and the events up to date. A repeat finds the
// registration applied and only finishes what an earlier attempt left undone.
func (s *Service) RegistrationConfirmed(ctx context.Context, c Confirmed) error {
	if c.RegistrationID == "" || c.StudentID == "" || c.ModuleCode == "" {
		return errs.E(errs.Invalid, "registration id, student id and module code are required")
	}
	cur, err := s.Records.Get(ctx, c.StudentID)
	if err != nil {
		return storeError(err)
	}
	if cur == nil || !cur.HasRegistration(c.RegistrationID) {
		student, err := s.Directory.Student(ctx, c.StudentID)
		if err != nil {
			return fmt.Errorf("look up student %s: %w", c.StudentID, err)
		}
		title, credits, err := s.Directory.Module(ctx, c.ModuleCode)
		if err != nil {
			return fmt.Errorf("look up module %s: %w", c.ModuleCode, err)
		}
		confirmedAt := c.ConfirmedAt.UTC()
		if confirmedAt.IsZero() {
			confirmedAt = s.now()
		}
		m := domain.Module{RegistrationID: c.RegistrationID, ModuleCode: c.ModuleCode, ModuleTitle: title,
			SectionID: c.SectionID, Semester: c.Semester, Credits: credits, ConfirmedAt: confirmedAt}
		cur, err = s.Records.Mutate(ctx, c.StudentID, func(r *domain.Record) (*domain.Record, error) {
			if r == nil {
				var err error
				if r, err = domain.NewRecord(student, s.now()); err != nil {
					return nil, errs.Wrap(errs.Invalid, err, err.Error())
				}
			}
			added, err := r.AddModule(m, student, s.now())
			if err != nil {
				return nil, errs.Wrap(errs.Invalid, err, err.Error())
			}
			if !added {
				return nil, nil
			}
			return r, nil
		})
		if err != nil {
			return storeError(err)
		}
	}
	return s.settle(ctx, cur)
}

// RegistrationDropped takes the registration's module off the plan (remembering the drop,
// so that a late confirmation does not bring it back), then settles form and events. A
// drop for a student without a record is remembered too.
func (s *Service) RegistrationDropped(ctx context.Context, d Dropped) error {
	if d.RegistrationID == "" || d.StudentID == "" {
		return errs.E(errs.Invalid, "registration id and student id are required")
	}
	cur, err := s.Records.Get(ctx, d.StudentID)
	if err != nil {
		return storeError(err)
	}
	if cur == nil || !cur.HasDrop(d.RegistrationID) {
		cur, err = s.Records.Mutate(ctx, d.StudentID, func(r *domain.Record) (*domain.Record, error) {
			if r == nil {
				var err error
				if r, err = domain.NewRecord(domain.Student{StudentID: d.StudentID}, s.now()); err != nil {
					return nil, errs.Wrap(errs.Invalid, err, err.Error())
				}
			}
			if !r.RemoveModule(d.RegistrationID, d.ModuleCode, s.now()) {
				return nil, nil
			}
			return r, nil
		})
		if err != nil {
			return storeError(err)
		}
	}
	return s.settle(ctx, cur)
}

// settle finishes what a change leaves to do: a form for the current plan, then the
// pending events. Every step is recorded in the record, so a repeat does only what is left.
func (s *Service) settle(ctx context.Context, r *domain.Record) error {
	if r == nil {
		return nil
	}
	r, err := s.ensureForm(ctx, r)
	if err != nil {
		return err
	}
	return s.publishPending(ctx, r)
}

// ensureForm renders and stores the form of the record's version unless a form of that
// version (or newer) is recorded. Each version has its own object key, so concurrent
// renderings never overwrite each other; the record points at the newest, and the one it
// replaces (or a stale one that lost) is deleted.
func (s *Service) ensureForm(ctx context.Context, r *domain.Record) (*domain.Record, error) {
	// Records that never had a module (a drop that came first) have no form to show.
	for !r.FormCurrent() && (len(r.Modules) > 0 || r.Form != nil) {
		pdf, err := s.Forms.Render(r)
		if err != nil {
			return nil, fmt.Errorf("render form of %s v%d: %w", r.StudentID, r.Version, err)
		}
		sum := sha256.Sum256(pdf)
		f := domain.Form{Key: domain.FormKey(r.StudentID, r.Version), Version: r.Version,
			SHA256: hex.EncodeToString(sum[:]), Size: len(pdf), RenderedAt: r.UpdatedAt}
		if err := s.Store.Put(ctx, f.Key, pdf); err != nil {
			return nil, errs.Wrap(errs.Unavailable, err, "the form store is unavailable; retry")
		}
		var replaced *domain.Form
		taken := false
		next, err := s.Records.Mutate(ctx, r.StudentID, func(cur *domain.Record) (*domain.Record, error) {
			replaced, taken = nil, false
			if cur == nil {
				return nil, nil
			}
			replaced, taken = cur.SetForm(f)
			if !taken {
				return nil, nil
			}
			return cur, nil
		})
		if err != nil {
			return nil, storeError(err)
		}
		switch {
		case taken && replaced != nil && replaced.Key != f.Key:
			s.deleteForm(ctx, replaced.Key)
		case !taken && (next == nil || next.Form == nil || next.Form.Key != f.Key):
			s.deleteForm(ctx, f.Key)
		}
		if next == nil {
			return r, nil
		}
		r = next
	}
	return r, nil
}

// deleteForm removes a superseded form object; failing leaves an unreferenced object.
func (s *Service) deleteForm(ctx context.Context, key string) {
	if err := s.Store.Delete(ctx, key); err != nil {
		s.Log.WarnContext(ctx, "superseded admission form not deleted", "key", key, "err", err)
	}
}

// publishPending publishes the record's pending events (with their recorded ids, so a
// repeat publishes the same CloudEvent) and removes each from the record once published.
func (s *Service) publishPending(ctx context.Context, r *domain.Record) error {
	for _, e := range r.Pending {
		data, err := json.Marshal(e.Data)
		if err != nil {
			return err
		}
		if err := s.Publisher.Publish(ctx, domain.Topic, e.ID, e.Type, data); err != nil {
			return errs.Wrap(errs.Unavailable, err, "the admission is recorded but its event was not published; retry")
		}
		id := e.ID
		if _, err := s.Records.Mutate(ctx, r.StudentID, func(cur *domain.Record) (*domain.Record, error) {
			if cur == nil || !cur.MarkPublished(id) {
				return nil, nil
			}
			return cur, nil
		}); err != nil {
			// Published but still pending: a later delivery publishes it again, same id.
			s.Log.WarnContext(ctx, "admission event published but not marked", "event_id", id, "err", err)
		}
	}
	return nil
}

// View is the admission record as its owner sees it, with a download link for the form.
type View struct {
	Record    *domain.Record
	FormURL   string
	ExpiresAt time.Time
}

// Mine returns the caller's admission record and a short-lived link to its form.
func (s *Service) Mine(ctx context.Context, studentID string) (View, error) {
	if strings.TrimSpace(studentID) == "" {
		return View{}, errs.E(errs.NotFound, "no admission record")
	}
	r, err := s.Records.Get(ctx, studentID)
	if err != nil {
		return View{}, storeError(err)
	}
	if r == nil || (len(r.Modules) == 0 && r.Form == nil) {
		return View{}, errs.E(errs.NotFound, "you have no admission record yet: it is made when a registration is confirmed")
	}
	v := View{Record: r}
	if r.Form != nil {
		expires := s.now().Add(s.LinkTTL)
		url, err := s.Store.DownloadURL(ctx, r.Form.Key, s.LinkTTL)
		if err != nil {
			return View{}, errs.Wrap(errs.Unavailable, err, "the form store is unavailable; retry")
		}
		v.FormURL, v.ExpiresAt = url, expires
	}
	return v, nil
}

func storeError(err error) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	return errs.Wrap(errs.Unavailable, err, "the admission store is unavailable; retry")
}
