package e2e

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"
	"gopkg.in/yaml.v3"
)

// canaryTopic carries the deliberately malformed events of the contract test; no app
// subscribes to it, so they reach only the tap.
const canaryTopic = "contract-canary"

// tappedTopics are the topics the platform publishes on (one fanout exchange each). Add a
// topic here when an app starts publishing on it; an event on a topic missing here goes
// unchecked.
var tappedTopics = []string{
	"students", "users", "subjects", "seats", "sections", "semesters", "registrations",
	"payments", "waitlist", "admissions", "notifications", canaryTopic,
}

// tappedEvent is one message the tap saw: the exchange (topic) it went through, the raw
// body and the CloudEvent read from it (Err says why it is not one).
type tappedEvent struct {
	Topic string
	Body  []byte
	CE    cloudEvent
	Data  []byte // the CloudEvent data as JSON (data, or data_base64 decoded)
	Err   error
}

// cloudEvent is the envelope daprd puts on the broker (CloudEvents 1.0, JSON format).
type cloudEvent struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Type            string          `json:"type"`
	Source          string          `json:"source"`
	Topic           string          `json:"topic"`
	DataContentType string          `json:"datacontenttype"`
	Data            json.RawMessage `json:"data"`
	DataBase64      string          `json:"data_base64"`
}

// eventTap records every message published on tappedTopics in the e2e vhost, through one
// exclusive, auto-delete, server-named queue bound to every topic's exchange. It starts
// before the stack so that it sees the seeding's events too.
type eventTap struct {
	conn   *amqp.Connection
	closed chan *amqp.Error // the connection's close reason (nil for our own Close)
	done   chan struct{}    // closed when the delivery loop has ended

	mu     sync.Mutex
	events []tappedEvent
	lost   error // why the tap stopped before Close, if it did
}

// exchangeProperties are the properties daprd's pubsub.rabbitmq component declares each
// topic's exchange with. Declaring an existing exchange with other properties fails with
// PRECONDITION_FAILED, for whichever side declares second, so the tap reads them from the
// same component file the sidecars load.
type exchangeProperties struct {
	Kind       string
	Durable    bool
	AutoDelete bool
}

