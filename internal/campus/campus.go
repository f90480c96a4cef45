// Package campus generates a deterministic, realistic university: faculties, programmes,
// modules with prerequisite chains, rooms, lecturers, semesters, sections with
// conflict-free timetables, and students with academic histories and holds. `make seed`
// writes it through the services' own adapters; tests generate a small one.
package campus

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Size says how big a campus to generate.
type Size struct {
	Modules           int // total modules (spread over programmes)
	SectionsPerModule int
	Rooms             int
	Lecturers         int
	Students          int
	HoldShare         float64 // share of students with a hold
}

// Full is the seeded demo campus.
var Full = Size{Modules: 300, SectionsPerModule: 3, Rooms: 80, Lecturers: 160, Students: 20000, HoldShare: 0.04}

// Small is the campus tests seed.
var Small = Size{Modules: 30, SectionsPerModule: 2, Rooms: 12, Lecturers: 20, Students: 200, HoldShare: 0.05}

// Faculty groups programmes.
type Faculty struct{ Code, Name string }

// Programme is a degree programme.
type Programme struct {
	Code, Name, Faculty string
	Required, Electives []string
}

// Prereq is a prerequisite expression: a leaf (Module with a minimum grade) or an AND/OR
// of sub-expressions.
type Prereq struct {
	Op       string   `json:"op,omitempty"` // "AND", "OR" or "" for a leaf
	Module   string   `json:"module,omitempty"`
	MinGrade string   `json:"minGrade,omitempty"`
	Of       []Prereq `json:"of,omitempty"`
}

// Module is a taught module.
type Module struct {
	Code, Title    string
	Credits        int
	FeeMinor       int64
	Currency       string
	Level          int
	Programmes     []string
	Terms          []string // AUTUMN, SPRING
	Prerequisites  *Prereq
	Corequisites   []string
	Antirequisites []string
}

// Room is a teaching room.
type Room struct {
	Code, Building string
	Capacity       int
}

// Slot is a weekly timeslot.
type Slot struct{ Day, Start, End string }

// Lecturer teaches sections.
type Lecturer struct {
	ID, Name, Department string
	Availability         []Slot
}

// Window is a registration window for one year of study.
type Window struct {
	Year              int
	OpensAt, ClosesAt time.Time
}

// Semester is a teaching period with its registration windows.
type Semester struct {
	Code, Term      string
	Starts, Ends    time.Time
	AddDropDeadline time.Time
	Windows         []Window
}

// Section is one class of a module in a semester.
type Section struct {
	ID, Module, Semester, Lecturer, Room string
	Capacity                             int
	Slots                                []Slot
}

// Completed is one module in a student's history.
type Completed struct {
	Module, Grade, Term string
	Credits             int
}

// Hold is a registry hold.
type Hold struct{ Kind, Reason string }

// Student is an enrolled student.
type Student struct {
	ID, Number, GivenName, FamilyName  string
	Email, Phone, DateOfBirth, Address string
	Programme                          string
	Year                               int
	History                            []Completed
	Holds                              []Hold
}

// Campus is everything generated.
type Campus struct {
	Faculties  []Faculty
	Programmes []Programme
	Modules    []Module
	Rooms      []Room
	Lecturers  []Lecturer
	Semesters  []Semester
	Sections   []Section
	Students   []Student
}

// ns makes ids deterministic: the same campus always has the same ids, so seeding twice
// finds what it wrote the first time.
var ns = uuid.MustParse("6f1c5a3e-2f0b-4b7e-9a52-5d1e8c7a9b10")

func id(kind string, n any) string {
	return uuid.NewSHA1(ns, []byte(fmt.Sprint(kind, "/", n))).String()
}

var faculties = []Faculty{
	{"ENG", "Faculty of Engineering"}, {"SCI", "Faculty of Science"}, {"HUM", "Faculty of Humanities"},
	{"BUS", "Business School"}, {"HLT", "Faculty of Health"},
}

