package domain

import (
	"fmt"
	"regexp"
	"strings"
)

// Room is a teaching room.
type Room struct {
	Code     string
	Building string
	Capacity int
}

// MaxRoomCapacity bounds a room's (and so a section's) size; it keeps a typo from creating a
// million seat rows.
const MaxRoomCapacity = 2000

var roomCode = regexp.MustCompile(`^[A-Z0-9][A-Z0-9.-]{0,31}$`)

// NewRoom builds a room with a code like "ENG-101" and a positive capacity.
func NewRoom(code, building string, capacity int) (Room, error) {
	r := Room{Code: strings.ToUpper(strings.TrimSpace(code)), Building: strings.TrimSpace(building), Capacity: capacity}
	var v violations
	if !roomCode.MatchString(r.Code) {
		v.add("code", "must be letters, digits, '.' or '-', at most 32")
	}
	if r.Building == "" {
		v.add("building", "is required")
	}
	if capacity < 1 || capacity > MaxRoomCapacity {
		v.add("capacity", fmt.Sprintf("must be between 1 and %d", MaxRoomCapacity))
	}
	if err := v.err("the room breaks the schedule's rules"); err != nil {
		return Room{}, err
	}
	return r, nil
}

// Lecturer teaches sections during the weekly slots they are available.
type Lecturer struct {
	ID           string
	Name         string
	Department   string
	Availability []Timeslot
}

// NewLecturer builds a lecturer; availability slots may touch or overlap (they are merged
// when checked) but each must be a valid timeslot.
func NewLecturer(id, name, department string, availability []Timeslot) (Lecturer, error) {
	l := Lecturer{ID: id, Name: strings.TrimSpace(name), Department: strings.ToUpper(strings.TrimSpace(department)),
		Availability: availability}
	var v violations
	if l.ID == "" {
		v.add("id", "is required")
	}
	if l.Name == "" {
		v.add("name", "is required")
	}
	if l.Department == "" {
		v.add("department", "is required")
	}
	for i, t := range availability {
		if _, err := TimeslotOf(t.Day, t.Start, t.End); err != nil {
			v.add(fmt.Sprintf("availability[%d]", i), err.Error())
		}
	}
	if err := v.err("the lecturer breaks the schedule's rules"); err != nil {
		return Lecturer{}, err
	}
	return l, nil
}

// Covers reports whether the lecturer is available for the whole of t.
func (l Lecturer) Covers(t Timeslot) bool {
	for _, a := range mergeSlots(l.Availability) {
		if t.Within(a) {
			return true
		}
	}
	return false
}
