package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/registrar-edu/registrar/apps/schedule/ports"
	"github.com/registrar-edu/registrar/apps/schedule/schedtest"
)

var httpClient = &http.Client{Timeout: 60 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// startInstance runs one schedule app (its own pgx pool, Redis client, reaper and HTTP
// server) and returns its base URL and a function that stops it and waits until it has.
func startInstance(t *testing.T, dbURL, prefix string) (string, func()) {
	t.Helper()
	port := freePort(t)
	noSidecar := strconv.Itoa(freePort(t))
	env := map[string]string{
		"APP_ID": "schedule", "APP_PORT": strconv.Itoa(port), "DATABASE_URL": dbURL,
		"REDIS_URL": schedtest.RedisURL(), "SEAT_GATE_PREFIX": prefix, "HOLD_REAP_INTERVAL": "200ms",
		"DAPR_HTTP_PORT": noSidecar, "DAPR_GRPC_PORT": noSidecar, "LOG_LEVEL": "error",
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, func(k string) string { return env[k] }, io.Discard) }()
	base := fmt.Sprintf("http://127.0.0.1:%d", port)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := httpClient.Get(base + "/livez")
		if err == nil {
			resp.Body.Close()
			break
		}
		select {
		case err := <-done:
			t.Fatalf("instance stopped: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("instance on %s never served", base)
		}
		time.Sleep(50 * time.Millisecond)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("instance on %s: %v", base, err)
		}
	}
	t.Cleanup(stop)
	return base, stop
}

