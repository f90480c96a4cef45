package e2e

// erp-sync against the real stack: a confirmed registration reaches the legacy ERP's tables
// in MariaDB (database registrar_e2e_erp, created here before the stack starts) through the
// Dapr MySQL binding, once, and a redelivered CloudEvent changes nothing.

import (
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/google/uuid"
)

// erpDatabase is the e2e stack's legacy ERP database (isolate points the binding's DSN at it).
const erpDatabase = "registrar_e2e_erp"

// prepareLegacyERP creates the e2e ERP database with the ERP's schema, through the same
// script `make setup` runs for registrar_erp. The binding pings it when the sidecar starts.
func prepareLegacyERP(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(repoRoot, "scripts", "legacy-erp.sh"), erpDatabase)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("legacy ERP schema: %v\n%s", err, out)
	}
	return nil
}

// erpDSN is the DSN the erp-sync sidecar's binding uses, for reading back what it wrote.
func erpDSN() (string, error) {
	a, ok := opts.App("erp-sync")
	if !ok {
		return "", fmt.Errorf("no erp-sync app in the template")
	}
	cfg, err := mysql.ParseDSN(a.Env["REGISTRAR_SECRET_LEGACY_ERP_DSN"])
	if err != nil {
		return "", err
	}
	if cfg.DBName != erpDatabase {
		return "", fmt.Errorf("the e2e binding points at database %q, not %q", cfg.DBName, erpDatabase)
	}
	cfg.ParseTime = true
	return cfg.FormatDSN(), nil
}

func dropLegacyERP(ctx context.Context) {
	dsn, err := erpDSN()
	if err != nil {
		fmt.Println("e2e cleanup:", err)
		return
	}
	// Connect to no database: the e2e one may not exist (yet, or any more).
	cfg, _ := mysql.ParseDSN(dsn)
	cfg.DBName = ""
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		return
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "DROP DATABASE IF EXISTS "+erpDatabase); err != nil {
		fmt.Println("e2e cleanup:", err)
	}
}

// erpLogsOnFailure shows the end of erp-sync's and its sidecar's logs if the test fails:
// the next run removes the run directory.
func erpLogsOnFailure(t *testing.T) {
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		for _, name := range []string{"erp-sync", "daprd-erp-sync"} {
			b, err := os.ReadFile(filepath.Join(opts.RunDir, "logs", name+".log"))
			if err != nil {
				continue
			}
			lines := strings.Split(strings.TrimSpace(string(b)), "\n")
			t.Logf("last lines of %s.log:\n%s", name, strings.Join(lines[max(0, len(lines)-40):], "\n"))
		}
	})
}

