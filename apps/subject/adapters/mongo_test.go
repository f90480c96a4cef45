package adapters_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/registrar-edu/registrar/apps/subject/adapters"
	"github.com/registrar-edu/registrar/apps/subject/app"
	"github.com/registrar-edu/registrar/apps/subject/domain"
	"github.com/registrar-edu/registrar/internal/platform/errs"
	"github.com/registrar-edu/registrar/internal/platform/mongodb/mongotest"
)

var t0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)

func module(t *testing.T, code string, level int, programmes []string, terms []domain.Term, prereq *domain.Prerequisite) domain.Module {
	t.Helper()
	m, err := domain.NewModule(domain.ModuleSpec{Code: code, Title: "Module " + code, Credits: 15, Level: level,
		Fee: domain.Money{AmountMinor: 90000, Currency: "GBP"}, Programmes: programmes, Terms: terms, Prerequisites: prereq}, t0)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func event(id, typ string) app.PendingEvent {
	return app.PendingEvent{ID: id, Topic: domain.TopicSubjects, Type: typ, Data: []byte(`{"id":"` + id + `"}`), CreatedAt: t0}
}

// pendingIDs reads the pending event ids of one module straight from the collection.
func pendingIDs(t *testing.T, db *mongo.Database, code string) []string {
	t.Helper()
	var d struct {
		Events []struct {
			ID string `bson:"id"`
		} `bson:"pendingEvents"`
	}
	if err := db.Collection(adapters.ModulesCollection).FindOne(context.Background(), bson.D{{Key: "_id", Value: code}}).Decode(&d); err != nil {
		t.Fatal(err)
	}
	ids := []string{}
	for _, e := range d.Events {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestMongoModulesStoreChangesWithTheirEvents(t *testing.T) {
	ctx := context.Background()
	db := mongotest.NewDB(t)
	if err := adapters.EnsureIndexes(ctx, db); err != nil {
		t.Fatal(err)
	}
	repo := &adapters.MongoModules{DB: db}

	cs101 := module(t, "CS101", 4, []string{"BSCCS"}, []domain.Term{domain.TermAutumn}, nil)
	ma101 := module(t, "MA101", 4, []string{"BSCMA", "BSCCS"}, []domain.Term{domain.TermAutumn, domain.TermSpring}, nil)
	p := domain.All(domain.Leaf("CS101", domain.GradeC), domain.Any(domain.Leaf("MA101", domain.GradeB), domain.Leaf("MA102", domain.GradeA)))
	cs201 := module(t, "CS201", 5, []string{"BSCCS"}, []domain.Term{domain.TermSpring}, &p)
	for i, m := range []domain.Module{cs101, ma101, cs201} {
		if err := repo.Insert(ctx, m, event("e"+string(rune('1'+i)), domain.EventSubjectCreatedV1)); err != nil {
			t.Fatal(err)
		}
	}
	if err := repo.Insert(ctx, cs101, event("dup", domain.EventSubjectCreatedV1)); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("duplicate insert: %v, want a conflict", err)
	}

	got, found, err := repo.Find(ctx, "CS201")
	if err != nil || !found {
		t.Fatalf("find: %v %v", found, err)
	}
	if got.Prerequisites == nil || got.Prerequisites.String() != p.String() || !got.CreatedAt.Equal(t0) ||
		got.Fee != cs201.Fee || !slices.Equal(got.Terms, cs201.Terms) || got.Version != 1 {
		t.Fatalf("round trip: %+v", got)
	}
	if _, found, err := repo.Find(ctx, "XX999"); err != nil || found {
		t.Fatalf("find missing: %v %v", found, err)
	}

	cases := []struct {
		name string
		q    app.ModuleQuery
		want []string
	}{
		{"all", app.ModuleQuery{Limit: 10}, []string{"CS101", "CS201", "MA101"}},
		{"programme", app.ModuleQuery{Programme: "BSCMA", Limit: 10}, []string{"MA101"}},
		{"level", app.ModuleQuery{Level: 4, Limit: 10}, []string{"CS101", "MA101"}},
		{"term", app.ModuleQuery{Term: domain.TermSpring, Limit: 10}, []string{"CS201", "MA101"}},
		{"programme and term", app.ModuleQuery{Programme: "BSCCS", Term: domain.TermAutumn, Limit: 10}, []string{"CS101", "MA101"}},
		{"page", app.ModuleQuery{After: "CS101", Limit: 1}, []string{"CS201"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			list, err := repo.List(ctx, c.q)
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for _, m := range list {
				codes = append(codes, m.Code)
			}
			if !slices.Equal(codes, c.want) {
				t.Fatalf("codes %v, want %v", codes, c.want)
			}
		})
	}

	// A change is one update guarded by the version it was based on, and its event joins
	// the ones still pending.
	spec := domain.ModuleSpec{Code: "CS101", Title: "Programming", Credits: 30, Level: 4,
		Fee: domain.Money{AmountMinor: 1, Currency: "EUR"}, Terms: []domain.Term{domain.TermSummer}}
	v2, err := cs101.Revise(spec, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Replace(ctx, v2, 1, event("e4", domain.EventSubjectUpdatedV1)); err != nil {
		t.Fatal(err)
	}
	if err := repo.Replace(ctx, v2, 1, event("stale", domain.EventSubjectUpdatedV1)); errs.KindOf(err) != errs.Conflict {
		t.Fatalf("stale replace: %v, want a conflict", err)
	}
	if ids := pendingIDs(t, db, "CS101"); !slices.Equal(ids, []string{"e1", "e4"}) {
		t.Fatalf("pending events %v", ids)
	}
	got, _, _ = repo.Find(ctx, "CS101")
	if got.Version != 2 || got.Credits != 30 || got.Fee.Currency != "EUR" || len(got.Programmes) != 0 {
		t.Fatalf("after replace: %+v", got)
	}

	graph, err := repo.PrerequisiteGraph(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(graph) != 3 || !slices.Equal(graph["CS201"], []string{"CS101", "MA101", "MA102"}) || len(graph["CS101"]) != 0 {
		t.Fatalf("graph %v", graph)
	}

	// A tombstone leaves the live views but keeps its document and version.
	tomb, _ := got.Delete(t0.Add(2 * time.Hour))
	if err := repo.Replace(ctx, tomb, 2, event("e5", domain.EventSubjectDeletedV1)); err != nil {
		t.Fatal(err)
	}
	graph, _ = repo.PrerequisiteGraph(ctx)
	if _, ok := graph["CS101"]; ok {
		t.Fatalf("tombstone in the graph: %v", graph)
	}
	if list, _ := repo.List(ctx, app.ModuleQuery{Limit: 10}); len(list) != 2 {
		t.Fatalf("tombstone listed: %+v", list)
	}
	got, found, _ = repo.Find(ctx, "CS101")
	if !found || !got.Deleted || got.Version != 3 {
		t.Fatalf("tombstone: %+v", got)
	}
}

func TestMongoOutboxRemovesExactlyThePublishedIDs(t *testing.T) {
	ctx := context.Background()
	db := mongotest.NewDB(t)
	repo := &adapters.MongoModules{DB: db}
	outbox := &adapters.MongoOutbox{DB: db, Lock: &adapters.MongoLock{DB: db}}
	m := module(t, "CS101", 4, nil, []domain.Term{domain.TermAutumn}, nil)
	if err := repo.Insert(ctx, m, event("a", domain.EventSubjectCreatedV1)); err != nil {
		t.Fatal(err)
	}
	quiet := module(t, "CS102", 4, nil, []domain.Term{domain.TermAutumn}, nil)
	if err := repo.Insert(ctx, quiet, event("q", domain.EventSubjectCreatedV1)); err != nil {
		t.Fatal(err)
	}
	if err := outbox.Remove(ctx, "CS102", []string{"q"}); err != nil {
		t.Fatal(err)
	}
	m2, _ := m.Revise(domain.ModuleSpec{Title: "x", Credits: 15, Level: 4, Fee: m.Fee, Terms: m.Terms}, t0)
	if err := repo.Replace(ctx, m2, 1, event("b", domain.EventSubjectUpdatedV1)); err != nil {
		t.Fatal(err)
	}

	docs, err := outbox.Pending(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].ID != "CS101" || len(docs[0].Events) != 2 ||
		docs[0].Events[0].ID != "a" || string(docs[0].Events[1].Data) != `{"id":"b"}` || docs[0].Events[1].Type != domain.EventSubjectUpdatedV1 {
		t.Fatalf("pending %+v", docs)
	}
	// "c" is written after the relay read "a" and "b": removing those must keep "c".
	m3, _ := m2.Revise(domain.ModuleSpec{Title: "y", Credits: 15, Level: 4, Fee: m.Fee, Terms: m.Terms}, t0)
	if err := repo.Replace(ctx, m3, 2, event("c", domain.EventSubjectUpdatedV1)); err != nil {
		t.Fatal(err)
	}
	if err := outbox.Remove(ctx, "CS101", []string{"a", "b"}); err != nil {
		t.Fatal(err)
	}
	if ids := pendingIDs(t, db, "CS101"); !slices.Equal(ids, []string{"c"}) {
		t.Fatalf("left pending %v, want [c]", ids)
	}
}

// recordingPublisher records what it published and fails while failing is set.
type recordingPublisher struct {
	mu        sync.Mutex
	published []string
	failOn    string // fail when publishing this event id
}

func (p *recordingPublisher) Publish(_ context.Context, topic, id, eventType string, data []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if id == p.failOn {
		return errors.New("broker unavailable")
	}
	if topic != domain.TopicSubjects || eventType == "" || len(data) == 0 {
		return errors.New("malformed publish")
	}
	p.published = append(p.published, id)
	return nil
}

func TestRelayPublishesEachPendingEventOnceAndRemovesIt(t *testing.T) {
	ctx := context.Background()
	db := mongotest.NewDB(t)
	repo := &adapters.MongoModules{DB: db}
	for i, code := range []string{"CS101", "CS102", "CS103"} {
		m := module(t, code, 4, nil, []domain.Term{domain.TermAutumn}, nil)
		if err := repo.Insert(ctx, m, event(code+"-1", domain.EventSubjectCreatedV1)); err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			m2, _ := m.Revise(domain.ModuleSpec{Title: "x", Credits: 15, Level: 4, Fee: m.Fee, Terms: m.Terms}, t0)
			if err := repo.Replace(ctx, m2, 1, event(code+"-2", domain.EventSubjectUpdatedV1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	pub := &recordingPublisher{failOn: "CS102-2"}
	relay := app.NewRelay(&adapters.MongoOutbox{DB: db, Lock: &adapters.MongoLock{DB: db}}, pub, quietLog())

	// The broker refuses CS102's second event: what was published before it is removed,
	// it and everything after it stay pending.
	if _, err := relay.RelayOnce(ctx); err == nil {
		t.Fatal("a failed publish was not reported")
	}
	if !slices.Equal(pub.published, []string{"CS101-1", "CS102-1"}) {
		t.Fatalf("published %v", pub.published)
	}
	for code, want := range map[string][]string{"CS101": {}, "CS102": {"CS102-2"}, "CS103": {"CS103-1"}} {
		if ids := pendingIDs(t, db, code); !slices.Equal(ids, want) {
			t.Fatalf("%s pending %v, want %v", code, ids, want)
		}
	}

	// The broker is back: the rest goes out, once each, and nothing is left.
	pub.failOn = ""
	if _, err := relay.RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := relay.RelayOnce(ctx); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(pub.published, []string{"CS101-1", "CS102-1", "CS102-2", "CS103-1"}) {
		t.Fatalf("published %v: want each event exactly once", pub.published)
	}
	if docs, err := (&adapters.MongoOutbox{DB: db, Lock: &adapters.MongoLock{DB: db}}).Pending(ctx, 10); err != nil || len(docs) != 0 {
		t.Fatalf("still pending: %+v %v", docs, err)
	}
}

func TestMongoLockAdmitsOneWriterAtATime(t *testing.T) {
	ctx := context.Background()
	db := mongotest.NewDB(t)
	lock := &adapters.MongoLock{DB: db, TTL: 5 * time.Second}
	var inside, most, runs atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := lock.Do(ctx, func(context.Context) error {
				n := inside.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				time.Sleep(10 * time.Millisecond)
				inside.Add(-1)
				runs.Add(1)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if most.Load() != 1 || runs.Load() != 8 {
		t.Fatalf("at most %d inside at once over %d runs, want 1 over 8", most.Load(), runs.Load())
	}

	// A holder that died leaves a lease that expires; the next writer takes it over.
	locks := db.Collection(adapters.LocksCollection)
	if _, err := locks.InsertOne(ctx, bson.D{{Key: "_id", Value: "catalogue"}, {Key: "holder", Value: "dead"},
		{Key: "until", Value: time.Now().Add(300 * time.Millisecond)}}); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := lock.Do(ctx, func(context.Context) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if time.Since(start) < 250*time.Millisecond {
		t.Fatal("took a lease that had not expired")
	}
	busy := &adapters.MongoLock{DB: db, Wait: 100 * time.Millisecond}
	if _, err := locks.InsertOne(ctx, bson.D{{Key: "_id", Value: "catalogue"}, {Key: "holder", Value: "alive"},
		{Key: "until", Value: time.Now().Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	if err := busy.Do(ctx, func(context.Context) error { return nil }); errs.KindOf(err) != errs.Unavailable {
		t.Fatalf("held lock: %v, want unavailable", err)
	}
}

func TestMongoProgrammes(t *testing.T) {
	ctx := context.Background()
	repo := &adapters.MongoProgrammes{DB: mongotest.NewDB(t)}
	for _, code := range []string{"BSCMA", "BSCCS"} {
		p, err := domain.NewProgramme(domain.ProgrammeSpec{Code: code, Name: "BSc " + code, Faculty: "Science",
			Required: []string{"CS101"}}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if err := repo.Insert(ctx, p); err != nil {
			t.Fatal(err)
		}
		if err := repo.Insert(ctx, p); errs.KindOf(err) != errs.Conflict {
			t.Fatalf("duplicate: %v", err)
		}
	}
	p, err := repo.Get(ctx, "BSCCS")
	if err != nil || p.Name != "BSc BSCCS" || !slices.Equal(p.Required, []string{"CS101"}) || len(p.Electives) != 0 || !p.CreatedAt.Equal(t0) {
		t.Fatalf("get %+v %v", p, err)
	}
	if _, err := repo.Get(ctx, "NOPE"); errs.KindOf(err) != errs.NotFound {
		t.Fatalf("missing: %v", err)
	}
	list, err := repo.List(ctx)
	if err != nil || len(list) != 2 || list[0].Code != "BSCCS" {
		t.Fatalf("list %+v %v", list, err)
	}
}

// List pages by code after a cursor, and shows tombstones only to the read-model feed.
func TestMongoModulesListPagesAndShowsTombstonesOnRequest(t *testing.T) {
	ctx := context.Background()
	db := mongotest.NewDB(t)
	repo := &adapters.MongoModules{DB: db}
	codes := []string{"MA101", "CS101", "EE101", "CS102", "BI101"}
	for i, c := range codes {
		if err := repo.Insert(ctx, module(t, c, 4, nil, []domain.Term{domain.TermAutumn}, nil), event("e"+c+string(rune('0'+i)), domain.EventSubjectCreatedV1)); err != nil {
			t.Fatal(err)
		}
	}
	m, _, _ := repo.Find(ctx, "CS102")
	tomb, err := m.Delete(t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if err := repo.Replace(ctx, tomb, m.Version, event("del", domain.EventSubjectDeletedV1)); err != nil {
		t.Fatal(err)
	}
	list := func(q app.ModuleQuery) []string {
		t.Helper()
		got, err := repo.List(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range got {
			c := m.Code
			if m.Deleted {
				c += "†"
			}
			out = append(out, c)
		}
		return out
	}
	for _, c := range []struct {
		q    app.ModuleQuery
		want []string
	}{
		{app.ModuleQuery{Limit: 10}, []string{"BI101", "CS101", "EE101", "MA101"}},
		{app.ModuleQuery{Limit: 10, IncludeDeleted: true}, []string{"BI101", "CS101", "CS102†", "EE101", "MA101"}},
		{app.ModuleQuery{Limit: 2, IncludeDeleted: true, After: "CS101"}, []string{"CS102†", "EE101"}},
		{app.ModuleQuery{Limit: 2, IncludeDeleted: true, After: "EE101"}, []string{"MA101"}},
		{app.ModuleQuery{Limit: 2, IncludeDeleted: true, After: "MA101"}, nil},
	} {
		if got := list(c.q); !slices.Equal(got, c.want) {
			t.Errorf("%+v: %v, want %v", c.q, got, c.want)
		}
	}
}
