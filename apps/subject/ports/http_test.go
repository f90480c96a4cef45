package ports_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/mux"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/registrar-edu/registrar/apps/subject/adapters"
	"github.com/registrar-edu/registrar/apps/subject/app"
	"github.com/registrar-edu/registrar/apps/subject/domain"
	"github.com/registrar-edu/registrar/apps/subject/ports"
	"github.com/registrar-edu/registrar/internal/platform/httpx"
	"github.com/registrar-edu/registrar/internal/platform/mongodb/mongotest"
)

type fixture struct {
	db    *mongo.Database
	svc   *app.Service
	relay *app.Relay
	pub   *countingPublisher
	srv   *httptest.Server
}

type countingPublisher struct {
	mu    sync.Mutex
	byID  map[string]int
	types []string
}

func (p *countingPublisher) Publish(_ context.Context, _, id, eventType string, _ []byte) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.byID[id]++
	p.types = append(p.types, eventType)
	return nil
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	db := mongotest.NewDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	lock := &adapters.MongoLock{DB: db}
	pub := &countingPublisher{byID: map[string]int{}}
	relay := app.NewRelay(&adapters.MongoOutbox{DB: db, Lock: lock}, pub, log)
	svc := &app.Service{Modules: &adapters.MongoModules{DB: db}, Programmes: &adapters.MongoProgrammes{DB: db},
		Lock: lock, Now: time.Now}
	h := &ports.HTTP{Service: svc, Validator: httpx.NewValidator(), Log: log}
	r := mux.NewRouter()
	api := r.PathPrefix("/api/v1").Subrouter()
	api.HandleFunc("/subjects", h.ListModules).Methods(http.MethodGet)
	api.HandleFunc("/subjects", h.CreateModule).Methods(http.MethodPost)
	api.HandleFunc("/subjects/{code}", h.GetModule).Methods(http.MethodGet)
	api.HandleFunc("/subjects/{code}", h.UpdateModule).Methods(http.MethodPut)
	api.HandleFunc("/subjects/{code}", h.DeleteModule).Methods(http.MethodDelete)
	api.HandleFunc("/programmes", h.ListProgrammes).Methods(http.MethodGet)
	api.HandleFunc("/programmes", h.CreateProgramme).Methods(http.MethodPost)
	api.HandleFunc("/programmes/{code}", h.GetProgramme).Methods(http.MethodGet)
	r.HandleFunc("/internal/v1/read-model/modules", h.ReadModelModules).Methods(http.MethodGet)
	srv := httptest.NewServer(r)
	t.Cleanup(srv.Close)
	return &fixture{db: db, svc: svc, relay: relay, pub: pub, srv: srv}
}

