package surge

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// Latency is a distribution in milliseconds.
type Latency struct {
	N    int     `json:"n"`
	P50  float64 `json:"p50ms"`
	P95  float64 `json:"p95ms"`
	P99  float64 `json:"p99ms"`
	Max  float64 `json:"maxMs"`
	Mean float64 `json:"meanMs"`
}

func latencyOf(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1
		return ms(s[max(0, min(i, len(s)-1))])
	}
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	return Latency{N: len(s), P50: q(0.50), P95: q(0.95), P99: q(0.99), Max: ms(s[len(s)-1]), Mean: ms(sum / time.Duration(len(s)))}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// Second is one second of the surge's accept path.
type Second struct {
	At       int     `json:"at"`
	Requests int     `json:"requests"`
	P50      float64 `json:"p50ms"`
	P95      float64 `json:"p95ms"`
	P99      float64 `json:"p99ms"`
	Sagas    float64 `json:"sagasCompleted"`
}

// SurgeResult is the opening surge.
type SurgeResult struct {
	ArrivalSeconds float64                   `json:"arrivalSeconds"`
	Accepted       int                       `json:"accepted"`
	Ineligible     int                       `json:"ineligibleSent"`
	Replays        int                       `json:"replays"`
	ReplaysSame    int                       `json:"replaysSameAnswer"`
	OffersClaimed  int                       `json:"offersClaimed"`
	Drained        bool                      `json:"drained"`
	DrainSeconds   float64                   `json:"drainSeconds"`
	SagasPerSecond float64                   `json:"sagasPerSecond"`
	AcceptPath     AcceptPath                `json:"acceptPath"`
	Codes          map[string]map[string]int `json:"answersByStatusCode"`
	Statuses       map[string]int            `json:"registrationsByStatus"`
	Completions    []float64                 `json:"-"`
	Timeline       []Second                  `json:"timeline"`
}

// AcceptPath is POST /api/v1/registrations as the clients saw it.
type AcceptPath struct {
	Requests   int     `json:"requests"`
	PerSecond  float64 `json:"requestsPerSecond"`
	Accepted2x int     `json:"answered2xx"`
	Latency    Latency `json:"latency"`
}

func (s SurgeResult) replayInvariant() Invariant {
	iv := Invariant{Name: "same key + same body → same answer", OK: s.ReplaysSame == s.Replays,
		Detail: fmt.Sprintf("%d of %d replays", s.ReplaysSame, s.Replays)}
	return iv
}

func acceptPath(rec *recorder) (AcceptPath, []Second) {
	var ap AcceptPath
	var all []time.Duration
	var last time.Duration
	buckets := map[int][]time.Duration{}
	for _, s := range rec.samples {
		all = append(all, s.latency)
		if s.status/100 == 2 {
			ap.Accepted2x++
		}
		last = max(last, s.at+s.latency)
		sec := int(s.at.Seconds())
		buckets[sec] = append(buckets[sec], s.latency)
	}
	ap.Requests = len(all)
	if last > 0 {
		ap.PerSecond = float64(len(all)) / last.Seconds()
	}
	ap.Latency = latencyOf(all)
	var tl []Second
	for sec := 0; sec <= int(last.Seconds()); sec++ {
		l := latencyOf(buckets[sec])
		tl = append(tl, Second{At: sec, Requests: len(buckets[sec]), P50: l.P50, P95: l.P95, P99: l.P99})
	}
	return ap, tl
}

// Report is everything a run measured.
type Report struct {
	RunID        string             `json:"runId"`
	Started      time.Time          `json:"started"`
	Finished     time.Time          `json:"finished"`
	Machine      map[string]string  `json:"machine"`
	Config       map[string]any     `json:"config"`
	StudentsFree int                `json:"studentsFreeToRegister"`
	Notes        []string           `json:"notes,omitempty"`
	Surge        SurgeResult        `json:"surge"`
	Sagas        []SagaStep         `json:"sustainedSagas"`
	Limits       []Limit            `json:"limits"`
	Processes    []ProcUsage        `json:"processes"`
	Ratios       map[string]float64 `json:"ratios"`
	Invariants   Invariants         `json:"invariants"`
	IdleSeats    []string           `json:"idleSeatsWhileWaiting"`
}