func post(t *testing.T, url string, body any) (int, []byte) {
	b, _ := json.Marshal(body)
	resp, err := httpClient.Post(url, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Errorf("POST %s: %v", url, err)
		return 0, nil
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func getSection(url string) (ports.SectionResponse, error) {
	var s ports.SectionResponse
	resp, err := httpClient.Get(url)
	if err != nil {
		return s, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return s, fmt.Errorf("GET %s: %d", url, resp.StatusCode)
	}
	return s, json.NewDecoder(resp.Body).Decode(&s)
}

func seatUpdates(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	ctx := context.Background()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	var n int
	if _, err := conn.Exec(ctx, `SELECT pg_stat_clear_snapshot()`); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(ctx, `SELECT n_tup_upd FROM pg_stat_user_tables WHERE relname = 'seats'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestOpeningMinuteSurge is the seat inventory's acceptance test: two app instances on one
// database and one gate prefix receive 200 concurrent holds for a 10-seat section.
func TestOpeningMinuteSurge(t *testing.T) {
	const (
		capacity = 10
		requests = 200
		// Long enough that no hold can expire while the surge is still being answered.
		ttlSeconds = 8
	)
	dbURL, pool := schedtest.DB(t)
	rdb, prefix := schedtest.Redis(t)
	a, stopA := startInstance(t, dbURL, prefix)
	b, stopB := startInstance(t, dbURL, prefix)
	instances := []string{a, b}

	day := "2026-09-21"
	if st, body := post(t, a+"/api/v1/semesters", map[string]any{"code": "2026-AUT", "term": "AUTUMN",
		"startsOn": day, "endsOn": "2027-01-29", "addDropDeadline": "2026-10-02"}); st != http.StatusCreated {
		t.Fatalf("semester: %d %s", st, body)
	}
	if st, body := post(t, a+"/api/v1/rooms", map[string]any{"code": "ENG-101", "building": "Engineering", "capacity": 40}); st != http.StatusCreated {
		t.Fatalf("room: %d %s", st, body)
	}
	st, body := post(t, a+"/api/v1/sections", map[string]any{"moduleCode": "CS101", "semester": "2026-AUT",
		"capacity": capacity, "roomCode": "ENG-101", "timeslots": []map[string]string{{"day": "MON", "start": "09:00", "end": "10:50"}}})
	if st != http.StatusCreated {
		t.Fatalf("section: %d %s", st, body)
	}
	var section ports.SectionResponse
	_ = json.Unmarshal(body, &section)
	updatesBefore := seatUpdates(t, pool)

	// The sampler reads the section through the API for as long as the test runs.
	var samples, broken atomic.Int64
	sampleCtx, stopSampling := context.WithCancel(context.Background())
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for i := 0; sampleCtx.Err() == nil; i++ {
			s, err := getSection(instances[i%2] + "/api/v1/sections/" + section.ID)
			if err != nil {
				if sampleCtx.Err() == nil {
					t.Errorf("sampler: %v", err)
				}
				return
			}
			samples.Add(1)
			c := s.Seats
			if c.Capacity != capacity || c.Free+c.Held+c.Confirmed != c.Capacity || c.Free < 0 {
				broken.Add(1)
				t.Errorf("inventory broken at sample %d: %+v", i, c)
			}
		}
	}()

	var (
		held, byGate, byDatabase, failed atomic.Int64
		seatsMu                          sync.Mutex
		seatOwners                       = map[int]string{}
		wg                               sync.WaitGroup
		start                            = make(chan struct{})
	)
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			st, body := post(t, instances[i%2]+"/internal/v1/holds", map[string]any{
				"sectionId": section.ID, "registrationId": uuid.NewString(), "ttlSeconds": ttlSeconds})
			var r ports.HoldResponse
			if err := json.Unmarshal(body, &r); err != nil {
				failed.Add(1)
				t.Errorf("hold answered %d %s", st, body)
				return
			}
			switch {
			case st == http.StatusCreated && r.Result == "held":
				held.Add(1)
				seatsMu.Lock()
				if prev, taken := seatOwners[r.Hold.SeatNo]; taken {
					t.Errorf("seat %d given to %s and %s", r.Hold.SeatNo, prev, r.Hold.RegistrationID)
				}
				seatOwners[r.Hold.SeatNo] = r.Hold.RegistrationID
				seatsMu.Unlock()
			case st == http.StatusOK && r.Result == "full" && r.AnsweredBy == "gate":
				byGate.Add(1)
			case st == http.StatusOK && r.Result == "full":
				byDatabase.Add(1)
			default:
				failed.Add(1)
				t.Errorf("hold answered %d %s", st, body)
			}
		}()
	}
	close(start)
	wg.Wait()
	t.Logf("surge: %d held, %d full by the gate, %d full by the database, %d failed",
		held.Load(), byGate.Load(), byDatabase.Load(), failed.Load())
	if held.Load() != capacity || failed.Load() != 0 {
		t.Fatalf("%d holds succeeded (%d failed), want exactly %d", held.Load(), failed.Load(), capacity)
	}
	if byGate.Load() < requests-capacity-10 {
		t.Errorf("only %d refusals came from the full flag, want at least %d", byGate.Load(), requests-capacity-10)
	}
	s, err := getSection(a + "/api/v1/sections/" + section.ID)
	if err != nil || s.Seats != (ports.SeatsDTO{Capacity: capacity, Held: capacity}) {
		t.Fatalf("after the surge: %+v %v", s.Seats, err)
	}
	fullKey := prefix + "{" + section.ID + "}:full"
	if n, _ := rdb.Exists(context.Background(), fullKey).Result(); n != 1 {
		t.Errorf("the full flag is not set after the surge")
	}

	// Nobody confirms: the reapers of both instances free every seat and reopen the section.
	deadline := time.Now().Add(ttlSeconds*time.Second + 30*time.Second)
	for {
		s, err := getSection(b + "/api/v1/sections/" + section.ID)
		n, _ := rdb.Exists(context.Background(), fullKey).Result()
		if err == nil && s.Seats.Free == capacity && n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("holds never expired: %+v, flag %d, %v", s.Seats, n, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stopSampling()
	<-sampled
	if samples.Load() == 0 || broken.Load() != 0 {
		t.Fatalf("%d samples, %d broke capacity = free + held + confirmed", samples.Load(), broken.Load())
	}
	var heldEvents, expiredEvents int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FILTER (WHERE event_type = 'seat.held.v1'),
		count(*) FILTER (WHERE event_type = 'seat.released.v1' AND payload->>'reason' = 'expired') FROM outbox`).
		Scan(&heldEvents, &expiredEvents); err != nil || heldEvents != capacity || expiredEvents != capacity {
		t.Fatalf("events: %d held, %d expired, %v; want %d each", heldEvents, expiredEvents, err, capacity)
	}

	// Row updates of the seats table, over the surge and the expiry: a backend reports its
	// table statistics when it ends, so stop both instances (closing their pools) first.
	stopA()
	stopB()
	updates := 0
	for wait := time.Now().Add(10 * time.Second); time.Now().Before(wait); time.Sleep(100 * time.Millisecond) {
		if updates = seatUpdates(t, pool) - updatesBefore; updates >= 2*capacity {
			break
		}
	}
	t.Logf("seat rows updated: %d (holds and expiries of a %d-seat section; %d inventory samples)", updates, capacity, samples.Load())
	if updates > 2*capacity || updates < capacity {
		t.Fatalf("%d updates to the seats table, want between %d and %d", updates, capacity, 2*capacity)
	}
}
