// Package app turns user-facing events into messages and live updates: it records each
// message in the delivery log under its business key before anything is sent, announces
// the event to the student's open browsers, respects the student's send rate, looks up
// how to address the student, renders and sends — once, whatever is redelivered.
package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/registrar-edu/registrar/apps/notification/domain"
	"github.com/registrar-edu/registrar/apps/notification/templates"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// Deliveries is the delivery log, one record per business key.
type Deliveries interface {
	// Get returns the record of key, or nil.
	Get(ctx context.Context, key string) (*domain.Delivery, error)
	// Mutate reads the record of key (nil if none), passes a copy to change and writes what
	// change returns, only if the record is unchanged since the read; on a lost race it
	// reads again and re-runs change. change returning nil writes nothing. It returns the
	// record as stored afterwards. A new record is also listed under its student.
	Mutate(ctx context.Context, key string, change func(*domain.Delivery) (*domain.Delivery, error)) (*domain.Delivery, error)
	// ByStudent lists a student's records, newest first.
	ByStudent(ctx context.Context, studentID string) ([]domain.Delivery, error)
}

// RateLimiter counts messages per student across every instance of the app.
type RateLimiter interface {
	// Reserve takes a slot for delivery key of the student, or says when to try again.
	Reserve(ctx context.Context, studentID, key string) (ok bool, retryAt time.Time, err error)
}

// Contact is how a student is addressed; looked up at send time, never stored.
type Contact struct {
	GivenName     string
	FamilyName    string
	StudentNumber string
	Email         string
}

// Directory looks up what events leave out: the student's name and address, a module's title.
type Directory interface {
	// Contact returns the student's contact; errs.NotFound if there is no such student.
	Contact(ctx context.Context, studentID string) (Contact, error)
	// ModuleTitle returns a module's title.
	ModuleTitle(ctx context.Context, code string) (string, error)
}

// Email is one message to send.
type Email struct {
	To      string
	ToName  string
	Subject string
	HTML    string
	Text    string
}

// Mailer sends email. Every error is taken as transient: the attempt limit decides when
// to give up.
type Mailer interface {
	Send(ctx context.Context, e Email) error
}

// Publisher publishes an event with a given CloudEvent id and type.
type Publisher interface {
	Publish(ctx context.Context, topic, id, eventType string, data []byte) error
}

// ErrDeadLettered says the message was given up for good: the event goes to the
// dead-letter topic and the delivery log says why.
var ErrDeadLettered = errors.New("message dead-lettered")

// DeferredError says the student's rate limit defers the message until Until. The event
// is redelivered later (it is not an attempt and never dead-letters on its own).
type DeferredError struct{ Until time.Time }

func (e *DeferredError) Error() string {
	return "rate limit: message deferred until " + e.Until.UTC().Format(time.RFC3339)
}

// Service is the notification application.
type Service struct {
	Deliveries Deliveries
	Limiter    RateLimiter
	Directory  Directory
	Mailer     Mailer
	Publisher  Publisher
	Templates  *templates.Set
	Log        *slog.Logger
	// Institution signs the messages.
	Institution string
	// MaxAttempts is how many failed sends dead-letter a message.
	MaxAttempts int
	// Lease is how long one attempt may take before another may send; longer than a send.
	Lease   time.Duration
	Now     func() time.Time
	NewID   func() string
	Metrics *Metrics
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// Handle delivers what a user-facing event asks for: its live update, and its message if
// it has one. nil means done (also for a repeat); *DeferredError and other errors mean
// "deliver the event again later"; ErrDeadLettered means never again.
func (s *Service) Handle(ctx context.Context, n domain.Notice) error {
	if err := n.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrDeadLettered, err)
	}
	tmpl, facing := domain.UserFacing(n.SourceType)
	if !facing {
		return nil
	}
	if tmpl == "" {
		return s.publishUpdate(ctx, n)
	}
	key := domain.DeliveryKey(tmpl, n)
	d, err := s.Deliveries.Mutate(ctx, key, func(cur *domain.Delivery) (*domain.Delivery, error) {
		if cur == nil {
			d, err := domain.NewDelivery(tmpl, n, s.now())
			if err != nil {
				return nil, err
			}
			return &d, nil
		}
		if !cur.Receive(n.EventID, s.now()) {
			return nil, nil
		}
		return cur, nil
	})
	if err != nil {
		return storeError(err)
	}
	if d.EventID != n.EventID || d.Received > 1 {
		s.Metrics.repeat(tmpl)
	}

	// The live update first: the student sees the change even while mail is slow or down.
	if !d.UpdateSent {
		if err := s.publishUpdate(ctx, n); err != nil {
			return err
		}
		if d, err = s.Deliveries.Mutate(ctx, key, func(cur *domain.Delivery) (*domain.Delivery, error) {
			if cur.UpdateSent {
				return nil, nil
			}
			cur.UpdateSent = true
			return cur, nil
		}); err != nil {
			// Published but not marked: a redelivery publishes it again under the same id.
			return storeError(err)
		}
	}
	if d.Status.Final() {
		return nil
	}
	return s.send(ctx, tmpl, n, key)
}