func reportConfig(c Config) map[string]any {
	return map[string]any{"students": c.Students, "hotSections": c.HotSections, "hotSeats": c.HotSeats, "hotShare": c.HotShare,
		"window": c.Window.String(), "concurrency": c.Concurrency, "duplicates": c.Duplicates, "declines": c.Declines,
		"ineligible": c.Ineligible, "drainTimeout": c.Drain.String(), "sagaRates": c.SagaRates, "sagaStep": c.SagaStep.String(),
		"limitTime": c.LimitTime.String(), "limitConcurrency": c.LimitConcurrency, "seed": c.Seed, "gateway": c.GatewayURL}
}

func (r *Report) limit(name string) float64 {
	for _, l := range r.Limits {
		if l.Name == name {
			return l.OpsPerS
		}
	}
	return 0
}

// derive fills the ratios and the per-second saga completions of the timeline.
func (r *Report) derive() {
	r.Ratios = map[string]float64{}
	if raw := r.limit("raw redis GET"); raw > 0 {
		r.Ratios["seat gate check ÷ raw Redis GET"] = r.limit("seat gate check") / raw
	}
	if inv := r.limit("dapr invoke"); inv > 0 {
		r.Ratios["surge sagas/s ÷ bare invocations/s"] = r.Surge.SagasPerSecond / inv
		best := 0.0
		for _, s := range r.Sagas {
			best = max(best, s.CompletedPerS)
		}
		r.Ratios["best sustained sagas/s ÷ bare invocations/s"] = best / inv
	}
	for i := range r.Surge.Timeline {
		if i < len(r.Surge.Completions) {
			r.Surge.Timeline[i].Sagas = r.Surge.Completions[i]
		}
	}
	for i := len(r.Timeline()); i < len(r.Surge.Completions); i++ {
		r.Surge.Timeline = append(r.Surge.Timeline, Second{At: i, Sagas: r.Surge.Completions[i]})
	}
}

// Timeline is the surge's per-second record.
func (r *Report) Timeline() []Second { return r.Surge.Timeline }

// Passed reports whether every invariant held and the surge drained.
func (r *Report) Passed() bool { return r.Invariants.OK() && r.Surge.Drained }

// Write puts report.json, report.md and chart.png into dir.
func (r *Report) Write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	j, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.json"), j, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "report.md"), []byte(r.Markdown()), 0o644); err != nil {
		return err
	}
	return writeChart(r, filepath.Join(dir, "chart.png"))
}

