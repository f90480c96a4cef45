package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/notification/domain"
	"github.com/registrar-edu/registrar/apps/notification/templates"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// memDeliveries is an in-memory delivery log with Mutate's read-compare-write semantics.
type memDeliveries struct {
	mu   sync.Mutex
	recs map[string]domain.Delivery
}

func (m *memDeliveries) Get(_ context.Context, key string) (*domain.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	d, ok := m.recs[key]
	if !ok {
		return nil, nil
	}
	return &d, nil
}

func (m *memDeliveries) Mutate(_ context.Context, key string, change func(*domain.Delivery) (*domain.Delivery, error)) (*domain.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var cur *domain.Delivery
	if d, ok := m.recs[key]; ok {
		d.EventIDs = append([]string(nil), d.EventIDs...)
		cur = &d
	}
	next, err := change(cur)
	if err != nil {
		return nil, err
	}
	if next == nil {
		if d, ok := m.recs[key]; ok {
			return &d, nil
		}
		return nil, nil
	}
	m.recs[key] = *next
	return next, nil
}

func (m *memDeliveries) ByStudent(_ context.Context, id string) ([]domain.Delivery, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []domain.Delivery
	for _, d := range m.recs {
		if d.StudentID == id {
			out = append(out, d)
		}
	}
	return out, nil
}

type fakeLimiter struct {
	windows map[string]*domain.SendWindow
	limit   domain.RateLimit
	now     func() time.Time
	mu      sync.Mutex
}

func (f *fakeLimiter) Reserve(_ context.Context, student, key string) (bool, time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.windows[student] == nil {
		f.windows[student] = &domain.SendWindow{}
	}
	ok, at := f.windows[student].Reserve(key, f.now(), f.limit)
	return ok, at, nil
}

type fakeDirectory struct{ contact func(string) (Contact, error) }

func (f fakeDirectory) Contact(_ context.Context, id string) (Contact, error) { return f.contact(id) }
func (f fakeDirectory) ModuleTitle(context.Context, string) (string, error) {
	return "", errors.New("catalogue down")
}

type fakeMailer struct {
	mu    sync.Mutex
	sent  []Email
	fail  error
	delay time.Duration
}

func (f *fakeMailer) Send(_ context.Context, e Email) error {
	time.Sleep(f.delay)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.fail != nil {
		return f.fail
	}
	f.sent = append(f.sent, e)
	return nil
}

func (f *fakeMailer) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.sent)
}

type fakePublisher struct {
	mu  sync.Mutex
	ids []string
	err error
}

func (f *fakePublisher) Publish(_ context.Context, topic, id, typ string, data []byte) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	var u domain.Update
	if topic != domain.TopicNotifications || typ != domain.EventUpdate || json.Unmarshal(data, &u) != nil || u.StudentID == "" {
		return fmt.Errorf("bad publish %s %s %s", topic, typ, data)
	}
	f.ids = append(f.ids, id)
	return nil
}

type fixture struct {
	svc    *Service
	log    *memDeliveries
	mailer *fakeMailer
	pub    *fakePublisher
	clock  time.Time
	mu     sync.Mutex
}

func (f *fixture) now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.clock
}

func (f *fixture) advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.clock = f.clock.Add(d)
}

func newFixture(t *testing.T, limit int) *fixture {
	t.Helper()
	set, err := templates.Load()
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{log: &memDeliveries{recs: map[string]domain.Delivery{}}, mailer: &fakeMailer{}, pub: &fakePublisher{},
		clock: time.Date(2027, 1, 11, 9, 0, 0, 0, time.UTC)}
	var seq int
	var seqMu sync.Mutex
	f.svc = &Service{Deliveries: f.log, Limiter: &fakeLimiter{windows: map[string]*domain.SendWindow{}, limit: domain.RateLimit{Max: limit, Window: time.Minute}, now: f.now},
		Directory: fakeDirectory{contact: func(id string) (Contact, error) {
			if id == "unknown" {
				return Contact{}, errs.E(errs.NotFound, "student not found")
			}
			return Contact{GivenName: "Ada", FamilyName: "Lovelace", Email: id + "@example.org"}, nil
		}},
		Mailer: f.mailer, Publisher: f.pub, Templates: set, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		Institution: "U", MaxAttempts: 3, Lease: 30 * time.Second, Now: f.now,
		NewID: func() string { seqMu.Lock(); defer seqMu.Unlock(); seq++; return fmt.Sprint("attempt-", seq) }}
	return f
}