// send makes one attempt at the message of key.
func (s *Service) send(ctx context.Context, tmpl domain.Template, n domain.Notice, key string) error {
	ok, retryAt, err := s.Limiter.Reserve(ctx, n.StudentID, key)
	if err != nil {
		return storeError(err)
	}
	if !ok {
		s.Metrics.deferred(tmpl)
		if _, err := s.Deliveries.Mutate(ctx, key, func(cur *domain.Delivery) (*domain.Delivery, error) {
			if err := cur.Defer(retryAt, s.now()); err != nil {
				return nil, nil
			}
			return cur, nil
		}); err != nil {
			return storeError(err)
		}
		return &DeferredError{Until: retryAt}
	}

	attempt := s.NewID()
	d, err := s.Deliveries.Mutate(ctx, key, func(cur *domain.Delivery) (*domain.Delivery, error) {
		if err := cur.StartAttempt(attempt, s.now(), s.Lease); err != nil {
			return nil, err
		}
		return cur, nil
	})
	switch {
	case errors.Is(err, domain.ErrFinal):
		return nil
	case errors.Is(err, domain.ErrLeased):
		return errs.E(errs.Unavailable, "message %s is being sent by another attempt", key)
	case err != nil:
		return storeError(err)
	}

	email, perr := s.compose(ctx, tmpl, n)
	if perr == nil {
		perr = s.Mailer.Send(ctx, email)
	}
	if perr != nil {
		permanent := errs.KindOf(perr) == errs.NotFound || errs.KindOf(perr) == errs.Invalid
		var dead bool
		if _, err := s.Deliveries.Mutate(ctx, key, func(cur *domain.Delivery) (*domain.Delivery, error) {
			var err error
			dead, err = cur.MarkFailed(perr.Error(), permanent, s.MaxAttempts, s.now())
			if err != nil {
				return nil, nil
			}
			return cur, nil
		}); err != nil {
			s.Log.WarnContext(ctx, "failed attempt not recorded", "key", key, "err", err)
		}
		s.Metrics.attempt(tmpl, map[bool]string{true: "dead-lettered", false: "failed"}[dead])
		s.Log.WarnContext(ctx, "message not sent", "key", key, "attempt", d.Attempts, "dead_lettered", dead, "err", perr)
		if dead {
			return fmt.Errorf("%w: %s after %d attempts: %v", ErrDeadLettered, key, d.Attempts, perr)
		}
		return errs.Wrap(errs.Unavailable, perr, "message not sent yet")
	}
	if _, err := s.Deliveries.Mutate(ctx, key, func(cur *domain.Delivery) (*domain.Delivery, error) {
		if err := cur.MarkSent(s.now()); err != nil {
			return nil, nil
		}
		return cur, nil
	}); err != nil {
		// Sent but not recorded: a redelivery sends again once the lease lapses. Email has no
		// exactly-once; this window is one state write wide.
		return storeError(err)
	}
	s.Metrics.attempt(tmpl, "sent")
	s.Log.InfoContext(ctx, "message sent", "key", key, "template", tmpl, "student_id", n.StudentID, "attempts", d.Attempts)
	return nil
}

// compose looks up the student and the module and renders the message.
func (s *Service) compose(ctx context.Context, tmpl domain.Template, n domain.Notice) (Email, error) {
	c, err := s.Directory.Contact(ctx, n.StudentID)
	if err != nil {
		return Email{}, err
	}
	if c.Email == "" {
		return Email{}, errs.E(errs.Invalid, "student %s has no email address on record", n.StudentID)
	}
	title := ""
	if n.ModuleCode != "" {
		// The title makes the message friendlier; the code alone still says everything, so
		// a slow catalogue never holds a message back.
		if title, err = s.Directory.ModuleTitle(ctx, n.ModuleCode); err != nil {
			s.Log.WarnContext(ctx, "module title unavailable", "module", n.ModuleCode, "err", err)
			title = ""
		}
	}
	msg, err := s.Templates.Render(tmpl, templates.Data{Institution: s.Institution, GivenName: c.GivenName,
		FamilyName: c.FamilyName, StudentNumber: c.StudentNumber, RegistrationID: n.RegistrationID,
		ModuleCode: n.ModuleCode, ModuleTitle: title, Semester: n.Semester, Reason: n.Reason,
		Fee: templates.FormatFee(n.FeeMinor, n.Currency)})
	if err != nil {
		return Email{}, errs.Wrap(errs.Invalid, err, "message could not be rendered")
	}
	return Email{To: c.Email, ToName: c.GivenName + " " + c.FamilyName, Subject: msg.Subject, HTML: msg.HTML, Text: msg.Text}, nil
}

// publishUpdate announces the notice to the student's live view under a deterministic id.
func (s *Service) publishUpdate(ctx context.Context, n domain.Notice) error {
	data, err := json.Marshal(n.Update())
	if err != nil {
		return err
	}
	if err := s.Publisher.Publish(ctx, domain.TopicNotifications, domain.UpdateID(n), domain.EventUpdate, data); err != nil {
		return errs.Wrap(errs.Unavailable, err, "live update not published")
	}
	s.Metrics.update(n.SourceType)
	return nil
}

// DeliveriesOf lists a student's delivery log.
func (s *Service) DeliveriesOf(ctx context.Context, studentID string) ([]domain.Delivery, error) {
	ds, err := s.Deliveries.ByStudent(ctx, studentID)
	if err != nil {
		return nil, storeError(err)
	}
	return ds, nil
}

func storeError(err error) error {
	if _, ok := errs.As(err); ok {
		return err
	}
	return errs.Wrap(errs.Unavailable, err, "the delivery log is unavailable")
}