func codes(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s: %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

// Markdown renders the report for people.
func (r *Report) Markdown() string {
	var b strings.Builder
	w := func(f string, a ...any) { fmt.Fprintf(&b, f+"\n", a...) }
	w("# Registrar surge benchmark — %s", r.Started.Format(time.RFC3339))
	w("")
	var mk []string
	for _, k := range []string{"cpu", "nproc", "memory", "go"} {
		if v := r.Machine[k]; v != "" {
			mk = append(mk, k+": "+v)
		}
	}
	w("Machine: %s. Run %s, %s in all.", strings.Join(mk, "; "), r.RunID, r.Finished.Sub(r.Started).Round(time.Second))
	cj, _ := json.Marshal(r.Config)
	w("")
	w("Parameters: `%s`", cj)
	for _, n := range r.Notes {
		w("")
		w("Note: %s", n)
	}
	s := r.Surge
	w("")
	w("## Opening surge")
	w("")
	w("| figure | value |")
	w("|---|---|")
	w("| requests on the accept path (incl. 429 retries) | %d in %.1f s |", s.AcceptPath.Requests, s.ArrivalSeconds)
	w("| accept-path throughput | %.1f requests/s |", s.AcceptPath.PerSecond)
	w("| accept-path latency p50 / p95 / p99 / max | %.1f / %.1f / %.1f / %.1f ms |", s.AcceptPath.Latency.P50, s.AcceptPath.Latency.P95, s.AcceptPath.Latency.P99, s.AcceptPath.Latency.Max)
	w("| accepted registrations (2xx) | %d |", s.Accepted)
	w("| ineligible requests sent | %d |", s.Ineligible)
	w("| replays with the same key (same answer) | %d (%d) |", s.Replays, s.ReplaysSame)
	w("| waitlist offers claimed | %d |", s.OffersClaimed)
	w("| completed sagas per second (first request → last completion) | %.1f |", s.SagasPerSecond)
	if s.Drained {
		w("| time to drain (first request → nothing in flight) | %.1f s |", s.DrainSeconds)
	} else {
		w("| time to drain | **not drained within the bound** |")
	}
	w("")
	w("Answers by status code:")
	w("")
	var ops []string
	for op := range s.Codes {
		ops = append(ops, op)
	}
	sort.Strings(ops)
	for _, op := range ops {
		w("- %s: %s", op, codes(s.Codes[op]))
	}
	w("")
	w("Registrations by status after the drain: %s", codes(s.Statuses))
	if len(r.Sagas) > 0 {
		w("")
		w("## Sustained sagas")
		w("")
		w("| offered/s | sent | accepted | answers | accept p50 / p99 ms | completed in step | completed/s | backlog at step end | all done after |")
		w("|---|---|---|---|---|---|---|---|---|")
		for _, st := range r.Sagas {
			done := "not within the bound"
			if st.AllFinished {
				done = fmt.Sprintf("%.1f s", st.SecondsToFinishAll)
			}
			w("| %.1f | %d | %d | %s | %.1f / %.1f | %d | %.1f | %d | %s |", st.OfferedPerS, st.Sent, st.Accepted, codes(st.Codes),
				st.AcceptLatency.P50, st.AcceptLatency.P99, st.CompletedInStep, st.CompletedPerS, st.BacklogAtStepEnd, done)
		}
	}
	w("")
	w("## Limits")
	w("")
	w("| operation | ops/s | p50 / p99 ms | errors | what |")
	w("|---|---|---|---|---|")
	for _, l := range r.Limits {
		w("| %s | %.0f | %.2f / %.2f | %d | %s |", l.Name, l.OpsPerS, l.Latency.P50, l.Latency.P99, l.Errors, l.What)
	}
	w("")
	var rk []string
	for k := range r.Ratios {
		rk = append(rk, k)
	}
	sort.Strings(rk)
	for _, k := range rk {
		w("- %s = %.4f", k, r.Ratios[k])
	}
	w("")
	w("## Processes (during the run)")
	w("")
	w("| process | count | CPU s | peak RSS sampled MiB | VmHWM MiB |")
	w("|---|---|---|---|---|")
	for _, p := range r.Processes {
		w("| %s | %d | %.1f | %.0f | %.0f |", p.Name, p.Processes, p.CPUSeconds, p.PeakRSSMiB, p.HWMMiB)
	}
	w("")
	w("## Invariants")
	w("")
	for _, i := range r.Invariants {
		mark := "PASS"
		if !i.OK {
			mark = "FAIL"
		}
		w("- %s %s — %s", mark, i.Name, i.Detail)
	}
	w("")
	w("## Findings")
	w("")
	if len(r.IdleSeats) == 0 {
		w("- no section has a free seat while students wait on its waitlist")
	} else {
		w("- %d sections have free seats while students wait (no offer was made):", len(r.IdleSeats))
		for _, s := range r.IdleSeats {
			w("  - %s", s)
		}
	}
	return b.String()
}
