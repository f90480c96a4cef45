package surge

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/registrar-edu/registrar/internal/campus"
)

// sample is one measured request of the accept path.
type sample struct {
	at      time.Duration // since the surge started
	latency time.Duration
	status  int
}

// recorder collects samples and answers by operation and status code.
type recorder struct {
	mu      sync.Mutex
	start   time.Time
	samples []sample
	codes   map[string]map[string]int
}

func newRecorder() *recorder { return &recorder{codes: map[string]map[string]int{}} }

func (r *recorder) code(op string, ans answer) {
	k := fmt.Sprint(ans.status)
	if ans.err != nil {
		k = "error"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.codes[op] == nil {
		r.codes[op] = map[string]int{}
	}
	r.codes[op][k]++
}

func (r *recorder) accept(sent time.Time, ans answer) {
	r.code("register", ans)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = append(r.samples, sample{at: sent.Sub(r.start), latency: ans.latency, status: ans.status})
}

type accepted struct {
	Registrations []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"registrations"`
}

// actor is one student of the run.
type actor struct {
	student campus.Student
	token   string
	card    string
	section string
	sem     string
	regID   string
}

// Run offers the load, waits for the drain, measures the limits and checks the invariants.
// It needs the platform running; it stops by itself within the configured bounds.
func Run(ctx context.Context, c Config) (*Report, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	out := c.Progress
	if out == nil {
		out = io.Discard
	}
	say := func(f string, a ...any) { fmt.Fprintf(out, "==> "+f+"\n", a...) }
	rng := rand.New(rand.NewPCG(c.Seed, 2027))
	api := newAPI(c.GatewayURL, c.Concurrency+c.LimitConcurrency)

	if ans := api.do(ctx, http.MethodGet, "/readyz", "", nil); ans.status != http.StatusOK {
		return nil, fmt.Errorf("the platform is not ready at %s (%d %v): start it with `make run` (and `make seed` once)", c.GatewayURL, ans.status, ans.err)
	}
	reg, err := pgxpool.New(ctx, c.RegistrationDB)
	if err != nil {
		return nil, err
	}
	defer reg.Close()
	sch, err := pgxpool.New(ctx, c.ScheduleDB)
	if err != nil {
		return nil, err
	}
	defer sch.Close()

	rep := &Report{RunID: c.RunID, Started: time.Now().UTC(), Config: reportConfig(c)}
	say("reading the seeded campus")
	pop, err := loadPopulation(ctx, c, reg, rng)
	if err != nil {
		return nil, err
	}
	sagaStudents := 0
	for _, r := range c.SagaRates {
		sagaStudents += int(math.Ceil(r * c.SagaStep.Seconds()))
	}
	rep.StudentsFree = len(pop.students)
	surgeN := min(c.Students, len(pop.students))
	sagaN := min(sagaStudents, len(pop.students)-surgeN)
	if surgeN < c.Students || sagaN < sagaStudents {
		rep.Notes = append(rep.Notes, fmt.Sprintf("only %d seeded students are free to register: surge %d of %d, sagas %d of %d",
			len(pop.students), surgeN, c.Students, sagaN, sagaStudents))
	}

	staff, err := api.login(ctx, c.Staff, c.Password)
	if err != nil {
		return nil, fmt.Errorf("registry staff login: %w", err)
	}
	say("creating %d hot sections of %d seats (own rooms, lecturers and timeslot)", c.HotSections, c.HotSeats)
	hot := make([]string, c.HotSections)
	hotModule := make([]campus.Module, c.HotSections)
	for i := range hot {
		hotModule[i] = pop.open[i%len(pop.open)]
		if hot[i], err = createSection(ctx, api, staff, c, fmt.Sprintf("H%d", i), hotModule[i].Code, c.HotSeats, i); err != nil {
			return nil, err
		}
	}
	var sagaSections []string
	var sagaModules []campus.Module
	for i, r := range c.SagaRates {
		m := pop.open[(c.HotSections+i)%len(pop.open)]
		capacity := int(math.Ceil(r * c.SagaStep.Seconds()))
		id, err := createSection(ctx, api, staff, c, fmt.Sprintf("S%d", i), m.Code, capacity, c.HotSections+i)
		if err != nil {
			return nil, err
		}
		sagaSections, sagaModules = append(sagaSections, id), append(sagaModules, m)
	}
	if err := waitKnown(ctx, reg, append(append([]string{}, hot...), sagaSections...)); err != nil {
		return nil, err
	}

	// Who does what: cards, targets and ineligible requests are drawn before anything is sent.
	actors := make([]*actor, surgeN+sagaN)
	for i := range actors {
		s := pop.students[i]
		a := &actor{student: s, card: "pm_card_visa", sem: c.Semester}
		if rng.Float64() < c.Declines {
			a.card = "pm_card_chargeDeclined"
		}
		actors[i] = a
	}
	ineligible := 0
	for _, a := range actors[:surgeN] {
		switch {
		case rng.Float64() < c.Ineligible && pickIneligible(a, pop, rng):
			ineligible++
		case rng.Float64() < c.HotShare && pickHot(a, hot, hotModule, rng):
		default:
			if !pickSpread(a, pop, rng) && !pickHot(a, hot, hotModule, rng) {
				a.section = "" // nothing this student may take: sits out
			}
		}
	}
	for _, a := range actors[surgeN:] {
		a.card = "pm_card_visa" // sustained sagas measure the happy path
	}

	say("logging in %d students (not measured)", len(actors))
	bar := newBar(out, "login", len(actors))
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(4, min(c.Concurrency, 16)))
	for _, a := range actors {
		g.Go(func() error {
			tok, err := api.login(gctx, username(a.student), c.Password)
			a.token = tok
			bar.add(1)
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	bar.done()

	watch := watchProcs(c.Procs, c.ServerNames, 500*time.Millisecond)
	rec := newRecorder()
	var acceptedIDs sync.Map // registration id → *actor
	sections := map[string]bool{}
	for _, s := range hot {
		sections[s] = true
	}
	for _, a := range actors[:surgeN] {
		if a.section != "" && a.sem == c.Semester {
			sections[a.section] = true
		}
	}

	// Scenario 1: the opening surge.
	say("scenario 1: opening surge: %d students over %s, %d in flight at most", surgeN, c.Window, c.Concurrency)
	surge := surgeRun(ctx, c, api, rec, actors[:surgeN], &acceptedIDs, rng, out)
	rep.Surge = surge
	rep.Surge.Ineligible = ineligible
	say("drain: claiming waitlist offers until nothing is in flight (at most %s)", c.Drain)
	drained, claims, err := drain(ctx, c, api, rec, reg, &acceptedIDs, rec.start, out)
	if err != nil {
		return nil, err
	}
	rep.Surge.DrainSeconds = drained.Seconds()
	rep.Surge.Drained = drained > 0
	rep.Surge.OffersClaimed = claims
	rep.Surge.Codes = rec.codes
	ids := acceptedList(&acceptedIDs)
	rep.Surge.Statuses, rep.Surge.SagasPerSecond, rep.Surge.Completions, err = outcomes(ctx, reg, ids, rec.start)
	if err != nil {
		return nil, err
	}
	rep.Surge.Accepted = len(ids)
	rep.Surge.AcceptPath, rep.Surge.Timeline = acceptPath(rec)

	// Scenario 2: sustained sagas at stepped rates.
	next := surgeN
	for i, r := range c.SagaRates {
		n := int(math.Ceil(r * c.SagaStep.Seconds()))
		n = min(n, len(actors)-next)
		if n <= 0 {
			break
		}
		step := actors[next : next+n]
		next += n
		for _, a := range step {
			a.section = sagaSections[i]
			if passed(a.student, sagaModules[i].Code) {
				a.section = "" // already passed: sits out
			}
		}
		sections[sagaSections[i]] = true
		say("scenario 2: sustained sagas, step %d: %.1f registrations/s for %s", i+1, r, c.SagaStep)
		st, err := sagaStep(ctx, c, api, reg, r, step, &acceptedIDs, out)
		if err != nil {
			return nil, err
		}
		rep.Sagas = append(rep.Sagas, st)
	}

	say("scenario 3: limits (%s each, %d callers)", c.LimitTime, c.LimitConcurrency)
	if rep.Limits, err = measureLimits(ctx, c, say); err != nil {
		return nil, err
	}
	rep.Processes = watch.finish()

	say("invariants, straight from the databases and the simulator")
	charges, err := paygateCharges(ctx, api, c.PaygateURL)
	if err != nil {
		return nil, err
	}
	var secs []string
	for s := range sections {
		secs = append(secs, s)
	}
	sort.Strings(secs)
	truth := Truth{Registration: reg, Schedule: sch, Charges: charges, Sections: secs, Accepted: acceptedList(&acceptedIDs), Now: time.Now()}
	if rep.Invariants, err = CheckInvariants(ctx, truth); err != nil {
		return nil, err
	}
	if rep.IdleSeats, err = IdleSeats(ctx, truth); err != nil {
		return nil, err
	}
	rep.Invariants = append(rep.Invariants, rep.Surge.replayInvariant())
	rep.Finished = time.Now().UTC()
	rep.derive()
	return rep, nil
}

func acceptedList(m *sync.Map) []string {
	var ids []string
	m.Range(func(k, _ any) bool { ids = append(ids, k.(string)); return true })
	sort.Strings(ids)
	return ids
}

func pickHot(a *actor, hot []string, mods []campus.Module, rng *rand.Rand) bool {
	start := rng.IntN(len(hot))
	for k := range hot {
		i := (start + k) % len(hot)
		if !passed(a.student, mods[i].Code) {
			a.section = hot[i]
			return true
		}
	}
	return false
}

func pickSpread(a *actor, pop *population, rng *rand.Rand) bool {
	if len(pop.spread) == 0 {
		return false
	}
	start := rng.IntN(len(pop.spread))
	for k := range pop.spread {
		s := pop.spread[(start+k)%len(pop.spread)]
		if !passed(a.student, s.Module) {
			a.section = s.ID
			return true
		}
	}
	return false
}

// pickIneligible gives the student a request the platform must refuse: a module they
// already passed, offered this semester, or else a section of another semester.
func pickIneligible(a *actor, pop *population, rng *rand.Rand) bool {
	for _, s := range pop.spread {
		if passed(a.student, s.Module) {
			a.section = s.ID
			return true
		}
	}
	if len(pop.other) > 0 {
		a.section = pop.other[rng.IntN(len(pop.other))].ID
		return true
	}
	return false
}

var slotSeq atomic.Int64

// createSection creates a section with a room and lecturer of its own, at a Friday-evening
// slot no seeded section uses, so nothing clashes or is double-booked.
func createSection(ctx context.Context, a *api, staff string, c Config, tag, module string, capacity, n int) (string, error) {
	room := fmt.Sprintf("BENCH-%s-%s", c.RunID, tag)
	if ans := a.do(ctx, http.MethodPost, "/api/v1/rooms", staff,
		map[string]any{"code": room, "building": "Bench Wing", "capacity": max(capacity, 10)}); ans.status != http.StatusCreated {
		return "", fmt.Errorf("create room: %d %s %v", ans.status, ans.body, ans.err)
	}
	var avail []map[string]string
	for _, d := range []string{"MON", "TUE", "WED", "THU", "FRI"} {
		avail = append(avail, map[string]string{"day": d, "start": "08:00", "end": "21:00"})
	}
	lect, err := created(a.do(ctx, http.MethodPost, "/api/v1/lecturers", staff,
		map[string]any{"name": "Dr Bench " + room, "department": "Bench", "availability": avail}), "lecturer")
	if err != nil {
		return "", err
	}
	return created(a.do(ctx, http.MethodPost, "/api/v1/sections", staff, map[string]any{
		"moduleCode": module, "semester": c.Semester, "capacity": capacity, "lecturerId": lect, "roomCode": room,
		"timeslots": []map[string]string{{"day": "FRI", "start": "19:00", "end": "19:50"}},
	}), "section")
}

// waitKnown waits until the registration app's read model knows the sections.
func waitKnown(ctx context.Context, reg *pgxpool.Pool, ids []string) error {
	deadline := time.Now().Add(2 * time.Minute)
	for {
		var n int
		if err := reg.QueryRow(ctx, `SELECT count(*) FROM rm_sections WHERE id = ANY($1::uuid[])`, ids).Scan(&n); err != nil {
			return err
		}
		if n == len(ids) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("the registration app learnt %d of %d new sections within 2 minutes", n, len(ids))
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// register sends one registration, retrying a 429 after Retry-After with the same key
// (what a real client does); every attempt is recorded.
func register(ctx context.Context, api *api, rec *recorder, a *actor, key string) answer {
	body := map[string]any{"semester": a.sem, "sectionIds": []string{a.section}, "paymentMethod": a.card}
	for attempt := 0; ; attempt++ {
		sent := time.Now()
		ans := api.do(ctx, http.MethodPost, "/api/v1/registrations", a.token, body, "Idempotency-Key", key)
		if rec != nil {
			rec.accept(sent, ans)
		}
		if ans.status != http.StatusTooManyRequests || attempt >= 5 || ctx.Err() != nil {
			return ans
		}
		time.Sleep(max(ans.retryAfter, 100*time.Millisecond))
	}
}

func surgeRun(ctx context.Context, c Config, api *api, rec *recorder, actors []*actor, ids *sync.Map, rng *rand.Rand, out io.Writer) SurgeResult {
	var res SurgeResult
	var mu sync.Mutex
	dup := make([]bool, len(actors))
	for i := range dup {
		dup[i] = rng.Float64() < c.Duplicates
	}
	bar := newBar(out, "surge", len(actors))
	sem := make(chan struct{}, c.Concurrency)
	var wg sync.WaitGroup
	rec.start = time.Now()
	gap := c.Window / time.Duration(max(1, len(actors)))
	for i, a := range actors {
		// Open loop: student i arrives at i·window/n whether or not earlier ones were answered.
		if d := time.Until(rec.start.Add(time.Duration(i) * gap)); d > 0 {
			time.Sleep(d)
		}
		if a.section == "" {
			bar.add(1)
			continue
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done(); bar.add(1) }()
			key := "bench-" + uuid.NewString()
			ans := register(ctx, api, rec, a, key)
			if ans.status/100 != 2 {
				return
			}
			var v accepted
			if json.Unmarshal(ans.body, &v) != nil || len(v.Registrations) == 0 {
				return
			}
			a.regID = v.Registrations[0].ID
			ids.Store(a.regID, a)
			if !dup[i] {
				return
			}
			// The retry of a client that lost the answer: same key, same body.
			again := register(ctx, api, nil, a, key)
			rec.code("replay", again)
			var w accepted
			_ = json.Unmarshal(again.body, &w)
			mu.Lock()
			res.Replays++
			if again.status == ans.status && len(w.Registrations) > 0 && w.Registrations[0].ID == a.regID {
				res.ReplaysSame++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	bar.done()
	res.ArrivalSeconds = time.Since(rec.start).Seconds()
	return res
}

// drain claims waitlist offers (with the student's own card) until no bench registration is
// in flight, or the bound passes. It returns the time from the surge's start to the drain
// (zero when the bound passed first).
func drain(ctx context.Context, c Config, api *api, rec *recorder, reg *pgxpool.Pool, ids *sync.Map, start time.Time, out io.Writer) (time.Duration, int, error) {
	claimed := map[string]bool{}
	deadline := time.Now().Add(c.Drain)
	bar := newBar(out, "drain", 0)
	for {
		list := acceptedList(ids)
		rows, err := reg.Query(ctx, `SELECT id::text, status FROM registrations WHERE id = ANY($1::uuid[])
			AND status IN ('PENDING_PAYMENT', 'OFFERED')`, list)
		if err != nil {
			return 0, len(claimed), err
		}
		inFlight := 0
		var offers []string
		for rows.Next() {
			var id, status string
			if err := rows.Scan(&id, &status); err != nil {
				rows.Close()
				return 0, len(claimed), err
			}
			inFlight++
			if status == "OFFERED" && !claimed[id] {
				offers = append(offers, id)
			}
		}
		rows.Close()
		if inFlight == 0 {
			bar.done()
			return time.Since(start), len(claimed), nil
		}
		bar.status(fmt.Sprintf("%d in flight, %d offers claimed", inFlight, len(claimed)))
		if time.Now().After(deadline) {
			bar.done()
			return 0, len(claimed), nil
		}
		g, gctx := errgroup.WithContext(ctx)
		g.SetLimit(c.Concurrency)
		for _, id := range offers {
			claimed[id] = true
			v, _ := ids.Load(id)
			a := v.(*actor)
			g.Go(func() error {
				ans := api.do(gctx, http.MethodPost, "/api/v1/waitlist/offers/"+id+"/accept", a.token,
					map[string]string{"paymentMethod": a.card})
				rec.code("accept-offer", ans)
				return nil
			})
		}
		_ = g.Wait()
		time.Sleep(250 * time.Millisecond)
	}
}

// outcomes reads the final statuses of the registrations and their completions over time.
func outcomes(ctx context.Context, reg *pgxpool.Pool, ids []string, start time.Time) (map[string]int, float64, []float64, error) {
	statuses := map[string]int{}
	rows, err := reg.Query(ctx, `SELECT status, count(*) FROM registrations WHERE id = ANY($1::uuid[]) GROUP BY status`, ids)
	if err != nil {
		return nil, 0, nil, err
	}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err == nil {
			statuses[s] = n
		}
	}
	rows.Close()
	// A saga completes when its registration is confirmed or failed (payment declined); the
	// time is the timeline entry that says so.
	rows, err = reg.Query(ctx, `SELECT r.updated_at FROM registrations r WHERE r.id = ANY($1::uuid[])
		AND r.status IN ('CONFIRMED', 'FAILED', 'EXPIRED') ORDER BY r.updated_at`, ids)
	if err != nil {
		return nil, 0, nil, err
	}
	var done []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err == nil {
			done = append(done, t)
		}
	}
	rows.Close()
	if len(done) == 0 {
		return statuses, 0, nil, nil
	}
	span := done[len(done)-1].Sub(start).Seconds()
	perSecond := make([]float64, int(math.Ceil(span))+1)
	for _, t := range done {
		if s := int(t.Sub(start).Seconds()); s >= 0 && s < len(perSecond) {
			perSecond[s]++
		}
	}
	return statuses, float64(len(done)) / span, perSecond, nil
}

func paygateCharges(ctx context.Context, api *api, base string) ([]Charge, error) {
	ans := newAPI(base, 1).do(ctx, http.MethodGet, "/admin/charges", "", nil)
	if ans.status != http.StatusOK {
		return nil, fmt.Errorf("payment simulator ledger: %d %v", ans.status, ans.err)
	}
	var log struct {
		PaymentIntents []struct {
			Status         string `json:"status"`
			Amount         int64  `json:"amount"`
			AmountRefunded int64  `json:"amountRefunded"`
			Metadata       struct {
				RegistrationID string `json:"registration_id"`
			} `json:"metadata"`
		} `json:"paymentIntents"`
	}
	if err := json.Unmarshal(ans.body, &log); err != nil {
		return nil, fmt.Errorf("payment simulator ledger: %w", err)
	}
	var out []Charge
	for _, pi := range log.PaymentIntents {
		out = append(out, Charge{RegistrationID: pi.Metadata.RegistrationID, Status: pi.Status, Amount: pi.Amount, AmountRefunded: pi.AmountRefunded})
	}
	return out, nil
}
