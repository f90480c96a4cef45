// Package domain is the audit log: an append-only chain of the events seen on the broker,
// each entry sealed by a hash over the previous entry's hash and its own content, so that
// changing, removing or reordering any stored entry breaks every hash after it.
package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// HashSize is the length of a chain hash (SHA-256).
const HashSize = sha256.Size

// Genesis is the prev_hash of the first entry: 32 zero bytes.
var Genesis = make([]byte, HashSize)

// Event is what the log keeps of one delivered event: ids and facts only (events carry no
// personal data, so the log never holds what a student may ask to erase).
type Event struct {
	ID    string
	Type  string
	Topic string
	Data  json.RawMessage
}

// Entry is one sealed row of the chain.
type Entry struct {
	Seq        int64
	EventID    string
	Type       string
	Topic      string
	Data       json.RawMessage // canonical JSON
	ReceivedAt time.Time       // UTC, microseconds (what PostgreSQL keeps)
	PrevHash   []byte
	Hash       []byte
}

// ErrNoEventID refuses an event without an id: duplicates of it could not be recognised.
var ErrNoEventID = errors.New("event has no id")

// Append seals e as the entry after head (nil for the first entry of the chain).
func Append(head *Entry, e Event, receivedAt time.Time) (Entry, error) {
	if e.ID == "" {
		return Entry{}, ErrNoEventID
	}
	data, err := CanonicalJSON(e.Data)
	if err != nil {
		return Entry{}, fmt.Errorf("event %s data: %w", e.ID, err)
	}
	next := Entry{Seq: 1, EventID: e.ID, Type: e.Type, Topic: e.Topic, Data: data,
		ReceivedAt: receivedAt.UTC().Truncate(time.Microsecond), PrevHash: Genesis}
	if head != nil {
		next.Seq, next.PrevHash = head.Seq+1, head.Hash
	}
	next.Hash, err = next.ComputeHash()
	if err != nil {
		return Entry{}, err
	}
	return next, nil
}

// ComputeHash is SHA-256(prev_hash || canonical content) of the entry as it is now; a
// stored entry is intact when this equals its Hash.
func (e Entry) ComputeHash() ([]byte, error) {
	content, err := e.canonicalContent()
	if err != nil {
		return nil, err
	}
	h := sha256.New()
	h.Write(e.PrevHash)
	h.Write(content)
	return h.Sum(nil), nil
}

// canonicalContent is the entry's content as JSON with a fixed field order; the data is
// re-canonicalised, so the JSON PostgreSQL hands back hashes as the JSON that went in.
func (e Entry) canonicalContent() ([]byte, error) {
	data, err := CanonicalJSON(e.Data)
	if err != nil {
		return nil, err
	}
	return json.Marshal(struct {
		Seq        int64           `json:"seq"`
		EventID    string          `json:"eventId"`
		Type       string          `json:"type"`
		Topic      string          `json:"topic"`
		Data       json.RawMessage `json:"data"`
		ReceivedAt string          `json:"receivedAt"`
	}{e.Seq, e.EventID, e.Type, e.Topic, data, e.ReceivedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)})
}

// CanonicalJSON rewrites a JSON value so that equal values have equal bytes: object keys
// sorted, no insignificant space, numbers as float64 prints them. Empty input is null.
func CanonicalJSON(raw []byte) (json.RawMessage, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return json.RawMessage("null"), nil
	}
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// Break names the first entry at which the chain does not hold.
type Break struct {
	Seq     int64  `json:"seq"`
	EventID string `json:"eventId"`
	Reason  string `json:"reason"`
}

// Verifier checks a chain entry by entry, in seq order, without holding it in memory.
type Verifier struct {
	checked int64
	prev    *Entry
	broken  *Break
}

// Next checks the next stored entry and reports the break it finds, if any. After the
// first break the verifier stops judging: every later hash is suspect anyway.
func (v *Verifier) Next(e Entry) *Break {
	if v.broken != nil {
		return v.broken
	}
	v.checked++
	wantSeq, wantPrev := int64(1), Genesis
	if v.prev != nil {
		wantSeq, wantPrev = v.prev.Seq+1, v.prev.Hash
	}
	fail := func(reason string) *Break {
		v.broken = &Break{Seq: e.Seq, EventID: e.EventID, Reason: reason}
		return v.broken
	}
	switch {
	case e.Seq != wantSeq:
		return fail(fmt.Sprintf("seq %d follows %d: the chain has a gap", e.Seq, wantSeq-1))
	case !bytes.Equal(e.PrevHash, wantPrev):
		return fail("prev_hash is not the hash of the entry before")
	}
	got, err := e.ComputeHash()
	if err != nil {
		return fail("data is not JSON")
	}
	if !bytes.Equal(got, e.Hash) {
		return fail("content does not match its hash")
	}
	v.prev = &e
	return nil
}

// Report is the verifier's verdict.
type Report struct {
	Intact      bool   `json:"intact"`
	Entries     int64  `json:"entries"` // entries checked (up to and including a break)
	Head        string `json:"head,omitempty"`
	FirstBroken *Break `json:"firstBroken,omitempty"`
}

// Report sums up what the verifier has seen so far.
func (v *Verifier) Report() Report {
	r := Report{Intact: v.broken == nil, Entries: v.checked, FirstBroken: v.broken}
	if v.broken == nil && v.prev != nil {
		r.Head = hex.EncodeToString(v.prev.Hash)
	}
	return r
}
