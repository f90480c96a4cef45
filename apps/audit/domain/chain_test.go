package domain

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

func chain(t *testing.T, n int) []Entry {
	t.Helper()
	var out []Entry
	var head *Entry
	at := time.Date(2027, 1, 10, 9, 0, 0, 123456789, time.UTC)
	for i := range n {
		e, err := Append(head, Event{ID: fmt.Sprintf("ev-%d", i), Type: "seat.held.v1", Topic: "seats",
			Data: json.RawMessage(fmt.Sprintf(`{"sectionId":"s-%d", "n": %d.0, "a": [1, {"z":1,"y":2}]}`, i, i))}, at)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
		head = &out[len(out)-1]
	}
	return out
}

func verify(entries []Entry) Report {
	var v Verifier
	for _, e := range entries {
		if v.Next(e) != nil {
			break
		}
	}
	return v.Report()
}

func TestAppendSealsAGapFreeChain(t *testing.T) {
	c := chain(t, 4)
	for i, e := range c {
		if e.Seq != int64(i+1) {
			t.Fatalf("entry %d has seq %d", i, e.Seq)
		}
		if e.ReceivedAt.Nanosecond()%1000 != 0 {
			t.Fatalf("received_at keeps nanoseconds PostgreSQL would drop: %v", e.ReceivedAt)
		}
	}
	if string(c[0].PrevHash) != string(Genesis) || string(c[1].PrevHash) != string(c[0].Hash) {
		t.Fatal("prev_hash does not link the entries")
	}
	if r := verify(c); !r.Intact || r.Entries != 4 || r.Head == "" {
		t.Fatalf("intact chain judged %+v", r)
	}
	if r := verify(nil); !r.Intact || r.Entries != 0 {
		t.Fatalf("empty chain judged %+v", r)
	}
}

func TestVerifyNamesTheFirstBrokenEntry(t *testing.T) {
	cases := map[string]struct {
		tamper  func([]Entry) []Entry
		seq     int64
		eventID string
	}{
		"data changed": {func(c []Entry) []Entry { c[2].Data = json.RawMessage(`{"sectionId":"forged"}`); return c }, 3, "ev-2"},
		"type changed": {func(c []Entry) []Entry { c[1].Type = "seat.released.v1"; return c }, 2, "ev-1"},
		"time changed": {func(c []Entry) []Entry { c[0].ReceivedAt = c[0].ReceivedAt.Add(time.Second); return c }, 1, "ev-0"},
		"row removed":  {func(c []Entry) []Entry { return append(c[:2], c[3:]...) }, 4, "ev-3"},
		"rows swapped": {func(c []Entry) []Entry { c[1], c[2] = c[2], c[1]; return c }, 3, "ev-2"},
		"rehashed row, next row catches it": {func(c []Entry) []Entry {
			c[1].Data = json.RawMessage(`{"sectionId":"forged"}`)
			c[1].Hash, _ = c[1].ComputeHash()
			return c
		}, 3, "ev-2"},
		"data not JSON": {func(c []Entry) []Entry { c[3].Data = json.RawMessage(`{`); return c }, 4, "ev-3"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			r := verify(tc.tamper(chain(t, 5)))
			if r.Intact || r.FirstBroken == nil || r.FirstBroken.Seq != tc.seq || r.FirstBroken.EventID != tc.eventID {
				t.Fatalf("got %+v (first broken %+v), want seq %d %s", r, r.FirstBroken, tc.seq, tc.eventID)
			}
		})
	}
}

// PostgreSQL's jsonb reorders keys, drops spaces and rewrites numbers; the hash must not care.
func TestHashSurvivesTheDatabasesJSONRewriting(t *testing.T) {
	c := chain(t, 1)
	c[0].Data = json.RawMessage(`{"a": [1, {"y": 2, "z": 1}], "n": 0, "sectionId": "s-0"}`)
	if r := verify(c); !r.Intact {
		t.Fatalf("re-encoded data judged %+v", r.FirstBroken)
	}
}

func TestAppendRefusesAnEventWithoutID(t *testing.T) {
	if _, err := Append(nil, Event{Type: "x.v1"}, time.Now()); err != ErrNoEventID {
		t.Fatalf("got %v", err)
	}
}
