package domain_test

import (
	"testing"
	"time"

	"github.com/registrar-edu/registrar/apps/schedule/domain"
)

func ts(t *testing.T, day, start, end string) domain.Timeslot {
	t.Helper()
	s, err := domain.NewTimeslot(day, start, end)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestTimeslots(t *testing.T) {
	cases := []struct {
		day, start, end string
		ok              bool
	}{
		{"MON", "09:00", "10:50", true},
		{"fri", "16:00", "24:00", true},
		{"SAT", "09:00", "10:00", false},
		{"MON", "10:00", "10:00", false},
		{"MON", "11:00", "10:00", false},
		{"MON", "9:00", "10:00", false},
		{"MON", "09:60", "10:00", false},
		{"MON", "24:30", "10:00", false},
	}
	for _, c := range cases {
		_, err := domain.NewTimeslot(c.day, c.start, c.end)
		if (err == nil) != c.ok {
			t.Errorf("%s %s-%s: err %v, want ok=%v", c.day, c.start, c.end, err, c.ok)
		}
	}
	a := ts(t, "MON", "09:00", "10:50")
	overlaps := []struct {
		other domain.Timeslot
		want  bool
	}{
		{ts(t, "MON", "10:50", "12:00"), false}, // back to back
		{ts(t, "MON", "10:49", "12:00"), true},
		{ts(t, "MON", "08:00", "09:01"), true},
		{ts(t, "MON", "09:30", "10:00"), true}, // inside
		{ts(t, "TUE", "09:00", "10:50"), false},
	}
	for _, c := range overlaps {
		if a.Overlaps(c.other) != c.want || c.other.Overlaps(a) != c.want {
			t.Errorf("%s overlaps %s: want %v", a, c.other, c.want)
		}
	}
	if a.StartClock() != "09:00" || a.EndClock() != "10:50" || a.String() != "MON 09:00-10:50" {
		t.Errorf("formatting %s", a)
	}
}

func TestLecturerAvailabilityMergesAdjacentSlots(t *testing.T) {
	l, err := domain.NewLecturer("l1", "Grace", "cs", []domain.Timeslot{
		ts(t, "MON", "12:00", "14:00"), ts(t, "MON", "09:00", "12:00"), ts(t, "WED", "09:00", "10:00")})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		slot domain.Timeslot
		want bool
	}{
		{ts(t, "MON", "11:00", "13:00"), true}, // spans two adjacent slots
		{ts(t, "MON", "09:00", "14:00"), true},
		{ts(t, "MON", "13:00", "14:01"), false},
		{ts(t, "WED", "09:30", "10:30"), false},
		{ts(t, "TUE", "09:00", "10:00"), false},
	}
	for _, c := range cases {
		if got := l.Covers(c.slot); got != c.want {
			t.Errorf("covers %s = %v, want %v", c.slot, got, c.want)
		}
	}
	if _, err := domain.NewLecturer("l2", " ", "CS", nil); err == nil {
		t.Error("a lecturer without a name was accepted")
	}
}

func date(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }

func TestNewSemester(t *testing.T) {
	opens := time.Date(2026, 8, 1, 9, 0, 0, 0, time.UTC)
	w := func(year int, o, c time.Time) domain.RegistrationWindow {
		return domain.RegistrationWindow{YearOfStudy: year, OpensAt: o, ClosesAt: c}
	}
	cases := []struct {
		name    string
		code    string
		term    domain.Term
		ends    string
		addDrop string
		windows []domain.RegistrationWindow
		field   string
	}{
		{"valid", "2026-aut", "autumn", "2027-01-29", "2026-10-02", []domain.RegistrationWindow{w(2, opens, opens.Add(time.Hour)), w(1, opens, opens.Add(time.Hour))}, ""},
		{"bad code", "autumn", domain.Autumn, "2027-01-29", "2026-10-02", nil, "code"},
		{"bad term", "2026-AUT", "WINTER", "2027-01-29", "2026-10-02", nil, "term"},
		{"ends before start", "2026-AUT", domain.Autumn, "2026-09-01", "2026-09-01", nil, "endsOn"},
		{"add/drop after end", "2026-AUT", domain.Autumn, "2027-01-29", "2027-02-01", nil, "addDropDeadline"},
		{"window inverted", "2026-AUT", domain.Autumn, "2027-01-29", "2026-10-02", []domain.RegistrationWindow{w(1, opens, opens)}, "registrationWindows[0].closesAt"},
		{"window twice", "2026-AUT", domain.Autumn, "2027-01-29", "2026-10-02", []domain.RegistrationWindow{w(1, opens, opens.Add(time.Hour)), w(1, opens, opens.Add(time.Hour))}, "registrationWindows[1].yearOfStudy"},
		{"window year 8", "2026-AUT", domain.Autumn, "2027-01-29", "2026-10-02", []domain.RegistrationWindow{w(8, opens, opens.Add(time.Hour))}, "registrationWindows[0].yearOfStudy"},
		{"window after the semester", "2026-AUT", domain.Autumn, "2027-01-29", "2026-10-02", []domain.RegistrationWindow{w(1, opens, date("2027-03-01"))}, "registrationWindows[0].closesAt"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := domain.NewSemester(c.code, c.term, date("2026-09-21"), date(c.ends), date(c.addDrop), c.windows)
			if c.field == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.Code != "2026-AUT" || s.Term != domain.Autumn || s.Windows[0].YearOfStudy != 1 {
					t.Fatalf("not normalised: %+v", s)
				}
				if !s.RegistrationOpen(1, opens) || s.RegistrationOpen(1, opens.Add(time.Hour)) || s.RegistrationOpen(3, opens) ||
					s.RegistrationOpen(1, opens.Add(-time.Second)) {
					t.Fatal("registration window bounds wrong")
				}
				return
			}
			re, ok := domain.AsRuleError(err)
			if !ok || re.Violations[0].Field != c.field {
				t.Fatalf("error %v, want a violation of %s", err, c.field)
			}
		})
	}
}

