package adapters

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/go-sql-driver/mysql"

	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
	"github.com/registrar-edu/registrar/internal/platform/daprx/daprdtest"
)

// sidecarWithERP starts a daprd that loads the real components/local/legacy-erp.yaml and
// secret store, its DSN pointing at database, and returns a Dapr client on it.
func sidecarWithERP(t *testing.T, database string) dapr.Client {
	t.Helper()
	cfg, err := mysql.ParseDSN(serverDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = database
	sc := daprdtest.Start(t, "erp-sync", []string{"legacy-erp.yaml", "secretstore.yaml"},
		"REGISTRAR_SECRET_LEGACY_ERP_DSN="+cfg.FormatDSN())
	return sc.Client
}

// TestBindingERPThroughARealSidecar runs the adapter through daprd's MySQL binding, as
// erp-sync does: repeated writes leave one unchanged row each, and a row MariaDB refuses
// comes back unmappable (dropped), not transient.
func TestBindingERPThroughARealSidecar(t *testing.T) {
	db, name := newERPNamed(t)
	c := sidecarWithERP(t, name)
	erp := &BindingERP{Binding: "legacy-erp", Client: func(context.Context) (BindingClient, error) { return c, nil }}
	ctx := context.Background()
	e := domain.Enrolment{RegID: regID, StudentID: studentID, ModuleCode: "CS1010",
		SectionID: "f3a9e0d2-1c4b-4e8f-a7d6-5b2c8e9f0a13", AcadYear: 2026, TermCode: "SPR", FeeMinor: 125050,
		Currency: "GBP", Status: domain.EnrolmentConfirmed, ConfirmedAt: time.Date(2026, 2, 1, 9, 0, 0, 1000, time.UTC),
		SrcVersion: 2}
	var first []string
	for i := range 3 {
		if err := erp.UpsertStudent(ctx, master(1, "King")); err != nil {
			t.Fatal(err)
		}
		if err := erp.UpsertEnrolment(ctx, e); err != nil {
			t.Fatal(err)
		}
		got := append(rows(t, db, "SELECT * FROM STUDENT_MASTER"), rows(t, db, "SELECT * FROM ENROLMENT")...)
		if i == 0 {
			first = got
		}
		if len(got) != 2 || strings.Join(got, "\n") != strings.Join(first, "\n") {
			t.Fatalf("write %d changed the ERP\nfirst %v\n  now %v", i+1, first, got)
		}
	}
	if !strings.Contains(first[1], "FEE_MINOR=125050 ") || !strings.Contains(first[1], "CONFIRMED_TS=2026-02-01T09:00:00.000001Z ") {
		t.Fatalf("enrolment row: %s", first[1])
	}
	err := erp.UpsertStudent(ctx, master(2, strings.Repeat("x", 101)))
	if !errors.Is(err, domain.ErrUnmappable) {
		t.Fatalf("a surname too long for the ERP gave %v, want ErrUnmappable", err)
	}
}
