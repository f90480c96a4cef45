package e2e

// Fault tests: they stop shared servers, so they run last (Go runs a package's tests in
// file order, and this file sorts last) and never in parallel.

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

func rabbitmqctl(t *testing.T, args ...string) {
	t.Helper()
	out, err := exec.Command("rabbitmqctl", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("rabbitmqctl %v: %v\n%s", args, err, out)
	}
}

func portOpen(addr string) bool {
	c, err := net.DialTimeout("tcp", addr, 300*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

func TestRabbitMQOutageDelaysButLosesNothingAndRedeliveryIsIdempotent(t *testing.T) {
	ctx := context.Background()
	rabbitmqctl(t, "stop_app")
	restarted := false
	start := func() {
		rabbitmqctl(t, "start_app")
		eventually(t, 60*time.Second, "RabbitMQ accepting connections", func() bool { return portOpen("127.0.0.1:5672") })
		restarted = true
	}
	t.Cleanup(func() {
		if !restarted {
			start()
		}
	})

	// The create succeeds while the broker is down: the event waits in the outbox.
	s := createStudent(t)
	var eventID string
	eventually(t, 30*time.Second, "a failed publish attempt recorded on the outbox row", func() bool {
		var attempts int
		err := studentDB.QueryRow(ctx, `SELECT id::text, attempts FROM outbox WHERE aggregate_id = $1 AND dispatched_at IS NULL`,
			s.ID).Scan(&eventID, &attempts)
		return err == nil && attempts > 0
	})
	if _, ok := welcomeOf(t, s.ID); ok {
		t.Fatal("the notification app received the event while the broker was down")
	}

	start()
	var w welcome
	eventually(t, 120*time.Second, "StudentCreated delivered after RabbitMQ came back", func() bool {
		var ok bool
		w, ok = welcomeOf(t, s.ID)
		return ok
	})
	if w.EventID != eventID || w.Deliveries != 1 {
		t.Fatalf("welcome %+v, want event %s delivered once", w, eventID)
	}

	// Replay: the relay publishes the same row again, with the same CloudEvent id.
	if _, err := studentDB.Exec(ctx, `UPDATE outbox SET dispatched_at = NULL WHERE id = $1`, eventID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "the replayed event's second delivery", func() bool {
		w, _ = welcomeOf(t, s.ID)
		return w.Deliveries == 2
	})
	if w.EventID != eventID {
		t.Fatalf("the welcome record changed on redelivery: %+v", w)
	}
	r := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: redisDB})
	defer r.Close()
	keys, err := r.Keys(ctx, "notification||welcome:"+s.ID+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 {
		t.Fatalf("welcome records for the student: %v, want exactly one", keys)
	}
	status, _, body := call(t, http.MethodGet, appURL("notification")+"/metrics", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `registrar_events_processed_total{duplicate="true",type="student.created.v1"}`) {
		t.Fatalf("the notification app did not count the redelivery as a duplicate:\n%s", body)
	}
}