var programmes = []struct{ code, name, faculty, subject string }{
	{"CS", "Computer Science", "ENG", "Computing"}, {"SE", "Software Engineering", "ENG", "Software"},
	{"EE", "Electrical Engineering", "ENG", "Electronics"}, {"ME", "Mechanical Engineering", "ENG", "Mechanics"},
	{"MA", "Mathematics", "SCI", "Mathematics"}, {"PH", "Physics", "SCI", "Physics"},
	{"CH", "Chemistry", "SCI", "Chemistry"}, {"BI", "Biology", "SCI", "Biology"},
	{"HI", "History", "HUM", "History"}, {"EN", "English Literature", "HUM", "Literature"},
	{"EC", "Economics", "BUS", "Economics"}, {"BM", "Business Management", "BUS", "Management"},
	{"PS", "Psychology", "HLT", "Psychology"}, {"NU", "Nursing", "HLT", "Nursing"},
}

var topics = []string{"Foundations of", "Introduction to", "Principles of", "Methods in", "Applied", "Advanced",
	"Topics in", "Systems of", "Theory of", "Practice of", "Research in", "Professional", "Quantitative", "Critical"}

var givenNames = strings.Fields("Amara Ben Chloe Dev Elif Farah George Hana Ibrahim Jia Kofi Lena Mateo Nia Omar Priya " +
	"Quinn Rosa Sami Tariq Uma Viktor Wen Xavier Yara Zoe Aiden Bea Caleb Dina Emeka Freya Hugo Isla Jonah Kira Luca Maya")

var familyNames = strings.Fields("Smith Okafor Nguyen Garcia Müller Rossi Kowalski Haddad Tanaka Silva Patel O'Brien " +
	"Jensen Dubois Kim Novak Ahmed Evans Costa Li Ivanova Mensah Schmidt Brown Lopez Kaur Walsh Yilmaz Fischer Sato")

var days = []string{"MON", "TUE", "WED", "THU", "FRI"}
var starts = []string{"09:00", "10:00", "11:00", "12:00", "13:00", "14:00", "15:00", "16:00"}

func endOf(start string) string {
	var h int
	fmt.Sscanf(start, "%d:", &h)
	return fmt.Sprintf("%02d:50", h)
}

