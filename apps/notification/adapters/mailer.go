package adapters

import (
	"context"
	"fmt"
	"time"

	dapr "github.com/dapr/go-sdk/client"

	"github.com/registrar-edu/registrar/apps/notification/app"
)

// BindingClient is the part of the Dapr client the mailer uses.
type BindingClient interface {
	InvokeBinding(ctx context.Context, in *dapr.InvokeBindingRequest) (*dapr.BindingEvent, error)
}

// BindingMailer sends email through a Dapr output binding named for its purpose ("email"):
// bindings.smtp to the local SMTP sink, bindings.twilio.sendgrid in production. Both take
// the recipient and subject as request metadata and the HTML body as data; the sender is
// the component's. Neither sends a plain-text alternative part in Dapr 1.16, so the text
// rendering is not sent.
type BindingMailer struct {
	Client  func(context.Context) (BindingClient, error)
	Binding string
	Timeout time.Duration
}

var _ app.Mailer = (*BindingMailer)(nil)

// Send hands one message to the binding.
func (m *BindingMailer) Send(ctx context.Context, e app.Email) error {
	c, err := m.Client(ctx)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, m.Timeout)
	defer cancel()
	_, err = c.InvokeBinding(ctx, &dapr.InvokeBindingRequest{Name: m.Binding, Operation: "create", Data: []byte(e.HTML),
		Metadata: map[string]string{"emailTo": e.To, "emailToName": e.ToName, "subject": e.Subject}})
	if err != nil {
		return fmt.Errorf("email binding %s: %w", m.Binding, err)
	}
	return nil
}
