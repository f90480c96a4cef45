package domain

import "time"

// KindAccepted is the minute-bucket kind of a new registration (its first version,
// requested or waitlisted): the registrations per minute.
const KindAccepted = "accepted"

// Summary is the dashboard's headline figures.
type Summary struct {
	Sections        int64            `json:"sections"`
	Capacity        int64            `json:"capacity"`
	Confirmed       int64            `json:"confirmed"`
	FillRate        float64          `json:"fillRate"`
	Waitlisted      int64            `json:"waitlisted"`
	Registrations   int64            `json:"registrations"`
	ByStatus        map[string]int64 `json:"byStatus"`
	TimeToConfirm   Percentiles      `json:"timeToConfirm"`
	Payments        PaymentFigures   `json:"payments"`
	EventsProcessed int64            `json:"eventsProcessed"`
	EventsByType    map[string]int64 `json:"eventsByType"`
}

// Percentiles of a duration, in seconds, over Samples registrations.
type Percentiles struct {
	Samples    int64   `json:"samples"`
	P50Seconds float64 `json:"p50Seconds"`
	P95Seconds float64 `json:"p95Seconds"`
}

// PaymentFigures counts charge outcomes; FailureRate is failed / (confirmed + failed).
type PaymentFigures struct {
	Confirmed   int64   `json:"confirmed"`
	Failed      int64   `json:"failed"`
	FailureRate float64 `json:"failureRate"`
}

// SectionStats is one section's fill and waitlist. Capacity is nil until the section's
// section.created.v1 has arrived.
type SectionStats struct {
	SectionID  string   `json:"sectionId"`
	ModuleCode string   `json:"moduleCode"`
	Semester   string   `json:"semester"`
	Capacity   *int64   `json:"capacity"`
	Confirmed  int64    `json:"confirmed"`
	Waitlisted int64    `json:"waitlisted"`
	FillRate   *float64 `json:"fillRate"`
}

// ModuleStats sums a module's sections.
type ModuleStats struct {
	ModuleCode string  `json:"moduleCode"`
	Semester   string  `json:"semester"`
	Sections   int     `json:"sections"`
	Capacity   int64   `json:"capacity"`
	Confirmed  int64   `json:"confirmed"`
	Waitlisted int64   `json:"waitlisted"`
	FillRate   float64 `json:"fillRate"`
}

// Modules sums sections per module and semester, in the order the sections come.
func Modules(sections []SectionStats) []ModuleStats {
	out := []ModuleStats{}
	at := map[[2]string]int{}
	for _, s := range sections {
		k := [2]string{s.ModuleCode, s.Semester}
		i, ok := at[k]
		if !ok {
			i = len(out)
			at[k] = i
			out = append(out, ModuleStats{ModuleCode: s.ModuleCode, Semester: s.Semester})
		}
		m := &out[i]
		m.Sections++
		if s.Capacity != nil {
			m.Capacity += *s.Capacity
		}
		m.Confirmed += s.Confirmed
		m.Waitlisted += s.Waitlisted
		m.FillRate = Ratio(m.Confirmed, m.Capacity)
	}
	return out
}

// Minute is one minute of the timeline: new registrations and the count of each event
// type that occurred in it.
type Minute struct {
	At            time.Time        `json:"at"`
	Registrations int64            `json:"registrations"`
	Events        map[string]int64 `json:"events"`
}