// Generate builds a campus of the given size. The same size always gives the same campus.
func Generate(size Size) Campus {
	rng := rand.New(rand.NewPCG(2026, 9))
	c := Campus{Faculties: faculties}

	// Modules: each programme gets a share, levels 1-3, chained by prerequisites.
	perProg := max(3, (size.Modules+len(programmes)-1)/len(programmes))
	byProg := map[string][]*Module{}
	for pi, p := range programmes {
		for i := 0; i < perProg && len(c.Modules) < size.Modules; i++ {
			level := 1 + i*3/perProg
			code := fmt.Sprintf("%s%d%02d", p.code, level, i+1)
			m := Module{Code: code, Title: topics[(pi+i)%len(topics)] + " " + p.subject + fmt.Sprintf(" %s", roman(i%5+1)),
				Credits: []int{10, 15, 15, 20, 30}[rng.IntN(5)], Currency: "GBP", Level: level,
				Programmes: []string{p.code}, Terms: [][]string{{"AUTUMN"}, {"SPRING"}, {"AUTUMN", "SPRING"}}[rng.IntN(3)]}
			m.FeeMinor = int64(m.Credits) * 9250 // £92.50 per credit
			c.Modules = append(c.Modules, m)
		}
	}
	for i := range c.Modules {
		m := &c.Modules[i]
		byProg[m.Programmes[0]] = append(byProg[m.Programmes[0]], m)
	}
	// In programme order, never map order: the generator must be deterministic.
	for _, p := range programmes {
		mods := byProg[p.code]
		var lower []*Module
		for _, m := range mods {
			switch {
			case m.Level == 1:
			case len(lower) == 1:
				m.Prerequisites = &Prereq{Module: lower[0].Code, MinGrade: "D"}
			case len(lower) >= 2:
				a, b := lower[rng.IntN(len(lower))], lower[rng.IntN(len(lower))]
				if a == b || rng.IntN(3) == 0 {
					m.Prerequisites = &Prereq{Module: a.Code, MinGrade: []string{"C", "D"}[rng.IntN(2)]}
				} else if rng.IntN(2) == 0 {
					m.Prerequisites = &Prereq{Op: "AND", Of: []Prereq{{Module: a.Code, MinGrade: "C"}, {Module: b.Code, MinGrade: "D"}}}
				} else {
					m.Prerequisites = &Prereq{Op: "OR", Of: []Prereq{{Module: a.Code, MinGrade: "B"}, {Module: b.Code, MinGrade: "C"}}}
				}
			}
			lower = append(lower, m)
		}
		// Two same-level modules that overlap in content exclude each other.
		if len(mods) > 4 && mods[1].Level == mods[2].Level {
			mods[1].Antirequisites = []string{mods[2].Code}
			mods[2].Antirequisites = []string{mods[1].Code}
		}
	}
	// Shared service teaching: mathematics modules are also taken by engineers and physicists.
	for _, m := range byProg["MA"] {
		if m.Level == 1 {
			m.Programmes = append(m.Programmes, "CS", "EE", "PH")
		}
	}
	for _, p := range programmes {
		prog := Programme{Code: p.code, Name: p.name, Faculty: p.faculty}
		for _, m := range c.Modules {
			if !slices.Contains(m.Programmes, p.code) {
				continue
			}
			if m.Programmes[0] == p.code && (m.Level == 1 || len(prog.Required) < 6) {
				prog.Required = append(prog.Required, m.Code)
			} else {
				prog.Electives = append(prog.Electives, m.Code)
			}
		}
		c.Programmes = append(c.Programmes, prog)
	}

	for i := 0; i < size.Rooms; i++ {
		c.Rooms = append(c.Rooms, Room{Code: fmt.Sprintf("R%03d", i+1), Building: []string{"Main", "North", "Lab Block", "Library"}[i%4],
			Capacity: []int{30, 40, 60, 80, 120, 200, 300}[rng.IntN(7)]})
	}
	for i := 0; i < size.Lecturers; i++ {
		var avail []Slot
		for _, d := range days {
			avail = append(avail, Slot{Day: d, Start: "09:00", End: "17:50"})
		}
		c.Lecturers = append(c.Lecturers, Lecturer{ID: id("lecturer", i), Name: "Dr " + givenNames[i%len(givenNames)] + " " +
			familyNames[(i*7)%len(familyNames)], Department: programmes[i%len(programmes)].name, Availability: avail})
	}

	opens := time.Date(2026, 8, 24, 9, 0, 0, 0, time.UTC)
	aut := Semester{Code: "2026-AUT", Term: "AUTUMN", Starts: time.Date(2026, 9, 28, 0, 0, 0, 0, time.UTC),
		Ends: time.Date(2026, 12, 18, 0, 0, 0, 0, time.UTC), AddDropDeadline: time.Date(2026, 10, 9, 17, 0, 0, 0, time.UTC)}
	spr := Semester{Code: "2027-SPR", Term: "SPRING", Starts: time.Date(2027, 1, 25, 0, 0, 0, 0, time.UTC),
		Ends: time.Date(2027, 5, 14, 0, 0, 0, 0, time.UTC), AddDropDeadline: time.Date(2027, 2, 5, 17, 0, 0, 0, time.UTC)}
	for y := 1; y <= 4; y++ {
		// Time tickets: final-year students register first.
		aut.Windows = append(aut.Windows, Window{Year: y, OpensAt: opens.Add(time.Duration(4-y) * 24 * time.Hour), ClosesAt: aut.AddDropDeadline})
		// Spring registration is open through the winter (final years first).
		spr.Windows = append(spr.Windows, Window{Year: y, OpensAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC).Add(time.Duration(4-y) * 24 * time.Hour),
			ClosesAt: spr.AddDropDeadline})
	}
	c.Semesters = []Semester{aut, spr}

	// Sections: a greedy timetable with no room or lecturer booked twice in a slot.
	busy := map[slotKey]bool{}
	n := 0
	for _, m := range c.Modules {
		for _, term := range m.Terms {
			sem := aut.Code
			if term == "SPRING" {
				sem = spr.Code
			}
			for s := 0; s < size.SectionsPerModule; s++ {
				sec, ok := place(rng, &c, busy, m, sem, n)
				if ok {
					c.Sections = append(c.Sections, sec)
					n++
				}
			}
		}
	}

	for i := 0; i < size.Students; i++ {
		c.Students = append(c.Students, newStudent(rng, &c, i, size.HoldShare))
	}
	return c
}

