package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/admission/app"
	"github.com/registrar-edu/registrar/apps/admission/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
)

// records is an in-memory Records with compare-and-swap semantics (a copy per read).
type records struct {
	mu   sync.Mutex
	docs map[string][]byte
}

func (f *records) Get(_ context.Context, id string) (*domain.Record, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.docs[id]
	if !ok {
		return nil, nil
	}
	var r domain.Record
	return &r, json.Unmarshal(b, &r)
}

func (f *records) Mutate(ctx context.Context, id string, change func(*domain.Record) (*domain.Record, error)) (*domain.Record, error) {
	cur, _ := f.Get(ctx, id)
	next, err := change(cur)
	if err != nil || next == nil {
		return cur, err
	}
	b, _ := json.Marshal(next)
	f.mu.Lock()
	f.docs[id] = b
	f.mu.Unlock()
	return next, nil
}

type directory struct{ calls int }

func (d *directory) Student(_ context.Context, id string) (domain.Student, error) {
	d.calls++
	if id == "ghost" {
		return domain.Student{}, errs.E(errs.NotFound, "no such student")
	}
	return domain.Student{StudentID: id, StudentNumber: "S1", Name: "Grace Hopper", Programme: "CS"}, nil
}

func (d *directory) Module(_ context.Context, code string) (string, int, error) {
	d.calls++
	return "Title of " + code, 15, nil
}

type renderer struct{}

func (renderer) Render(r *domain.Record) ([]byte, error) {
	return fmt.Appendf(nil, "%%PDF- %s v%d %d modules", r.StudentID, r.Version, len(r.Modules)), nil
}

type store struct {
	objects map[string][]byte
	puts    int
	fail    error
}

func (s *store) Put(_ context.Context, key string, pdf []byte) error {
	if s.fail != nil {
		return s.fail
	}
	s.puts++
	s.objects[key] = pdf
	return nil
}
func (s *store) Delete(_ context.Context, key string) error { delete(s.objects, key); return nil }
func (s *store) DownloadURL(_ context.Context, key string, ttl time.Duration) (string, error) {
	return fmt.Sprintf("http://s3/%s?ttl=%s", key, ttl), nil
}

type publisher struct {
	ids  []string
	fail error
}

func (p *publisher) Publish(_ context.Context, topic, id, eventType string, data []byte) error {
	if p.fail != nil {
		return p.fail
	}
	if topic != domain.Topic || eventType != domain.TypeUpdated || len(data) == 0 {
		return fmt.Errorf("unexpected publish %s %s", topic, eventType)
	}
	p.ids = append(p.ids, id)
	return nil
}

type fixture struct {
	svc  *app.Service
	recs *records
	dir  *directory
	st   *store
	pub  *publisher
}

func newFixture() *fixture {
	f := &fixture{recs: &records{docs: map[string][]byte{}}, dir: &directory{}, st: &store{objects: map[string][]byte{}}, pub: &publisher{}}
	f.svc = &app.Service{Records: f.recs, Directory: f.dir, Forms: renderer{}, Store: f.st, Publisher: f.pub,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Now: func() time.Time { return time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC) },
		LinkTTL: 5 * time.Minute}
	return f
}

func confirmed(reg, code string) app.Confirmed {
	return app.Confirmed{RegistrationID: reg, StudentID: "s1", SectionID: "sec-" + reg, ModuleCode: code, Semester: "2026-AUT"}
}

