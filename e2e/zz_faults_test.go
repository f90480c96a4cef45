package e2e

// Fault tests: they stop shared servers, so they run last (Go runs a package's tests in
// file order, and this file sorts last) and never in parallel.

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

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
	series := `registrar_events_processed_total{duplicate="true",type="student.created.v1"}`
	before := metricValue(t, "notification", series)
	if _, err := studentDB.Exec(ctx, `UPDATE outbox SET dispatched_at = NULL WHERE id = $1`, eventID); err != nil {
		t.Fatal(err)
	}
	eventually(t, 60*time.Second, "the replayed event's second delivery", func() bool {
		return metricValue(t, "notification", series) > before
	})
	if w, _ = welcomeOf(t, s.ID); w.EventID != eventID || w.Deliveries != 1 {
		t.Fatalf("the welcome record changed on redelivery: %+v", w)
	}
	r := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", DB: redisDB})
	defer r.Close()
	keys, err := r.Keys(ctx, "notification||email:welcome:"+s.ID+"*").Result()
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

// With the payment gateway answering in 5 s and 30 sagas waiting on it, the registration
// app's sidecar is killed and restarted: every saga still ends, each registration is charged
// once (the simulator may see a key again, never a second charge), and no effect repeats.
func TestRegistrationSidecarKilledMidSaga(t *testing.T) {
	const n = 30
	setLatency := func(ms int) {
		status, _, body := call(t, http.MethodPost, appURL("paygate")+"/admin/config", map[string]any{"latencyMs": ms})
		if status/100 != 2 {
			t.Fatalf("paygate config: %d %s", status, body)
		}
	}
	// Real holds last minutes; the suite's 45 s holds would lapse while the sidecar recovers
	// (the workflow engine re-dispatches lost activities after a while), so this test runs
	// registration with a realistic hold.
	withRegistrationEnv(t, "HOLD_TTL", "5m")
	section, _ := newSection(t, n+5)
	toks := manyEnrolled(t, n)
	setLatency(5000)
	t.Cleanup(func() { setLatency(20) })

	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, body := register(t, toks[i], "kill-"+uuid.NewString(), []string{section}, "pm_card_visa")
			if status != http.StatusAccepted {
				t.Errorf("register %d: %d %s", i, status, body)
				return
			}
			ids[i] = decode[accepted](t, body).Registrations[0].ID
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	time.Sleep(2 * time.Second) // the sagas are now waiting on the slow gateway
	stack.Proc("daprd-registration").Kill()
	if err := stack.StartSidecar("registration", ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := stack.WaitHealthy(ctx, "registration", 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	eventually(t, 5*time.Minute, "every saga to end after the sidecar restart", func() bool {
		for _, r := range sectionRegistrations(t, section) {
			if r.status == "PENDING_PAYMENT" || r.status == "OFFERED" {
				return false
			}
		}
		return true
	})
	ended := map[string]int{}
	for i, id := range ids {
		if c := chargesFor(t, id); c > 1 {
			t.Fatalf("registration %d charged %d times", i, c)
		}
		var confirmedSteps int
		_ = registrationDB(t).QueryRow(context.Background(),
			`SELECT count(*) FROM registration_timeline WHERE registration_id = $1 AND status = 'CONFIRMED'`, id).Scan(&confirmedSteps)
		r := registration(t, toks[i], id)
		if r.Status == "CONFIRMED" && (confirmedSteps != 1 || chargesFor(t, id) != 1) {
			t.Fatalf("registration %d: %d confirmations, %d charges", i, confirmedSteps, chargesFor(t, id))
		}
		// A saga whose hold lapsed while the sidecar was down refunds what it charged.
		if net := netCharged(t, id); (r.Status == "CONFIRMED") != (net > 0) {
			t.Fatalf("registration %d ended %s (%s) with %d charged net", i, r.Status, r.Reason, net)
		}
		ended[r.Status]++
	}
	t.Logf("after kill -9 of the registration sidecar: %v, all ended %.0f s after the restart", ended, time.Since(restarted).Seconds())
}

// withRegistrationEnv restarts the registration app with one setting changed, and restores
// it when the test ends.
func withRegistrationEnv(t *testing.T, key, value string) {
	t.Helper()
	spec, ok := opts.Template.App("registration")
	if !ok {
		t.Fatal("no registration app")
	}
	old := spec.Env[key]
	restart := func(v string) {
		spec.Env[key] = v
		stack.StopProc("registration")
		if err := stack.StartApp("registration"); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := stack.WaitHealthy(ctx, "registration", time.Minute); err != nil {
			t.Fatal(err)
		}
	}
	restart(value)
	t.Cleanup(func() { restart(old) })
}

// The SMTP server is down while a registration is confirmed, and the notification app and
// its sidecar restart meanwhile: once the server is back, the confirmation arrives, once.
func TestNotificationMailOutageAndRestartSendsTheConfirmationOnce(t *testing.T) {
	s, tok := enrolled(t)
	eventually(t, 60*time.Second, "the welcome email before the outage", func() bool {
		return len(mailTo(t, s.Email, "Welcome")) == 1
	})
	stopMailHog()
	restarted := false
	t.Cleanup(func() {
		if !restarted {
			_ = startMailHog()
		}
	})

	regID, _ := confirmedRegistration(t, tok)
	eventually(t, 60*time.Second, "a failed send recorded in the delivery log", func() bool {
		d, ok := deliveryOf(t, s.ID, "registration-confirmed", regID)
		return ok && d.Attempts >= 1 && d.Status == "failed" && d.LastError != ""
	})

	// The notification app and its sidecar restart while the mail server is still down.
	stack.StopProc("notification")
	stack.StopProc("daprd-notification")
	if err := stack.StartApp("notification"); err != nil {
		t.Fatal(err)
	}
	if err := stack.StartSidecar("notification", ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := stack.WaitHealthy(ctx, "notification", 2*time.Minute); err != nil {
		t.Fatal(err)
	}

	// The sink starts empty (memory only): whatever arrives now was sent after the outage.
	if err := startMailHog(); err != nil {
		t.Fatal(err)
	}
	restarted = true
	eventually(t, 3*time.Minute, "the confirmation email after the outage", func() bool {
		return len(mailTo(t, s.Email, "Registration confirmed")) > 0
	})
	time.Sleep(5 * time.Second) // a second copy would be on its way by now
	if n := len(mailTo(t, s.Email, "Registration confirmed")); n != 1 {
		t.Fatalf("%d confirmation emails, want exactly 1", n)
	}
	d, _ := deliveryOf(t, s.ID, "registration-confirmed", regID)
	if d.Status != "sent" || d.Attempts < 2 {
		t.Fatalf("delivery log after the outage: %+v", d)
	}
	t.Logf("sent after %d attempts", d.Attempts)
}