// slotKey is one weekly slot of a room or a lecturer in a semester.
type slotKey struct{ who, sem, day, start string }

// place finds a room, a lecturer and two weekly slots free for all of them.
func place(rng *rand.Rand, c *Campus, busy map[slotKey]bool, m Module, sem string, n int) (Section, bool) {
	for attempt := 0; attempt < 60; attempt++ {
		room := c.Rooms[rng.IntN(len(c.Rooms))]
		lect := c.Lecturers[rng.IntN(len(c.Lecturers))]
		d1, s1 := days[rng.IntN(len(days))], starts[rng.IntN(len(starts))]
		d2 := days[(slices.Index(days, d1)+2)%len(days)]
		slots := []Slot{{d1, s1, endOf(s1)}, {d2, s1, endOf(s1)}}
		keys := make([]slotKey, 0, 4)
		for _, sl := range slots {
			keys = append(keys, slotKey{"room:" + room.Code, sem, sl.Day, sl.Start}, slotKey{"lect:" + lect.ID, sem, sl.Day, sl.Start})
		}
		if slices.ContainsFunc(keys, func(k slotKey) bool { return busy[k] }) {
			continue
		}
		for _, k := range keys {
			busy[k] = true
		}
		capacity := min(room.Capacity, []int{20, 30, 40, 60, 80, 120}[rng.IntN(6)])
		return Section{ID: id("section", n), Module: m.Code, Semester: sem, Lecturer: lect.ID, Room: room.Code,
			Capacity: capacity, Slots: slots}, true
	}
	return Section{}, false
}

func newStudent(rng *rand.Rand, c *Campus, i int, holdShare float64) Student {
	prog := c.Programmes[rng.IntN(len(c.Programmes))]
	given, family := givenNames[rng.IntN(len(givenNames))], familyNames[rng.IntN(len(familyNames))]
	year := 1 + rng.IntN(3)
	s := Student{ID: id("student", i), Number: fmt.Sprintf("S%07d", 2026000+i), GivenName: given, FamilyName: family,
		Email:       fmt.Sprintf("%s.%s.%d@students.registrar.example", strings.ToLower(given), strings.ToLower(strings.ReplaceAll(family, "'", "")), i),
		Phone:       fmt.Sprintf("+44 7700 %06d", i%1000000),
		DateOfBirth: time.Date(2008-year-rng.IntN(3), time.Month(1+rng.IntN(12)), 1+rng.IntN(28), 0, 0, 0, 0, time.UTC).Format(time.DateOnly),
		Address:     fmt.Sprintf("%d %s Road, Registrar Town", 1+rng.IntN(200), familyNames[rng.IntN(len(familyNames))]),
		Programme:   prog.Code, Year: year}
	// Years already studied: the programme's modules below the student's year, mostly passed.
	for _, m := range c.Modules {
		if m.Programmes[0] != prog.Code || m.Level >= year {
			continue
		}
		term := fmt.Sprintf("%d-AUT", 2026-year+m.Level-1)
		grade := []string{"A", "B", "B", "C", "C", "C", "D", "E", "F"}[rng.IntN(9)]
		s.History = append(s.History, Completed{Module: m.Code, Grade: grade, Term: term, Credits: m.Credits})
	}
	if rng.Float64() < holdShare {
		if rng.IntN(2) == 0 {
			s.Holds = append(s.Holds, Hold{Kind: "blocking", Reason: "Tuition fees overdue"})
		} else {
			s.Holds = append(s.Holds, Hold{Kind: "warning", Reason: "Missing emergency contact"})
		}
	}
	return s
}

func roman(n int) string { return []string{"", "I", "II", "III", "IV", "V"}[n] }