func openERP(t *testing.T) *sql.DB {
	t.Helper()
	erpLogsOnFailure(t)
	dsn, err := erpDSN()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// erpRows returns every column of the rows query selects, one "COL=value …" string a row.
func erpRows(t *testing.T, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rs, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	cols, _ := rs.Columns()
	var out []string
	for rs.Next() {
		vals := make([]sql.NullString, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rs.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		parts := make([]string, len(cols))
		for i, v := range vals {
			parts[i] = cols[i] + "=" + v.String
		}
		out = append(out, strings.Join(parts, " "))
	}
	if err := rs.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// erpCount counts the rows of from ("TABLE WHERE …" with placeholders for args).
func erpCount(t *testing.T, db *sql.DB, from string, args ...any) int {
	t.Helper()
	var n int
	if err := db.QueryRow("SELECT COUNT(*) FROM "+from, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// erpEvents reads erp-sync's counter of handled events of a type with an outcome.
func erpEvents(t *testing.T, typ, outcome string) float64 {
	t.Helper()
	return metricSum(t, "erp-sync", "registrar_erp_sync_events_total", `type="`+typ+`"`, `outcome="`+outcome+`"`)
}

// TestERPGetsOneRowPerConfirmedRegistrationAndIgnoresRedeliveries: a confirmed registration
// becomes exactly one ENROLMENT row and one STUDENT_MASTER row (with the name the event
// does not carry); the same registration.confirmed CloudEvent delivered three more times
// leaves both rows, and the row counts, exactly as they were.
func TestERPGetsOneRowPerConfirmedRegistrationAndIgnoresRedeliveries(t *testing.T) {
	db := openERP(t)
	section, module := newSection(t, 2)
	s, tok := enrolled(t)
	status, body := register(t, tok, "key-"+uuid.NewString(), []string{section}, "pm_card_visa")
	if status != http.StatusAccepted {
		t.Fatalf("register: %d %s", status, body)
	}
	reg := decode[accepted](t, body).Registrations[0]
	if r := waitStatus(t, tok, reg.ID, "CONFIRMED", "FAILED", "EXPIRED"); r.Status != "CONFIRMED" {
		t.Fatalf("registration ended %s (%s)", r.Status, r.Reason)
	}

	enrolment := `SELECT * FROM ENROLMENT WHERE REG_ID = ?`
	master := `SELECT * FROM STUDENT_MASTER WHERE STUDENT_ID = ?`
	eventually(t, 90*time.Second, "erp-sync to write the enrolment", func() bool {
		return len(erpRows(t, db, enrolment, reg.ID)) > 0
	})
	enrolled := erpRows(t, db, enrolment, reg.ID)
	students := erpRows(t, db, master, s.ID)
	if len(enrolled) != 1 || len(students) != 1 {
		t.Fatalf("rows for one confirmed registration: ENROLMENT %v, STUDENT_MASTER %v", enrolled, students)
	}
	if n := erpCount(t, db, "ENROLMENT WHERE STUDENT_ID = ?", s.ID); n != 1 {
		t.Fatalf("ENROLMENT rows of the student: %d, want 1", n)
	}
	year, term, _ := strings.Cut(semester, "-")
	for _, want := range []string{"STUDENT_ID=" + s.ID, "MODULE_CODE=" + module.Code, "SECTION_ID=" + section,
		"ACAD_YEAR=" + year, "TERM_CODE=" + term, "ENROL_STATUS=C", "SRC_VERSION="} {
		if !strings.Contains(enrolled[0]+" ", want) {
			t.Errorf("ENROLMENT row lacks %s: %s", want, enrolled[0])
		}
	}
	for _, want := range []string{"STUDENT_NO=" + s.StudentNumber + " ", "SURNAME=Hopper ", "FORENAMES=Grace ", "PROG_CODE=CS "} {
		if !strings.Contains(students[0]+" ", want) {
			t.Errorf("STUDENT_MASTER row lacks %s: %s", want, students[0])
		}
	}
	t.Logf("ENROLMENT %s", enrolled[0])
	t.Logf("STUDENT_MASTER %s", students[0])

	// The CloudEvent the registration app published, as it travelled on the broker.
	var ev tappedEvent
	eventually(t, 60*time.Second, "the tap to see the registration.confirmed.v1", func() bool {
		for _, e := range tap.Events() {
			if e.CE.Type == "registration.confirmed.v1" && strings.Contains(string(e.Data), `"`+reg.ID+`"`) {
				ev = e
				return true
			}
		}
		return false
	})
	dupsBefore := erpEvents(t, "registration.confirmed.v1", "duplicate")

	// Deliver it three more times, with the same CloudEvent id, through the registration
	// app's sidecar as its own publisher does.
	q := url.Values{"metadata.cloudevent.id": {ev.CE.ID}, "metadata.cloudevent.type": {ev.CE.Type}}
	for range 3 {
		u := sidecarURL("registration") + "/v1.0/publish/pubsub/" + ev.Topic + "?" + q.Encode()
		if status, _, body := call(t, http.MethodPost, u, ev.Data); status != http.StatusNoContent {
			t.Fatalf("republish %s: %d %s", ev.CE.ID, status, body)
		}
	}
	eventually(t, 60*time.Second, "erp-sync to receive the three redeliveries", func() bool {
		return erpEvents(t, "registration.confirmed.v1", "duplicate")-dupsBefore >= 3
	})

	if again := erpRows(t, db, enrolment, reg.ID); strings.Join(again, "\n") != strings.Join(enrolled, "\n") {
		t.Errorf("redeliveries changed the ENROLMENT row\nbefore %v\n after %v", enrolled, again)
	}
	if again := erpRows(t, db, master, s.ID); strings.Join(again, "\n") != strings.Join(students, "\n") {
		t.Errorf("redeliveries changed the STUDENT_MASTER row\nbefore %v\n after %v", students, again)
	}
	// No extra rows under either business key (other tests may add rows of their own).
	if e, m := erpCount(t, db, "ENROLMENT WHERE STUDENT_ID = ?", s.ID), erpCount(t, db, "STUDENT_MASTER WHERE STUDENT_ID = ?", s.ID); e != 1 || m != 1 {
		t.Errorf("after the redeliveries the student has %d ENROLMENT and %d STUDENT_MASTER rows, want 1 and 1", e, m)
	}
}

// TestERPSyncAloneReadsStudentRecords: the student record endpoint erp-sync uses answers
// through erp-sync's sidecar, without contact details, and access control refuses it to
// the other apps (the gateway and registration included).
func TestERPSyncAloneReadsStudentRecords(t *testing.T) {
	s := createStudent(t)
	path := "/v1.0/invoke/student/method/internal/v1/students/" + s.ID
	status, _, body := call(t, http.MethodGet, sidecarURL("erp-sync")+path, nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"familyName":"Hopper"`) {
		t.Fatalf("erp-sync reading the record: %d %s", status, body)
	}
	if strings.Contains(string(body), "@") || strings.Contains(string(body), "email") {
		t.Fatalf("the record carries contact details: %s", body)
	}
	for _, app := range []string{"gateway", "registration", "notification"} {
		if status, _, body := call(t, http.MethodGet, sidecarURL(app)+path, nil); status != http.StatusForbidden {
			t.Errorf("%s reading the record: %d %s, want 403", app, status, body)
		}
	}
}
