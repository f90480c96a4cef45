package domain

import (
	"testing"
	"time"
)

func TestSendWindowReserve(t *testing.T) {
	l := RateLimit{Max: 2, Window: time.Minute}
	var w SendWindow
	if ok, _ := w.Reserve("k1", t0, l); !ok {
		t.Fatal("first")
	}
	if ok, _ := w.Reserve("k2", t0.Add(10*time.Second), l); !ok {
		t.Fatal("second")
	}
	// A retry of a message that holds a slot is not a new message.
	if ok, _ := w.Reserve("k1", t0.Add(20*time.Second), l); !ok || len(w.Slots) != 2 {
		t.Fatalf("retry of k1: %v %d slots", ok, len(w.Slots))
	}
	ok, retryAt := w.Reserve("k3", t0.Add(30*time.Second), l)
	if ok || !retryAt.Equal(t0.Add(time.Minute)) {
		t.Fatalf("third within the window: %v, retry at %v", ok, retryAt)
	}
	// Once the oldest slot leaves the window, the deferred message goes.
	if ok, _ := w.Reserve("k3", t0.Add(time.Minute+time.Second), l); !ok {
		t.Fatal("deferred message refused after the window moved on")
	}
	if len(w.Slots) != 2 {
		t.Fatalf("slots %+v", w.Slots)
	}
}

func TestRateLimitValid(t *testing.T) {
	for _, l := range []RateLimit{{0, time.Minute}, {1, 0}} {
		if l.Valid() == nil {
			t.Errorf("%+v accepted", l)
		}
	}
	if (RateLimit{1, time.Second}).Valid() != nil {
		t.Error("valid limit refused")
	}
}
