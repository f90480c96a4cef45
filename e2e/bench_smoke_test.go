package e2e

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/registrar-edu/registrar/bench/surge"
	"github.com/registrar-edu/registrar/internal/campus"
)

// A small run of the surge benchmark against the e2e stack, so that `make bench` cannot
// rot: a few hundred requests, a short window, every scenario, and the invariant report
// must pass. Speed is not asserted here; the benchmark reports it.
func TestBenchSmoke(t *testing.T) {
	reg, _ := opts.App("registration")
	sch, _ := opts.App("schedule")
	gw, _ := opts.App("gateway")
	procs := map[string]int{}
	for _, a := range opts.Apps() {
		for _, name := range []string{a.AppID, "daprd-" + a.AppID} {
			if p := stack.Proc(name); p != nil {
				procs[name] = p.PID
			}
		}
	}
	// The bench picks seeded students the registration app knows; its read model fills from
	// events after the seed, so a run of this test alone waits for it.
	var ids []string
	for _, s := range seeded.Campus.Students {
		ids = append(ids, s.ID)
	}
	eventually(t, 2*time.Minute, "registration to know the seeded students", func() bool {
		var n int
		_ = registrationDB(t).QueryRow(context.Background(), `SELECT count(*) FROM rm_students WHERE id = ANY($1::uuid[])`, ids).Scan(&n)
		return n == len(ids)
	})
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	rep, err := surge.Run(ctx, surge.Config{
		GatewayURL: appURL("gateway"), PaygateURL: appURL("paygate"),
		RegistrationDB: reg.Env["DATABASE_URL"], ScheduleDB: sch.Env["DATABASE_URL"],
		AdminDB:   "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable",
		RedisAddr: "127.0.0.1:6379", RedisDB: redisDB,
		InvokeSidecarURL: fmt.Sprintf("http://127.0.0.1:%d", gw.DaprHTTPPort), InvokeApp: "schedule", InvokePath: "api/v1/semesters",
		PublishSidecarURL: sidecarURL("registration"), PubSub: "pubsub",
		Procs: procs, ServerNames: []string{"postgres", "redis-server", "beam.smp", "ferretdb"},
		Campus: campus.Small, Password: seeded.DemoPassword, Staff: "registry", Semester: semester,
		Students: 150, HotSections: 2, HotSeats: 10, HotShare: 0.8, Window: 10 * time.Second, Concurrency: 16,
		Duplicates: 0.1, Declines: 0.2, Ineligible: 0.05, Drain: 3 * time.Minute,
		SagaRates: []float64{2}, SagaStep: 5 * time.Second, LimitTime: time.Second, LimitConcurrency: 4,
		RunID: fmt.Sprintf("e2e%d", time.Now().Unix()), Seed: 1, Progress: os.Stderr,
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := rep.Write(dir); err != nil {
		t.Fatal(err)
	}
	if !rep.Passed() {
		t.Fatalf("the bench's invariant report fails:\n%s", rep.Markdown())
	}
	if rep.Surge.Accepted == 0 || len(rep.Limits) == 0 {
		t.Fatalf("the smoke measured nothing:\n%s", rep.Markdown())
	}
	t.Logf("bench smoke: %d accepted, drained in %.1f s, %d invariants hold", rep.Surge.Accepted, rep.Surge.DrainSeconds, len(rep.Invariants))
}