func notice(eventID, typ, student, reg string) domain.Notice {
	return domain.Notice{EventID: eventID, SourceType: typ, StudentID: student, RegistrationID: reg, ModuleCode: "CS101",
		Semester: "2027-SPR", Status: "CONFIRMED", FeeMinor: 125000, Currency: "GBP", Version: 4}
}

func TestTheSameFactSendsOneMessage(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	n := notice("e1", domain.EventRegistrationConfirmed, "s1", "r1")
	for range 3 {
		if err := f.svc.Handle(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	n.EventID = "e2" // a re-run activity publishes the same fact under a new id
	if err := f.svc.Handle(ctx, n); err != nil {
		t.Fatal(err)
	}
	if f.mailer.count() != 1 {
		t.Fatalf("%d messages sent, want 1", f.mailer.count())
	}
	if len(f.pub.ids) != 1 || f.pub.ids[0] != "update:registration.confirmed.v1:r1" {
		t.Fatalf("updates %v", f.pub.ids)
	}
	d, _ := f.log.Get(ctx, "email:registration-confirmed:r1")
	if d.Status != domain.Sent || d.Attempts != 1 || d.Received != 2 || !d.UpdateSent {
		t.Fatalf("%+v", d)
	}
	e := f.mailer.sent[0]
	if e.To != "s1@example.org" || e.Subject == "" || e.HTML == "" {
		t.Fatalf("email %+v", e)
	}
}

func TestConcurrentDeliveriesOfOneEventSendOnce(t *testing.T) {
	f := newFixture(t, 10)
	f.mailer.delay = 50 * time.Millisecond
	n := notice("e1", domain.EventRegistrationConfirmed, "s1", "r1")
	var wg sync.WaitGroup
	errsSeen := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errsSeen <- f.svc.Handle(context.Background(), n)
		}()
	}
	wg.Wait()
	close(errsSeen)
	retries := 0
	for err := range errsSeen {
		if err != nil {
			if errs.KindOf(err) != errs.Unavailable {
				t.Fatalf("unexpected %v", err)
			}
			retries++
		}
	}
	// The ones that found the lease taken are redelivered; they find the message sent.
	for range retries {
		if err := f.svc.Handle(context.Background(), n); err != nil {
			t.Fatal(err)
		}
	}
	if f.mailer.count() != 1 {
		t.Fatalf("%d messages sent by concurrent deliveries, want 1", f.mailer.count())
	}
}

func TestFailedSendsAreRetriedThenDeadLettered(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	f.mailer.fail = errors.New("dial tcp 127.0.0.1:21025: connection refused")
	n := notice("e1", domain.EventRegistrationFailed, "s1", "r1")
	for i := 1; i <= 2; i++ {
		err := f.svc.Handle(ctx, n)
		if errs.KindOf(err) != errs.Unavailable || errors.Is(err, ErrDeadLettered) {
			t.Fatalf("attempt %d: %v, want a retry", i, err)
		}
	}
	d, _ := f.log.Get(ctx, "email:payment-failed:r1")
	if d.Status != domain.Failed || d.Attempts != 2 || d.LastError == "" {
		t.Fatalf("%+v", d)
	}
	if err := f.svc.Handle(ctx, n); !errors.Is(err, ErrDeadLettered) {
		t.Fatalf("third failure: %v, want dead-lettered", err)
	}
	f.mailer.fail = nil
	if err := f.svc.Handle(ctx, n); err != nil || f.mailer.count() != 0 {
		t.Fatalf("a dead-lettered message was sent later: %v, %d", err, f.mailer.count())
	}
	d, _ = f.log.Get(ctx, "email:payment-failed:r1")
	if d.Status != domain.DeadLettered {
		t.Fatalf("%+v", d)
	}
}

