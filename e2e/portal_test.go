package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	identityadapters "github.com/registrar-edu/registrar/apps/identity/adapters"
	identitydomain "github.com/registrar-edu/registrar/apps/identity/domain"
	"github.com/registrar-edu/registrar/internal/campus"
)

// portalUser is an account the browser logs in with.
type portalUser struct {
	Username string `json:"username"`
	Password string `json:"password"`
	ID       string `json:"id,omitempty"`
}

// portalStudent enrols a student, opens their account and waits until registration knows
// them, returning what the login form needs.
func portalStudent(t *testing.T, label string) portalUser {
	t.Helper()
	s := createStudent(t)
	name := fmt.Sprintf("portal-%s-%d", label, time.Now().UnixNano()%1e9)
	pw := users.create(t, name, "student", s.ID)
	eventually(t, 60*time.Second, "the registration app to learn about "+name, func() bool {
		var ok bool
		_ = registrationDB(t).QueryRow(context.Background(), `SELECT true FROM rm_students WHERE id = $1`, s.ID).Scan(&ok)
		return ok
	})
	return portalUser{Username: name, Password: pw, ID: s.ID}
}

// csModules are seeded spring modules of the CS programme (the programme createStudent
// enrols into), without co-requisites: open ones (no prerequisites) and ones with
// prerequisites a new student lacks.
func csModules(t *testing.T) (open, gated []campus.Module) {
	for _, m := range seeded.Campus.Modules {
		if !slices.Contains(m.Programmes, "CS") || !slices.Contains(m.Terms, "SPRING") || len(m.Corequisites) > 0 {
			continue
		}
		if m.Prerequisites == nil {
			open = append(open, m)
		} else {
			gated = append(gated, m)
		}
	}
	if len(open) == 0 || len(gated) == 0 {
		t.Fatalf("the seeded campus lacks CS spring modules: %d open, %d with prerequisites", len(open), len(gated))
	}
	return open, gated
}

// screenshotsDir is where the browser tests save their screenshots: outside the work tree
// by default, so that a test run never modifies tracked files; `make screenshots` points it
// at docs/screenshots (PORTAL_SCREENSHOTS_DIR) to refresh the ones in the README.
func screenshotsDir() string {
	if d := os.Getenv("PORTAL_SCREENSHOTS_DIR"); d != "" {
		return d
	}
	return filepath.Join(os.Getenv("REGISTRAR_HOME"), "run", "portal", "screenshots")
}

// TestPortalInTheBrowser drives the web portal in headless Chromium (playwright-core, see
// apps/gateway/web/tests/portal.mjs) against the gateway of this stack: a student registers
// and watches the confirmation arrive live, then downloads the admission form; a declined
// card fails and the seat is offered to the waitlisted student; a missing prerequisite is
// named; registry staff watch the dashboard move. Its screenshots, refreshed with
// `make screenshots`, are the ones in docs/screenshots and the README.
func TestPortalInTheBrowser(t *testing.T) {
	web := filepath.Join(repoRoot, "apps", "gateway", "web")
	for _, need := range []string{"/usr/bin/chromium", filepath.Join(web, "node_modules", "playwright-core"), filepath.Join(web, "dist", "index.html")} {
		if _, err := os.Stat(need); err != nil {
			t.Fatalf("%s is missing: run make setup (scripts/build-web.sh installs chromium, the web packages and builds the portal)", need)
		}
	}
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node is not on PATH: the portal's browser tests run with Node.js")
	}

	open, gated := csModules(t)
	second := open[min(1, len(open)-1)]
	happy, _ := newSectionOf(t, open[0], 5)
	clash, _ := newSectionOf(t, second, 5) // the same weekly slot as happy: they clash
	scarce, _ := newSectionOf(t, second, 1)
	prereq, _ := newSectionOf(t, gated[0], 5)

	registry := portalUser{Username: fmt.Sprintf("portal-registry-%d", time.Now().UnixNano()%1e9)}
	registry.Password = users.create(t, registry.Username, "registry", "")
	cfg := map[string]any{
		"baseURL":     appURL("gateway"),
		"semester":    semester,
		"chromium":    "/usr/bin/chromium",
		"screenshots": screenshotsDir(),
		"artifacts":   filepath.Join(os.Getenv("REGISTRAR_HOME"), "run", "portal"),
		"sections":    map[string]string{"happy": happy, "clash": clash, "scarce": scarce, "prereq": prereq},
		"modules":     map[string]string{"happy": open[0].Code, "scarce": second.Code, "prereq": gated[0].Code},
	}
	cfg["users"] = map[string]portalUser{
		"lecturer": lecturerAccount(t, happy),
		"happy":    portalStudent(t, "happy"),
		"declined": portalStudent(t, "declined"),
		"waiting":  portalStudent(t, "waiting"),
		"prereq":   portalStudent(t, "prereq"),
		"registry": registry,
	}
	js, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join("tests", "portal.mjs"))
	cmd.Dir = web
	cmd.Env = append(os.Environ(), "PORTAL_CONFIG="+string(js), "PORTAL_SCENARIOS="+os.Getenv("PORTAL_SCENARIOS"))
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.CombinedOutput()
	t.Logf("browser test output:\n%s", out)
	if err != nil {
		t.Fatalf("the portal's browser tests failed (%v); failure screenshots are in %s", err, cfg["artifacts"])
	}
}

