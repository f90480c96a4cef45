package domain

import (
	"errors"
	"slices"
	"time"
)

// RateLimit is the most messages one student is sent per window (a sliding window).
type RateLimit struct {
	Max    int
	Window time.Duration
}

// Valid reports whether the limit can admit anything.
func (l RateLimit) Valid() error {
	if l.Max < 1 || l.Window <= 0 {
		return errors.New("rate limit needs a positive count and window")
	}
	return nil
}

// Slot is one message counted against a student's limit.
type Slot struct {
	Key string    `json:"key"` // the delivery key, so a retried send reuses its slot
	At  time.Time `json:"at"`
}

// SendWindow is what a student was sent within the last window.
type SendWindow struct {
	Slots []Slot `json:"slots"`
}

// Reserve takes a slot for delivery key at now if the limit allows, and reports when to
// try again if it does not. A key that already holds a slot keeps it (a retry after a
// failed send is not a second message). Slots older than the window are forgotten.
func (w *SendWindow) Reserve(key string, now time.Time, l RateLimit) (ok bool, retryAt time.Time) {
	now = now.UTC()
	w.Slots = slices.DeleteFunc(w.Slots, func(s Slot) bool { return !s.At.After(now.Add(-l.Window)) })
	if slices.ContainsFunc(w.Slots, func(s Slot) bool { return s.Key == key }) {
		return true, time.Time{}
	}
	if len(w.Slots) < l.Max {
		w.Slots = append(w.Slots, Slot{Key: key, At: now})
		return true, time.Time{}
	}
	oldest := w.Slots[0].At
	for _, s := range w.Slots[1:] {
		if s.At.Before(oldest) {
			oldest = s.At
		}
	}
	return false, oldest.Add(l.Window)
}
