package campus_test

import (
	"reflect"
	"testing"

	"github.com/registrar-edu/registrar/internal/campus"
)

func TestFullCampusIsRealisticAndDeterministic(t *testing.T) {
	c := campus.Generate(campus.Full)
	if len(c.Programmes) < 10 || len(c.Modules) < 300 || len(c.Sections) < 900 || len(c.Students) != 20000 {
		t.Fatalf("programmes %d modules %d sections %d students %d", len(c.Programmes), len(c.Modules), len(c.Sections), len(c.Students))
	}
	type slot struct{ who, sem, day, start string }
	seen := map[slot]string{}
	rooms := map[string]int{}
	for _, r := range c.Rooms {
		rooms[r.Code] = r.Capacity
	}
	for _, s := range c.Sections {
		if s.Capacity > rooms[s.Room] {
			t.Fatalf("section %s larger than room %s", s.ID, s.Room)
		}
		for _, sl := range s.Slots {
			for _, k := range []slot{{"room:" + s.Room, s.Semester, sl.Day, sl.Start}, {"lect:" + s.Lecturer, s.Semester, sl.Day, sl.Start}} {
				if other, ok := seen[k]; ok {
					t.Fatalf("%s double-booked by %s and %s", k.who, other, s.ID)
				}
				seen[k] = s.ID
			}
		}
	}
	chains, holds := 0, 0
	for _, m := range c.Modules {
		if m.Prerequisites != nil {
			chains++
		}
	}
	for _, s := range c.Students {
		holds += len(s.Holds)
	}
	if chains < 150 || holds == 0 {
		t.Fatalf("%d modules with prerequisites, %d holds", chains, holds)
	}
	again := campus.Generate(campus.Full)
	if !reflect.DeepEqual(c.Students[:50], again.Students[:50]) || !reflect.DeepEqual(c.Sections, again.Sections) {
		t.Fatal("two generations differ")
	}
}
