// Package events is the consumer side of Registrar's pub/sub: it decodes the CloudEvents
// the sidecar delivers and answers with Dapr's delivery statuses.
package events

import (
	"encoding/json"
	"net/http"
)

// CloudEvent is the envelope the sidecar delivers; Data is the publisher's JSON.
type CloudEvent struct {
	ID     string          `json:"id"`
	Type   string          `json:"type"`
	Source string          `json:"source"`
	Topic  string          `json:"topic"`
	Time   string          `json:"time"`
	Data   json.RawMessage `json:"data"`
}

// Status is Dapr's answer to a delivery: SUCCESS acks, RETRY redelivers, DROP dead-letters.
type Status string

// The delivery statuses.
const (
	Success Status = "SUCCESS"
	Retry   Status = "RETRY"
	Drop    Status = "DROP"
)

// Reply writes the delivery status. Dapr reads the body, so the HTTP status stays 200.
func Reply(w http.ResponseWriter, s Status) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]Status{"status": s})
}

// Decode reads a CloudEvent from a delivery. A body that is not one is poison: DROP it.
func Decode(r *http.Request) (CloudEvent, error) {
	var ce CloudEvent
	dec := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<20))
	if err := dec.Decode(&ce); err != nil {
		return CloudEvent{}, err
	}
	return ce, nil
}