func TestMailRecoversAfterAnOutage(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	f.mailer.fail = errors.New("connection refused")
	n := notice("e1", domain.EventRegistrationConfirmed, "s1", "r1")
	if err := f.svc.Handle(ctx, n); err == nil {
		t.Fatal("no retry while mail is down")
	}
	f.mailer.fail = nil
	if err := f.svc.Handle(ctx, n); err != nil {
		t.Fatal(err)
	}
	d, _ := f.log.Get(ctx, "email:registration-confirmed:r1")
	if f.mailer.count() != 1 || d.Status != domain.Sent || d.Attempts != 2 {
		t.Fatalf("%d sent, %+v", f.mailer.count(), d)
	}
}

func TestUnknownStudentIsDeadLetteredAtOnce(t *testing.T) {
	f := newFixture(t, 10)
	err := f.svc.Handle(context.Background(), notice("e1", domain.EventRegistrationConfirmed, "unknown", "r1"))
	if !errors.Is(err, ErrDeadLettered) {
		t.Fatalf("%v", err)
	}
}

func TestRateLimitDefersWithoutCountingAnAttempt(t *testing.T) {
	f := newFixture(t, 2)
	ctx := context.Background()
	for i := range 2 {
		if err := f.svc.Handle(ctx, notice(fmt.Sprint("e", i), domain.EventRegistrationConfirmed, "s1", fmt.Sprint("r", i))); err != nil {
			t.Fatal(err)
		}
	}
	third := notice("e3", domain.EventRegistrationConfirmed, "s1", "r3")
	err := f.svc.Handle(ctx, third)
	var deferred *DeferredError
	if !errors.As(err, &deferred) || !deferred.Until.Equal(f.now().Add(time.Minute)) {
		t.Fatalf("third message within the minute: %v", err)
	}
	d, _ := f.log.Get(ctx, "email:registration-confirmed:r3")
	if d.Attempts != 0 || d.DeferredUntil == nil || d.Status != domain.Queued || !d.UpdateSent {
		t.Fatalf("deferred record %+v (the live update still goes out at once)", d)
	}
	// Another student is not held up.
	if err := f.svc.Handle(ctx, notice("e4", domain.EventRegistrationConfirmed, "s2", "r4")); err != nil {
		t.Fatal(err)
	}
	f.advance(time.Minute + time.Second)
	if err := f.svc.Handle(ctx, third); err != nil {
		t.Fatal(err)
	}
	if f.mailer.count() != 4 {
		t.Fatalf("%d sent, want 4: deferred, never dropped", f.mailer.count())
	}
}

func TestUpdateOnlyEvents(t *testing.T) {
	f := newFixture(t, 10)
	ctx := context.Background()
	if err := f.svc.Handle(ctx, notice("e1", domain.EventRegistrationWaitlisted, "s1", "r1")); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Handle(ctx, notice("e2", "seat.held.v1", "s1", "r1")); err != nil {
		t.Fatal(err)
	}
	if f.mailer.count() != 0 || len(f.pub.ids) != 1 || f.pub.ids[0] != "update:registration.waitlisted.v1:r1" {
		t.Fatalf("sent %d, updates %v", f.mailer.count(), f.pub.ids)
	}
	f.pub.err = errors.New("broker down")
	if err := f.svc.Handle(ctx, notice("e3", domain.EventRegistrationDropped, "s1", "r1")); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("update not published: %v, want a retry", err)
	}
	if f.mailer.count() != 0 {
		t.Fatal("the message went out before its live update")
	}
}
