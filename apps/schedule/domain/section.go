package domain

import (
	"fmt"
	"regexp"
	"strings"
)

// Section is one taught group of a module in a semester: its room, its lecturer (possibly not
// yet assigned), its weekly timeslots and its number of seats.
type Section struct {
	ID         string
	ModuleCode string
	Semester   string
	Capacity   int
	LecturerID string // "" while unassigned
	RoomCode   string
	Timeslots  []Timeslot
	Version    int
}

// MaxTimeslots bounds a section's weekly meetings.
const MaxTimeslots = 10

var moduleCode = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

// NewSection builds a section at version 1 and checks the rules it can check alone: a module
// code, a capacity of at least one, one to MaxTimeslots timeslots that do not overlap each
// other. Whether it fits its room and lecturer is CheckPlacement's job; whether the room or
// lecturer is free at those times is decided where all sections are known (the store).
func NewSection(id, module, semester string, capacity int, lecturerID, roomCode string, slots []Timeslot) (Section, error) {
	s := Section{ID: id, ModuleCode: strings.ToUpper(strings.TrimSpace(module)),
		Semester: strings.ToUpper(strings.TrimSpace(semester)), Capacity: capacity,
		LecturerID: strings.TrimSpace(lecturerID), RoomCode: strings.ToUpper(strings.TrimSpace(roomCode)),
		Timeslots: slots, Version: 1}
	var v violations
	if s.ID == "" {
		v.add("id", "is required")
	}
	if !moduleCode.MatchString(s.ModuleCode) {
		v.add("moduleCode", "must be letters, digits or '-', 2 to 32")
	}
	if s.Semester == "" {
		v.add("semester", "is required")
	}
	if s.RoomCode == "" {
		v.add("roomCode", "is required")
	}
	if capacity < 1 || capacity > MaxRoomCapacity {
		v.add("capacity", fmt.Sprintf("must be between 1 and %d", MaxRoomCapacity))
	}
	switch {
	case len(slots) == 0:
		v.add("timeslots", "needs at least one timeslot")
	case len(slots) > MaxTimeslots:
		v.add("timeslots", fmt.Sprintf("must have at most %d timeslots", MaxTimeslots))
	}
	for i, t := range slots {
		if _, err := TimeslotOf(t.Day, t.Start, t.End); err != nil {
			v.add(fmt.Sprintf("timeslots[%d]", i), err.Error())
		}
	}
	if i, j, ok := firstOverlap(slots); ok {
		v.add(fmt.Sprintf("timeslots[%d]", j), fmt.Sprintf("overlaps timeslots[%d] (%s)", i, slots[i]))
	}
	if err := v.err("the section breaks the schedule's rules"); err != nil {
		return Section{}, err
	}
	return s, nil
}

// CheckPlacement checks that the section fits its room and that its lecturer (nil when
// unassigned) is available at every one of its timeslots.
func (s Section) CheckPlacement(room Room, lecturer *Lecturer) error {
	var v violations
	if s.Capacity > room.Capacity {
		v.add("capacity", fmt.Sprintf("%d exceeds the capacity %d of room %s", s.Capacity, room.Capacity, room.Code))
	}
	if lecturer != nil {
		for i, t := range s.Timeslots {
			if !lecturer.Covers(t) {
				v.add(fmt.Sprintf("timeslots[%d]", i), fmt.Sprintf("%s is outside the availability of lecturer %s", t, lecturer.ID))
			}
		}
	}
	return v.err("the section does not fit its room or lecturer")
}

// Clash is a pair of sections that meet at overlapping times in the same semester, with the
// first pair of timeslots that overlap.
type Clash struct {
	SectionA, SectionB   string
	TimeslotA, TimeslotB Timeslot
}

// Clashes returns every pair of sections (in the order given) whose timeslots overlap in the
// same semester: the timetable-clash check of a student's basket.
func Clashes(sections []Section) []Clash {
	var out []Clash
	for i, a := range sections {
		for _, b := range sections[i+1:] {
			if a.ID == b.ID || a.Semester != b.Semester {
				continue
			}
		pair:
			for _, ta := range a.Timeslots {
				for _, tb := range b.Timeslots {
					if ta.Overlaps(tb) {
						out = append(out, Clash{SectionA: a.ID, SectionB: b.ID, TimeslotA: ta, TimeslotB: tb})
						break pair
					}
				}
			}
		}
	}
	return out
}