func (f *fixture) call(t *testing.T, method, path, body string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (f *fixture) documents(t *testing.T) int64 {
	n, err := f.db.Collection(adapters.ModulesCollection).CountDocuments(context.Background(), bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func moduleJSON(code, prereq string) string {
	p := "null"
	if prereq != "" {
		p = `{"module":"` + prereq + `","minGrade":"C"}`
	}
	return `{"code":"` + code + `","title":"Module ` + code + `","credits":15,"fee":{"amountMinor":90000,"currency":"GBP"},` +
		`"level":4,"programmes":["BSCCS"],"termsOffered":["AUTUMN"],"prerequisites":` + p + `}`
}

func fieldsOf(body map[string]any) []string {
	var out []string
	list, _ := body["errors"].([]any)
	for _, e := range list {
		out = append(out, e.(map[string]any)["field"].(string))
	}
	return out
}

func TestBadInputIsRefusedByFieldAndWritesNothing(t *testing.T) {
	f := newFixture(t)
	if code, body := f.call(t, http.MethodPost, "/api/v1/subjects", moduleJSON("CS101", "")); code != http.StatusCreated {
		t.Fatalf("create: %d %v", code, body)
	}
	cases := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"unknown field", "POST", "/api/v1/subjects", strings.Replace(moduleJSON("CS102", ""), `"level":4`, `"level":4,"admin":true`, 1), 400, "admin"},
		{"no code", "POST", "/api/v1/subjects", strings.Replace(moduleJSON("CS102", ""), `"code":"CS102",`, "", 1), 400, "code"},
		{"credits out of range", "POST", "/api/v1/subjects", strings.Replace(moduleJSON("CS102", ""), `"credits":15`, `"credits":500`, 1), 400, "credits"},
		{"negative fee", "POST", "/api/v1/subjects", strings.Replace(moduleJSON("CS102", ""), `90000`, `-1`, 1), 400, "fee.amountMinor"},
		{"bad term", "POST", "/api/v1/subjects", strings.Replace(moduleJSON("CS102", ""), `AUTUMN`, `WINTER`, 1), 400, "termsOffered[0]"},
		{"bad grade deep in the tree", "POST", "/api/v1/subjects", strings.Replace(moduleJSON("CS102", ""), `"prerequisites":null`,
			`"prerequisites":{"op":"OR","operands":[{"module":"CS101","minGrade":"C"},{"module":"CS101","minGrade":"Z"}]}`, 1), 400, "prerequisites.operands[1].minGrade"},
		{"code shape", "POST", "/api/v1/subjects", moduleJSON("101CS", ""), 400, "code"},
		{"unknown prerequisite", "POST", "/api/v1/subjects", moduleJSON("CS102", "XX100"), 422, "prerequisites"},
		{"code taken", "POST", "/api/v1/subjects", moduleJSON("CS101", ""), 409, "code"},
		{"self cycle on update", "PUT", "/api/v1/subjects/CS101", moduleJSON("CS101", "CS101"), 400, "prerequisites"},
		{"code change on update", "PUT", "/api/v1/subjects/CS101", moduleJSON("CS109", ""), 400, "code"},
		{"bad list level", "GET", "/api/v1/subjects?level=high", "", 400, "level"},
		{"programme with unknown module", "POST", "/api/v1/programmes", `{"code":"BSCCS","name":"CS","faculty":"Science","required":["XX100"]}`, 422, "required[0]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, body := f.call(t, c.method, c.path, c.body)
			if code != c.status {
				t.Fatalf("status %d, want %d: %v", code, c.status, body)
			}
			if !contains(fieldsOf(body), c.field) {
				t.Fatalf("problem fields %v do not name %q: %v", fieldsOf(body), c.field, body)
			}
			if f.documents(t) != 1 {
				t.Fatal("a refused request wrote a module")
			}
			if code, body := f.call(t, "GET", "/api/v1/subjects/CS101", ""); code != 200 || body["version"] != float64(1) {
				t.Fatalf("CS101 changed: %d %v", code, body)
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestCatalogueFlowPublishesEveryChangeOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	steps := []struct {
		method, path, body string
		status             int
	}{
		{"POST", "/api/v1/subjects", moduleJSON("CS101", ""), 201},
		{"POST", "/api/v1/subjects", moduleJSON("CS201", "CS101"), 201},
		{"POST", "/api/v1/subjects", moduleJSON("CS301", "CS201"), 201},
		{"PUT", "/api/v1/subjects/CS101", moduleJSON("CS101", "CS301"), 422}, // CS101 → CS301 → CS201 → CS101
		{"DELETE", "/api/v1/subjects/CS101", "", 409},                        // CS201 needs it
		{"PUT", "/api/v1/subjects/CS301", strings.Replace(moduleJSON("CS301", "CS101"), `"credits":15`, `"credits":30`, 1), 200},
		{"DELETE", "/api/v1/subjects/CS301", "", 204},
		{"POST", "/api/v1/programmes", `{"code":"BSCCS","name":"BSc Computer Science","faculty":"Science","required":["CS101"],"electives":["CS201"]}`, 201},
	}
	for i, s := range steps {
		code, body := f.call(t, s.method, s.path, s.body)
		if code != s.status {
			t.Fatalf("step %d %s %s: %d, want %d: %v", i, s.method, s.path, code, s.status, body)
		}
		if i == 3 && !strings.Contains(fmt.Sprint(body["detail"]), "CS101 → CS301 → CS201 → CS101") {
			t.Fatalf("cycle not named: %v", body)
		}
	}
	code, body := f.call(t, "GET", "/api/v1/subjects?programme=bsccs&term=AUTUMN&level=4", "")
	if items := body["items"].([]any); code != 200 || len(items) != 2 || items[1].(map[string]any)["prerequisites"] == nil {
		t.Fatalf("list: %d %v", code, body)
	}
	if code, _ := f.call(t, "GET", "/api/v1/subjects/CS301", ""); code != 404 {
		t.Fatalf("deleted module: %d", code)
	}
	if code, body := f.call(t, "GET", "/api/v1/programmes/BSCCS", ""); code != 200 || body["faculty"] != "Science" {
		t.Fatalf("programme: %d %v", code, body)
	}

	for more := true; more; {
		var err error
		if more, err = f.relay.RelayOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{domain.EventSubjectCreatedV1, domain.EventSubjectCreatedV1, domain.EventSubjectCreatedV1,
		domain.EventSubjectUpdatedV1, domain.EventSubjectDeletedV1}
	if len(f.pub.byID) != len(want) {
		t.Fatalf("published %v, want %d distinct events", f.pub.types, len(want))
	}
	for id, n := range f.pub.byID {
		if n != 1 {
			t.Fatalf("event %s published %d times", id, n)
		}
	}
	if docs, _ := (&adapters.MongoOutbox{DB: f.db}).Pending(ctx, 10); len(docs) != 0 {
		t.Fatalf("events left pending: %+v", docs)
	}
}

// TestWritersAndRelayNeverUndoEachOther runs module updates while the relay removes
// published events from the same document: no update and no event may be lost (FerretDB
// applies updates as read-then-write, so this holds only because both take the lock).
func TestWritersAndRelayNeverUndoEachOther(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	if code, body := f.call(t, "POST", "/api/v1/subjects", moduleJSON("CS101", "")); code != 201 {
		t.Fatalf("%d %v", code, body)
	}
	const writers, updates = 3, 5
	stop := make(chan struct{})
	relayDone := make(chan error)
	go func() {
		for {
			select {
			case <-stop:
				relayDone <- nil
				return
			default:
			}
			if _, err := f.relay.RelayOnce(ctx); err != nil {
				relayDone <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range updates {
				body := strings.Replace(moduleJSON("CS101", ""), `"credits":15`, fmt.Sprintf(`"credits":%d`, 1+w*updates+i), 1)
				if code, out := f.call(t, "PUT", "/api/v1/subjects/CS101", body); code != 200 {
					t.Errorf("update: %d %v", code, out)
				}
			}
		}()
	}
	wg.Wait()
	close(stop)
	if err := <-relayDone; err != nil {
		t.Fatal(err)
	}
	for more := true; more; {
		var err error
		if more, err = f.relay.RelayOnce(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if _, body := f.call(t, "GET", "/api/v1/subjects/CS101", ""); body["version"] != float64(1+writers*updates) {
		t.Fatalf("version %v, want %d: an update was lost", body["version"], 1+writers*updates)
	}
	if len(f.pub.byID) != 1+writers*updates {
		t.Fatalf("%d distinct events published, want %d", len(f.pub.byID), 1+writers*updates)
	}
	for id, n := range f.pub.byID {
		if n != 1 {
			t.Fatalf("event %s published %d times", id, n)
		}
	}
}