func TestSectionRules(t *testing.T) {
	mon := ts(t, "MON", "09:00", "10:50")
	cases := []struct {
		name     string
		capacity int
		module   string
		slots    []domain.Timeslot
		field    string
	}{
		{"valid", 30, "cs101", []domain.Timeslot{mon, ts(t, "WED", "09:00", "10:50")}, ""},
		{"no seats", 0, "CS101", []domain.Timeslot{mon}, "capacity"},
		{"too many seats", domain.MaxRoomCapacity + 1, "CS101", []domain.Timeslot{mon}, "capacity"},
		{"no module", 30, "", []domain.Timeslot{mon}, "moduleCode"},
		{"no timeslots", 30, "CS101", nil, "timeslots"},
		{"own slots overlap", 30, "CS101", []domain.Timeslot{mon, ts(t, "MON", "10:00", "11:00")}, "timeslots[1]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, err := domain.NewSection("s1", c.module, "2026-aut", c.capacity, "", "eng-101", c.slots)
			if c.field == "" {
				if err != nil || s.ModuleCode != "CS101" || s.RoomCode != "ENG-101" || s.Semester != "2026-AUT" || s.Version != 1 {
					t.Fatalf("%+v %v", s, err)
				}
				return
			}
			re, ok := domain.AsRuleError(err)
			if !ok || re.Violations[0].Field != c.field {
				t.Fatalf("error %v, want a violation of %s", err, c.field)
			}
		})
	}
}

func TestCheckPlacement(t *testing.T) {
	s, _ := domain.NewSection("s1", "CS101", "2026-AUT", 30, "l1", "ENG-101", []domain.Timeslot{ts(t, "MON", "09:00", "10:50")})
	small, _ := domain.NewRoom("ENG-101", "Eng", 20)
	big, _ := domain.NewRoom("ENG-101", "Eng", 30)
	free, _ := domain.NewLecturer("l1", "Grace", "CS", []domain.Timeslot{ts(t, "MON", "08:00", "12:00")})
	busy, _ := domain.NewLecturer("l1", "Grace", "CS", []domain.Timeslot{ts(t, "TUE", "08:00", "12:00")})
	cases := []struct {
		name     string
		room     domain.Room
		lecturer *domain.Lecturer
		fields   []string
	}{
		{"fits", big, &free, nil},
		{"unassigned lecturer", big, nil, nil},
		{"room too small", small, &free, []string{"capacity"}},
		{"both wrong", small, &busy, []string{"capacity", "timeslots[0]"}},
	}
	for _, c := range cases {
		err := s.CheckPlacement(c.room, c.lecturer)
		if c.fields == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		re, ok := domain.AsRuleError(err)
		if !ok || len(re.Violations) != len(c.fields) {
			t.Errorf("%s: %v, want violations of %v", c.name, err, c.fields)
			continue
		}
		for i, f := range c.fields {
			if re.Violations[i].Field != f {
				t.Errorf("%s: violation %d is %s, want %s", c.name, i, re.Violations[i].Field, f)
			}
		}
	}
}

func TestClashes(t *testing.T) {
	sec := func(id, semester string, slots ...domain.Timeslot) domain.Section {
		return domain.Section{ID: id, Semester: semester, Timeslots: slots}
	}
	a := sec("a", "S1", ts(t, "MON", "09:00", "10:50"), ts(t, "WED", "09:00", "10:50"))
	b := sec("b", "S1", ts(t, "WED", "10:00", "11:00"), ts(t, "MON", "10:00", "11:00"))
	c := sec("c", "S1", ts(t, "MON", "10:50", "12:00"))
	d := sec("d", "S2", ts(t, "MON", "09:00", "10:50"))
	got := domain.Clashes([]domain.Section{a, b, c, d})
	if len(got) != 2 {
		t.Fatalf("clashes %+v, want a-b and b-c", got)
	}
	if got[0].SectionA != "a" || got[0].SectionB != "b" || got[1].SectionA != "b" || got[1].SectionB != "c" {
		t.Fatalf("clashes %+v", got)
	}
	if len(domain.Clashes([]domain.Section{a, a})) != 0 {
		t.Fatal("a section clashes with itself")
	}
}

func TestSeatCountsInvariant(t *testing.T) {
	if !(domain.SeatCounts{Capacity: 3, Free: 1, Held: 1, Confirmed: 1}).Consistent() {
		t.Error("consistent counts refused")
	}
	if (domain.SeatCounts{Capacity: 3, Free: 1, Held: 2, Confirmed: 1}).Consistent() {
		t.Error("overbooked counts accepted")
	}
}
