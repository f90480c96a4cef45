package e2e

// The contract test reads what the whole run put on the broker, so it runs after every
// other test except the fault tests (which stop the broker): this file sorts just before
// zz_faults_test.go.

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/registrar-edu/registrar/contracts"
)

// tapQuiet returns the tap's events once the seeding's events have all arrived and nothing
// new has come for a moment (outbox relays publish in batches; nothing here measures speed).
func tapQuiet(t *testing.T) []tappedEvent {
	t.Helper()
	count := func(typ string) int {
		n := 0
		for _, e := range tap.Events() {
			if e.CE.Type == typ {
				n++
			}
		}
		return n
	}
	students, modules := len(seeded.Campus.Students), len(seeded.Campus.Modules)
	eventually(t, 2*time.Minute, fmt.Sprintf("the tap to see the seeded campus (%d student.created.v1, %d subject.created.v1)", students, modules),
		func() bool {
			if err := tap.Lost(); err != nil {
				t.Fatalf("the event tap stopped early: %v", err)
			}
			return count("student.created.v1") >= students && count("subject.created.v1") >= modules
		})
	eventually(t, time.Minute, "the broker to go quiet for 2s", func() bool {
		n := len(tap.Events())
		time.Sleep(2 * time.Second)
		return len(tap.Events()) == n
	})
	return tap.Events()
}

func TestEveryEventOnTheBrokerMatchesItsContract(t *testing.T) {
	events := tapQuiet(t)
	counts := map[string]int{}
	failed := map[string]int{}
	for _, e := range events {
		if e.Topic == canaryTopic {
			continue
		}
		key := e.Topic + " " + e.CE.Type
		counts[key]++
		err := e.Err
		if err == nil {
			err = contracts.Validate(e.CE.Type, e.Data)
		}
		if err != nil {
			// Report each way of failing once per type, not once per event.
			if failed[key]++; failed[key] == 1 {
				t.Errorf("topic %s, event %s (id %s) breaks its contract: %v\ndata: %s", e.Topic, e.CE.Type, e.CE.ID, err, e.Data)
			}
		}
	}
	for _, key := range slices.Sorted(maps.Keys(counts)) {
		line := fmt.Sprintf("%6d %s", counts[key], key)
		if failed[key] > 0 {
			line += fmt.Sprintf("  (%d failed validation)", failed[key])
		}
		t.Log(line)
	}
	for _, typ := range []string{"student.created.v1", "subject.created.v1", "user.created.v1"} {
		found := false
		for key := range counts {
			found = found || strings.HasSuffix(key, " "+typ)
		}
		if !found {
			t.Errorf("the run put no %s on the broker", typ)
		}
	}
}

// TestAMalformedEventOnTheBrokerFailsItsContract publishes, through the student app's
// sidecar, a student.created.v1 with an email in it, on a topic only the tap reads: the
// contract check must catch it, or it would not catch a real one either. A well-formed twin
// published the same way must pass, so the failure is the email's.
func TestAMalformedEventOnTheBrokerFailsItsContract(t *testing.T) {
	wellFormed := fmt.Sprintf(`{"studentId":%q,"programme":"CS","yearOfStudy":1,"aggregateVersion":1,"occurredAt":%q}`,
		uuid.NewString(), time.Now().UTC().Format(time.RFC3339Nano))
	malformed := strings.TrimSuffix(wellFormed, "}") + `,"email":"canary@example.org"}`
	goodID, badID := "contract-canary-good-"+uuid.NewString(), "contract-canary-bad-"+uuid.NewString()
	publishCanary(t, goodID, "student.created.v1", wellFormed)
	publishCanary(t, badID, "student.created.v1", malformed)

	byID := map[string]tappedEvent{}
	eventually(t, 30*time.Second, "the tap to see both canaries", func() bool {
		for _, e := range tap.Events() {
			if e.Topic == canaryTopic {
				byID[e.CE.ID] = e
			}
		}
		_, good := byID[goodID]
		_, bad := byID[badID]
		return good && bad
	})

	good := byID[goodID]
	if good.Err != nil || good.CE.Type != "student.created.v1" {
		t.Fatalf("the well-formed canary arrived as type %q, %v", good.CE.Type, good.Err)
	}
	if err := contracts.Validate(good.CE.Type, good.Data); err != nil {
		t.Fatalf("the well-formed canary fails its contract: %v\ndata: %s", err, good.Data)
	}
	bad := byID[badID]
	if bad.Err != nil {
		t.Fatalf("the malformed canary is not a CloudEvent: %v", bad.Err)
	}
	err := contracts.Validate(bad.CE.Type, bad.Data)
	if err == nil {
		t.Fatalf("a %s carrying an email passed its contract: %s", bad.CE.Type, bad.Data)
	}
	if !errors.Is(err, contracts.ErrPersonalData) || !errors.Is(err, contracts.ErrSchema) || !strings.Contains(err.Error(), "email") {
		t.Fatalf("the malformed canary failed, but not for its email (want the schema and the personal-data guard): %v", err)
	}
	t.Logf("the malformed canary was caught: %v", err)
}

// publishCanary publishes data as a CloudEvent of the given id and type on canaryTopic
// through the student app's sidecar, as the apps' own publisher does.
func publishCanary(t *testing.T, id, eventType, data string) {
	t.Helper()
	q := url.Values{"metadata.cloudevent.id": {id}, "metadata.cloudevent.type": {eventType}}
	u := sidecarURL("student") + "/v1.0/publish/pubsub/" + canaryTopic + "?" + q.Encode()
	if status, _, body := call(t, http.MethodPost, u, data); status != http.StatusNoContent {
		t.Fatalf("publish %s on %s: %d %s", eventType, canaryTopic, status, body)
	}
}