// pubsubExchangeProperties reads exchangeKind, durable and deletedWhenUnused from a Dapr
// pubsub.rabbitmq component file. They must be set there explicitly: the tap does not
// guess the component's defaults.
func pubsubExchangeProperties(path string) (exchangeProperties, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return exchangeProperties{}, err
	}
	var c struct {
		Spec struct {
			Type     string `yaml:"type"`
			Metadata []struct {
				Name  string `yaml:"name"`
				Value string `yaml:"value"`
			} `yaml:"metadata"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal(b, &c); err != nil {
		return exchangeProperties{}, fmt.Errorf("%s: %w", path, err)
	}
	if c.Spec.Type != "pubsub.rabbitmq" {
		return exchangeProperties{}, fmt.Errorf("%s: component type %q, want pubsub.rabbitmq", path, c.Spec.Type)
	}
	md := map[string]string{}
	for _, m := range c.Spec.Metadata {
		md[m.Name] = m.Value
	}
	var p exchangeProperties
	for _, f := range []struct {
		name string
		set  func(string) error
	}{
		{"exchangeKind", func(v string) error { p.Kind = v; return nil }},
		{"durable", func(v string) (err error) { p.Durable, err = strconv.ParseBool(v); return err }},
		{"deletedWhenUnused", func(v string) (err error) { p.AutoDelete, err = strconv.ParseBool(v); return err }},
	} {
		v, ok := md[f.name]
		if !ok || v == "" {
			return exchangeProperties{}, fmt.Errorf("%s: metadata %s is not set", path, f.name)
		}
		if err := f.set(v); err != nil {
			return exchangeProperties{}, fmt.Errorf("%s: metadata %s: %w", path, f.name, err)
		}
	}
	return p, nil
}

// startEventTap connects to the broker at url, declares each topic's exchange as daprd
// would (so the tap can bind before any app has published), binds its queue to all of them
// and records what arrives until Close.
func startEventTap(url string, topics []string, ex exchangeProperties) (*eventTap, error) {
	conn, err := amqp.DialConfig(url, amqp.Config{
		Dial:       amqp.DefaultDial(10 * time.Second),
		Properties: amqp.Table{"connection_name": "registrar e2e event tap"},
	})
	if err != nil {
		return nil, fmt.Errorf("event tap: connect: %w", err)
	}
	tap := &eventTap{conn: conn, closed: conn.NotifyClose(make(chan *amqp.Error, 1)), done: make(chan struct{})}
	deliveries, err := tap.bind(topics, ex)
	if err != nil {
		_ = conn.CloseDeadline(time.Now().Add(5 * time.Second))
		return nil, fmt.Errorf("event tap: %w", err)
	}
	go tap.record(deliveries)
	return tap, nil
}

func (tap *eventTap) bind(topics []string, ex exchangeProperties) (<-chan amqp.Delivery, error) {
	ch, err := tap.conn.Channel()
	if err != nil {
		return nil, err
	}
	q, err := ch.QueueDeclare("", false, true, true, false, nil)
	if err != nil {
		return nil, fmt.Errorf("declare the queue: %w", err)
	}
	for _, topic := range topics {
		if err := ch.ExchangeDeclare(topic, ex.Kind, ex.Durable, ex.AutoDelete, false, false, nil); err != nil {
			return nil, fmt.Errorf("declare exchange %s: %w", topic, err)
		}
		if err := ch.QueueBind(q.Name, "", topic, false, nil); err != nil {
			return nil, fmt.Errorf("bind to %s: %w", topic, err)
		}
	}
	// autoAck: the queue is the tap's own and dies with it; nothing is redelivered to anyone.
	return ch.Consume(q.Name, "e2e-event-tap", true, true, false, false, nil)
}

func (tap *eventTap) record(deliveries <-chan amqp.Delivery) {
	defer close(tap.done)
	for d := range deliveries {
		e := tappedEvent{Topic: d.Exchange, Body: d.Body}
		e.CE, e.Data, e.Err = readCloudEvent(d.Body)
		tap.mu.Lock()
		tap.events = append(tap.events, e)
		tap.mu.Unlock()
	}
	// The channel closes with the connection: on Close, or because the broker went away
	// (the fault tests stop it; they run after the contract test).
	select {
	case reason := <-tap.closed:
		if reason != nil {
			tap.mu.Lock()
			tap.lost = reason
			tap.mu.Unlock()
		}
	case <-time.After(time.Second):
	}
}

// readCloudEvent decodes a structured-mode CloudEvent and returns its data as JSON.
func readCloudEvent(body []byte) (cloudEvent, []byte, error) {
	var ce cloudEvent
	if err := json.Unmarshal(body, &ce); err != nil {
		return ce, nil, fmt.Errorf("not a JSON CloudEvent: %w", err)
	}
	var missing []string
	for name, v := range map[string]string{"specversion": ce.SpecVersion, "id": ce.ID, "type": ce.Type, "source": ce.Source} {
		if v == "" {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return ce, nil, fmt.Errorf("CloudEvent without %s", strings.Join(missing, ", "))
	}
	switch {
	case len(ce.Data) > 0:
		return ce, ce.Data, nil
	case ce.DataBase64 != "":
		data, err := base64.StdEncoding.DecodeString(ce.DataBase64)
		if err != nil {
			return ce, nil, fmt.Errorf("data_base64: %w", err)
		}
		return ce, data, nil
	}
	return ce, nil, errors.New("CloudEvent without data")
}

// Events returns a copy of what the tap has recorded so far.
func (tap *eventTap) Events() []tappedEvent {
	tap.mu.Lock()
	defer tap.mu.Unlock()
	return slices.Clone(tap.events)
}

// Lost says why the tap stopped recording before Close (nil while it records).
func (tap *eventTap) Lost() error {
	select {
	case <-tap.done:
	default:
		return nil
	}
	tap.mu.Lock()
	defer tap.mu.Unlock()
	if tap.lost == nil {
		return errors.New("the tap's deliveries ended")
	}
	return tap.lost
}

// Close closes the connection (which deletes the tap's queue) without holding up the
// teardown: a broker that does not answer gets a few seconds, not forever.
func (tap *eventTap) Close() {
	_ = tap.conn.CloseDeadline(time.Now().Add(5 * time.Second))
	select {
	case <-tap.done:
	case <-time.After(5 * time.Second):
		fmt.Fprintln(os.Stderr, "e2e: the event tap did not stop within 5s; leaving it")
	}
}

// openEventTap starts the tap on every tapped topic of the e2e vhost, declaring the
// exchanges as the stack's pubsub component does.
func openEventTap() (*eventTap, error) {
	ex, err := pubsubExchangeProperties(filepath.Join(repoRoot, "components", "local", "pubsub.yaml"))
	if err != nil {
		return nil, err
	}
	u, err := brokerURL()
	if err != nil {
		return nil, err
	}
	return startEventTap(u, tappedTopics, ex)
}

// brokerURL is the AMQP URL the stack's components use (the e2e vhost after isolate).
func brokerURL() (string, error) {
	for _, a := range opts.Apps() {
		for _, v := range a.Env {
			if strings.HasPrefix(v, "amqp://") {
				return v, nil
			}
		}
	}
	return "", errors.New("no app environment names an amqp:// URL")
}