func TestConfirmationMakesRecordFormAndEventOnce(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	for range 3 {
		if err := f.svc.RegistrationConfirmed(ctx, confirmed("r1", "CS101")); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := f.recs.Get(ctx, "s1")
	if r.Name != "Grace Hopper" || len(r.Modules) != 1 || r.Modules[0].ModuleTitle != "Title of CS101" || r.Version != 1 ||
		len(r.Pending) != 0 || r.Form == nil || r.Form.Key != domain.FormKey("s1", 1) {
		t.Fatalf("record: %+v", r)
	}
	if f.st.puts != 1 || len(f.st.objects) != 1 || !slices.Equal(f.pub.ids, []string{"admission:s1:v1"}) || f.dir.calls != 2 {
		t.Fatalf("effects of three deliveries: %d puts, objects %v, published %v, %d lookups",
			f.st.puts, slices.Collect(maps.Keys(f.st.objects)), f.pub.ids, f.dir.calls)
	}
	v, err := f.svc.Mine(ctx, "s1")
	if err != nil || v.FormURL != "http://s3/forms/s1/admission-form-v1.pdf?ttl=5m0s" || !v.ExpiresAt.Equal(time.Date(2026, 9, 1, 9, 5, 0, 0, time.UTC)) {
		t.Fatalf("Mine = %+v, %v", v, err)
	}
}

func TestAFailedStepIsFinishedByTheRedelivery(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	f.st.fail = errors.New("S3 down")
	if err := f.svc.RegistrationConfirmed(ctx, confirmed("r1", "CS101")); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("with S3 down: %v", err)
	}
	f.st.fail = nil
	f.pub.fail = errors.New("broker down")
	if err := f.svc.RegistrationConfirmed(ctx, confirmed("r1", "CS101")); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("with the broker down: %v", err)
	}
	f.pub.fail = nil
	if err := f.svc.RegistrationConfirmed(ctx, confirmed("r1", "CS101")); err != nil {
		t.Fatal(err)
	}
	r, _ := f.recs.Get(ctx, "s1")
	if len(r.Modules) != 1 || len(r.Pending) != 0 || f.st.puts != 1 || !slices.Equal(f.pub.ids, []string{"admission:s1:v1"}) {
		t.Fatalf("after recovery: record %+v, %d puts, published %v", r, f.st.puts, f.pub.ids)
	}
}

func TestDropReplacesTheFormAndDeletesTheOldOne(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	_ = f.svc.RegistrationConfirmed(ctx, confirmed("r1", "CS101"))
	_ = f.svc.RegistrationConfirmed(ctx, confirmed("r2", "MA101"))
	for range 2 {
		if err := f.svc.RegistrationDropped(ctx, app.Dropped{RegistrationID: "r1", StudentID: "s1", ModuleCode: "CS101"}); err != nil {
			t.Fatal(err)
		}
	}
	r, _ := f.recs.Get(ctx, "s1")
	if len(r.Modules) != 1 || r.Modules[0].ModuleCode != "MA101" || r.Version != 3 || r.Form.Version != 3 {
		t.Fatalf("after the drop: %+v", r)
	}
	if keys := slices.Collect(maps.Keys(f.st.objects)); len(keys) != 1 || keys[0] != domain.FormKey("s1", 3) {
		t.Fatalf("form objects: %v", keys)
	}
	if len(f.pub.ids) != 3 {
		t.Fatalf("published %v", f.pub.ids)
	}
	// The dropped registration confirmed late (reordered) stays off the plan.
	_ = f.svc.RegistrationConfirmed(ctx, confirmed("r1", "CS101"))
	if r2, _ := f.recs.Get(ctx, "s1"); r2.Version != 3 {
		t.Fatalf("a late confirmation changed the record: %+v", r2)
	}
}

func TestDropBeforeConfirmationAndUnknownStudents(t *testing.T) {
	f := newFixture()
	ctx := context.Background()
	if err := f.svc.RegistrationDropped(ctx, app.Dropped{RegistrationID: "r1", StudentID: "s1"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Mine(ctx, "s1"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("a record of a drop only is not shown: %v", err)
	}
	if err := f.svc.RegistrationConfirmed(ctx, confirmed("r1", "CS101")); err != nil {
		t.Fatal(err)
	}
	if f.st.puts != 0 || len(f.pub.ids) != 0 {
		t.Fatalf("a confirmation after its drop made a form (%d) or events (%v)", f.st.puts, f.pub.ids)
	}
	err := f.svc.RegistrationConfirmed(ctx, app.Confirmed{RegistrationID: "r9", StudentID: "ghost", ModuleCode: "CS101"})
	if errs.KindOf(err) != errs.NotFound {
		t.Fatalf("an unknown student: %v", err)
	}
	if err := f.svc.RegistrationConfirmed(ctx, app.Confirmed{StudentID: "s1"}); errs.KindOf(err) != errs.Invalid {
		t.Fatalf("an event without ids: %v", err)
	}
	if _, err := f.svc.Mine(ctx, "nobody"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("Mine without a record: %v", err)
	}
}
