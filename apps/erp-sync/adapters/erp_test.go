package adapters

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
)

// serverDSN is the MariaDB server the adapter tests use (REGISTRAR_TEST_MARIADB overrides it).
func serverDSN() string {
	if d := os.Getenv("REGISTRAR_TEST_MARIADB"); d != "" {
		return d
	}
	return "root@tcp(127.0.0.1:3306)/"
}

// newERP creates a database of the test's own with the legacy schema, and drops it after.
func newERP(t *testing.T) *sql.DB {
	t.Helper()
	db, _ := newERPNamed(t)
	return db
}

// newERPNamed is newERP that also names the database.
func newERPNamed(t *testing.T) (*sql.DB, string) {
	t.Helper()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "registrar_test_erp_" + hex.EncodeToString(b)
	admin, err := sql.Open("mysql", serverDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS "+name); err != nil {
			t.Errorf("drop test database: %v", err)
		}
	})
	cfg, err := mysql.ParseDSN(serverDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName, cfg.MultiStatements, cfg.ParseTime = name, true, true
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	schema, err := os.ReadFile("../legacy-erp.sql")
	if err != nil {
		t.Fatal(err)
	}
	// Twice: the schema must apply idempotently.
	for range 2 {
		if _, err := db.ExecContext(ctx, string(schema)); err != nil {
			t.Fatalf("apply legacy-erp.sql: %v", err)
		}
	}
	return db, name
}

// execLikeTheBinding runs st as bindings.mysql does: params travel as a JSON array and are
// decoded into []any (numbers become float64) before ExecContext.
func execLikeTheBinding(t *testing.T, db *sql.DB, st Statement) error {
	t.Helper()
	raw, err := json.Marshal(st.Params)
	if err != nil {
		t.Fatal(err)
	}
	var params []any
	if err := json.Unmarshal(raw, &params); err != nil {
		t.Fatal(err)
	}
	_, err = db.ExecContext(context.Background(), st.SQL, params...)
	return err
}

func rows(t *testing.T, db *sql.DB, query string) []string {
	t.Helper()
	rs, err := db.Query(query)
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
	return out
}

const (
	studentID = "0b6f4c1e-8d0e-4a51-9c55-3f2d2f8f2a10"
	regID     = "6a1d3c52-7e0b-4f0e-8b9a-2b1b4a3c9d01"
)

func master(version int, surname string) domain.StudentMaster {
	return domain.StudentMaster{StudentID: studentID, StudentNo: "S2026001", Surname: surname, Forenames: "Ada",
		ProgCode: "CS", YearOfStudy: 1, SrcVersion: version}
}

func TestStudentMasterUpsertIsIdempotentAndKeepsTheNewestVersion(t *testing.T) {
	db := newERP(t)
	for range 3 {
		if err := execLikeTheBinding(t, db, UpsertStudentStatement(master(2, "King"))); err != nil {
			t.Fatal(err)
		}
	}
	first := rows(t, db, "SELECT * FROM STUDENT_MASTER")
	if len(first) != 1 || !strings.Contains(first[0], "SURNAME=King ") {
		t.Fatalf("after three writes: %v", first)
	}
	time.Sleep(5 * time.Millisecond) // a changed LAST_UPD_TS would show
	if err := execLikeTheBinding(t, db, UpsertStudentStatement(master(2, "King"))); err != nil {
		t.Fatal(err)
	}
	// An older version (a reordered redelivery) changes nothing either.
	if err := execLikeTheBinding(t, db, UpsertStudentStatement(master(1, "Byron"))); err != nil {
		t.Fatal(err)
	}
	if again := rows(t, db, "SELECT * FROM STUDENT_MASTER"); strings.Join(again, "\n") != strings.Join(first, "\n") {
		t.Fatalf("a repeated or older write changed the row\nbefore %v\n after %v", first, again)
	}
	if err := execLikeTheBinding(t, db, UpsertStudentStatement(master(3, "Lovelace"))); err != nil {
		t.Fatal(err)
	}
	if got := rows(t, db, "SELECT SURNAME, SRC_VERSION FROM STUDENT_MASTER"); len(got) != 1 ||
		got[0] != "SURNAME=Lovelace SRC_VERSION=3" {
		t.Fatalf("a newer version was not taken: %v", got)
	}
}

func TestEnrolmentUpsertIsIdempotent(t *testing.T) {
	db := newERP(t)
	e := domain.Enrolment{RegID: regID, StudentID: studentID, ModuleCode: "CS1010",
		SectionID: "f3a9e0d2-1c4b-4e8f-a7d6-5b2c8e9f0a13", AcadYear: 2026, TermCode: "AUT",
		FeeMinor: 9007199254740993, // above 2^53: exact only as a string
		Currency: "GBP", Status: domain.EnrolmentConfirmed,
		ConfirmedAt: time.Date(2026, 9, 1, 8, 15, 30, 123456000, time.UTC), SrcVersion: 3}
	for range 3 {
		if err := execLikeTheBinding(t, db, UpsertEnrolmentStatement(e)); err != nil {
			t.Fatal(err)
		}
	}
	got := rows(t, db, "SELECT REG_ID, STUDENT_ID, MODULE_CODE, ACAD_YEAR, TERM_CODE, FEE_MINOR, CURRENCY_CODE, ENROL_STATUS, CONFIRMED_TS, SRC_VERSION FROM ENROLMENT")
	want := "REG_ID=" + regID + " STUDENT_ID=" + studentID + " MODULE_CODE=CS1010 ACAD_YEAR=2026 TERM_CODE=AUT " +
		"FEE_MINOR=9007199254740993 CURRENCY_CODE=GBP ENROL_STATUS=C CONFIRMED_TS=2026-09-01T08:15:30.123456Z SRC_VERSION=3"
	if len(got) != 1 || got[0] != want {
		t.Fatalf("enrolment rows\n got %v\nwant [%s]", got, want)
	}
}

func TestARowTheERPRefusesIsUnmappable(t *testing.T) {
	db := newERP(t)
	err := execLikeTheBinding(t, db, UpsertStudentStatement(master(1, strings.Repeat("x", 101))))
	if err == nil {
		t.Fatal("MariaDB took a 101-character surname")
	}
	if !errors.Is(classify(err), domain.ErrUnmappable) {
		t.Fatalf("%v is classified as transient", err)
	}
	if errors.Is(classify(errors.New("rpc error: code = Internal desc = error invoking binding legacy-erp/exec: dial tcp 127.0.0.1:3306: connect: connection refused")),
		domain.ErrUnmappable) {
		t.Fatal("a refused connection is classified as unmappable")
	}
	if errors.Is(classify(errors.New("error executing query: Error 1213 (40001): Deadlock found when trying to get lock")),
		domain.ErrUnmappable) {
		t.Fatal("a deadlock is classified as unmappable")
	}
}