// lecturerAccount opens an account for the lecturer of a section: its user id is the
// lecturer record's id, as `make seed` does for the demo lecturer.
func lecturerAccount(t *testing.T, sectionID string) portalUser {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/sections/"+sectionID, nil, bearer(users.token(t, "registry"))...)
	if status != http.StatusOK {
		t.Fatalf("section %s: %d %s", sectionID, status, body)
	}
	lecturerID := decode[struct {
		LecturerID string `json:"lecturerId"`
	}](t, body).LecturerID
	spec, _ := opts.App("identity")
	pool, err := pgxpool.New(context.Background(), spec.Env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	pw := randomPassword()
	hash, err := identityadapters.DefaultArgon2id.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("portal-lecturer-%d", time.Now().UnixNano()%1e9)
	u, err := identitydomain.NewUser(lecturerID, name, hash, "lecturer", "", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&identityadapters.PostgresUsers{Pool: pool}).Import(context.Background(), []identitydomain.User{u}); err != nil {
		t.Fatalf("lecturer account: %v", err)
	}
	return portalUser{Username: name, Password: pw, ID: lecturerID}
}

// A lecturer sees the sections they teach and their rosters, and no other section's
// roster; registry staff see any; students none.
func TestPortalLecturerRosters(t *testing.T) {
	mine, _ := newSection(t, 3)
	other, _ := newSection(t, 3)
	s, tok := enrolled(t)
	status, body := register(t, tok, "key-"+uuid.NewString(), []string{mine}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	waitStatus(t, tok, decode[accepted](t, body).Registrations[0].ID, "CONFIRMED")

	lect := lecturerAccount(t, mine)
	status, pair := login(t, lect.Username, lect.Password)
	if status != http.StatusOK {
		t.Fatalf("lecturer login: %d", status)
	}
	lt := bearer(pair.AccessToken)
	status, _, body = call(t, http.MethodGet, appURL("gateway")+"/api/v1/teaching", nil, lt...)
	taught := decode[struct {
		Items []struct {
			ID        string `json:"id"`
			Confirmed int    `json:"confirmed"`
		} `json:"items"`
	}](t, body)
	if status != http.StatusOK || len(taught.Items) != 1 || taught.Items[0].ID != mine || taught.Items[0].Confirmed != 1 {
		t.Fatalf("teaching: %d %s", status, body)
	}
	status, _, body = call(t, http.MethodGet, appURL("gateway")+"/api/v1/sections/"+mine+"/roster", nil, lt...)
	roster := decode[struct {
		Students []struct {
			StudentID string `json:"studentId"`
			Status    string `json:"status"`
		} `json:"students"`
	}](t, body)
	if status != http.StatusOK || len(roster.Students) != 1 || roster.Students[0].StudentID != s.ID || roster.Students[0].Status != "CONFIRMED" {
		t.Fatalf("own roster: %d %s", status, body)
	}
	if status, _, body := call(t, http.MethodGet, appURL("gateway")+"/api/v1/sections/"+other+"/roster", nil, lt...); status != http.StatusForbidden {
		t.Fatalf("another lecturer's roster: %d %s, want 403", status, body)
	}
	if status, _, _ := call(t, http.MethodGet, appURL("gateway")+"/api/v1/sections/"+other+"/roster", nil, bearer(users.token(t, "registry"))...); status != http.StatusOK {
		t.Fatalf("registry staff, any roster: %d, want 200", status)
	}
	if status, _, _ := call(t, http.MethodGet, appURL("gateway")+"/api/v1/sections/"+mine+"/roster", nil, bearer(tok)...); status != http.StatusForbidden {
		t.Fatalf("a student asking for a roster: %d, want 403", status)
	}
	if status, _, _ := call(t, http.MethodGet, appURL("gateway")+"/api/v1/sections/"+uuid.NewString()+"/roster", nil, bearer(users.token(t, "registry"))...); status != http.StatusNotFound {
		t.Fatalf("unknown section: %d, want 404", status)
	}
}
