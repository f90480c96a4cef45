package daprx

import (
	"context"
	"fmt"

	dapr "github.com/dapr/go-sdk/client"
)

// Publisher publishes events through the sidecar's pub/sub API. It sets the CloudEvent id
// and type explicitly, so a republished outbox row keeps its id and consumers can dedupe.
type Publisher struct {
	Sidecar *Sidecar
	PubSub  string
}

// Publish sends data (JSON) to topic as a CloudEvent with the given id and type.
func (p *Publisher) Publish(ctx context.Context, topic, id, eventType string, data []byte) error {
	c, err := p.Sidecar.Client(ctx)
	if err != nil {
		return err
	}
	err = c.PublishEvent(ctx, p.PubSub, topic, data,
		dapr.PublishEventWithContentType("application/json"),
		dapr.PublishEventWithMetadata(map[string]string{"cloudevent.id": id, "cloudevent.type": eventType}))
	if err != nil {
		return fmt.Errorf("publish %s %s to %s: %w", eventType, id, topic, err)
	}
	return nil
}
