package adapters

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/notification/app"
	"github.com/registrar-edu/registrar/internal/platform/daprx/daprdtest"
)

// The local SMTP sink `make setup` starts (scripts/start-mailhog.sh).
const (
	sinkSMTP = "127.0.0.1:21025"
	sinkHTTP = "http://127.0.0.1:21026"
)

// The mailer through a real sidecar's SMTP binding into the real SMTP sink, read back
// through its HTTP API; a sink that is down is an error (so the attempt is retried).
func TestBindingMailerSendsThroughTheSMTPBinding(t *testing.T) {
	if c, err := net.DialTimeout("tcp", sinkSMTP, time.Second); err != nil {
		t.Skip("the local SMTP sink is not running: run `make setup`")
	} else {
		c.Close()
	}
	// The repository's own email component (components/local/email.yaml), pointed at the sink.
	sc := daprdtest.Start(t, "notification", []string{"email.yaml", "secretstore.yaml"},
		"REGISTRAR_SECRET_SMTP_HOST=127.0.0.1", "REGISTRAR_SECRET_SMTP_PORT=21025")
	m := &BindingMailer{Binding: "email", Timeout: 10 * time.Second,
		Client: func(context.Context) (BindingClient, error) { return sc.Client, nil }}
	to := fmt.Sprintf("adapter-test-%d@example.org", time.Now().UnixNano())
	err := m.Send(context.Background(), app.Email{To: to, ToName: "Ada Lovelace", Subject: "Registration confirmed: CS101 Ünïcode",
		HTML: "<!DOCTYPE html><p>Dear Ada,</p>", Text: "Dear Ada,"})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(sinkHTTP + "/api/v2/search?" + url.Values{"kind": {"to"}, "query": {to}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Items []struct {
			Content struct {
				Headers map[string][]string
				Body    string
			}
		} `json:"items"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 1 {
		t.Fatalf("%d messages for %s, want 1", len(res.Items), to)
	}
	h := res.Items[0].Content.Headers
	if !strings.Contains(strings.Join(h["Content-Type"], ""), "text/html") || !strings.Contains(res.Items[0].Content.Body, "Dear Ada") ||
		len(h["Subject"]) != 1 || h["From"][0] != "registry@registrar.local" {
		t.Fatalf("message %+v", res.Items[0].Content)
	}

	// The same component with nothing listening on its port.
	off := daprdtest.Start(t, "notification", []string{"email.yaml", "secretstore.yaml"},
		"REGISTRAR_SECRET_SMTP_HOST=127.0.0.1", fmt.Sprintf("REGISTRAR_SECRET_SMTP_PORT=%d", daprdtest.FreePort(t)))
	down := &BindingMailer{Binding: "email", Timeout: 10 * time.Second,
		Client: func(context.Context) (BindingClient, error) { return off.Client, nil }}
	if err := down.Send(context.Background(), app.Email{To: to, Subject: "x", HTML: "x"}); err == nil {
		t.Fatal("a send to an SMTP server that is down succeeded")
	}
}
