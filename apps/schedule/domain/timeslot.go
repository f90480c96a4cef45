// Package domain holds the schedule service's entities and rules: semesters with their
// registration windows, rooms, lecturers, sections with weekly timeslots, and seats. It imports
// only the standard library.
package domain

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Weekday is a teaching day, Monday to Friday.
type Weekday int

// The teaching days. The zero value is not a day, so a forgotten field is caught.
const (
	Monday Weekday = iota + 1
	Tuesday
	Wednesday
	Thursday
	Friday
)

var dayNames = [...]string{"", "MON", "TUE", "WED", "THU", "FRI"}

// ParseWeekday reads "MON".."FRI".
func ParseWeekday(s string) (Weekday, error) {
	for i := 1; i < len(dayNames); i++ {
		if strings.EqualFold(s, dayNames[i]) {
			return Weekday(i), nil
		}
	}
	return 0, fmt.Errorf("day %q is not one of MON, TUE, WED, THU, FRI", s)
}

// Valid reports whether d is a teaching day.
func (d Weekday) Valid() bool { return d >= Monday && d <= Friday }

func (d Weekday) String() string {
	if !d.Valid() {
		return "Weekday(" + strconv.Itoa(int(d)) + ")"
	}
	return dayNames[d]
}

// Timeslot is a weekly interval on one day, in minutes after midnight, start inclusive and
// end exclusive: 09:00-10:50 and 10:50-12:00 do not overlap.
type Timeslot struct {
	Day   Weekday
	Start int
	End   int
}

// NewTimeslot parses "09:00"-style times and refuses empty or inverted intervals.
func NewTimeslot(day, start, end string) (Timeslot, error) {
	d, err := ParseWeekday(day)
	if err != nil {
		return Timeslot{}, err
	}
	s, err := parseClock(start)
	if err != nil {
		return Timeslot{}, fmt.Errorf("start: %w", err)
	}
	e, err := parseClock(end)
	if err != nil {
		return Timeslot{}, fmt.Errorf("end: %w", err)
	}
	return TimeslotOf(d, s, e)
}

// TimeslotOf builds a timeslot from minutes after midnight.
func TimeslotOf(day Weekday, start, end int) (Timeslot, error) {
	t := Timeslot{Day: day, Start: start, End: end}
	switch {
	case !day.Valid():
		return Timeslot{}, fmt.Errorf("day %d is not a teaching day", day)
	case start < 0 || end > 24*60:
		return Timeslot{}, fmt.Errorf("times must lie within one day")
	case start >= end:
		return Timeslot{}, fmt.Errorf("start %s must be before end %s", clock(start), clock(end))
	}
	return t, nil
}

func parseClock(s string) (int, error) {
	h, m, ok := strings.Cut(s, ":")
	if !ok || len(h) != 2 || len(m) != 2 {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	hh, err1 := strconv.Atoi(h)
	mm, err2 := strconv.Atoi(m)
	if err1 != nil || err2 != nil || hh < 0 || mm < 0 || mm > 59 || hh > 24 || (hh == 24 && mm != 0) {
		return 0, fmt.Errorf("%q is not a time like 09:00", s)
	}
	return hh*60 + mm, nil
}

func clock(min int) string { return fmt.Sprintf("%02d:%02d", min/60, min%60) }

// StartClock is the start as "09:00".
func (t Timeslot) StartClock() string { return clock(t.Start) }

// EndClock is the end as "10:50".
func (t Timeslot) EndClock() string { return clock(t.End) }

func (t Timeslot) String() string { return t.Day.String() + " " + clock(t.Start) + "-" + clock(t.End) }

// Overlaps reports whether t and o share any minute of the same day.
func (t Timeslot) Overlaps(o Timeslot) bool {
	return t.Day == o.Day && t.Start < o.End && o.Start < t.End
}

// Within reports whether t lies entirely inside o.
func (t Timeslot) Within(o Timeslot) bool {
	return t.Day == o.Day && o.Start <= t.Start && t.End <= o.End
}

// mergeSlots sorts slots and joins overlapping or touching ones, so that a lecture spanning two
// adjacent availability slots (09:00-12:00 and 12:00-14:00) still fits.
func mergeSlots(slots []Timeslot) []Timeslot {
	s := slices.Clone(slots)
	slices.SortFunc(s, func(a, b Timeslot) int {
		if a.Day != b.Day {
			return int(a.Day - b.Day)
		}
		return a.Start - b.Start
	})
	var out []Timeslot
	for _, x := range s {
		if n := len(out); n > 0 && out[n-1].Day == x.Day && x.Start <= out[n-1].End {
			out[n-1].End = max(out[n-1].End, x.End)
			continue
		}
		out = append(out, x)
	}
	return out
}

// firstOverlap returns the indexes of the first two overlapping slots in slots.
func firstOverlap(slots []Timeslot) (int, int, bool) {
	for i := range slots {
		for j := i + 1; j < len(slots); j++ {
			if slots[i].Overlaps(slots[j]) {
				return i, j, true
			}
		}
	}
	return 0, 0, false
}
