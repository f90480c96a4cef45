package adapters

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/go-sql-driver/mysql"

	"github.com/registrar-edu/registrar/apps/erp-sync/domain"
)

// freePort picks a free loopback port below the kernel's ephemeral range.
func freePort(t *testing.T) int {
	t.Helper()
	for range 100 {
		p := 25000 + rand.IntN(5000)
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p)); err == nil {
			ln.Close()
			return p
		}
	}
	t.Fatal("no free port")
	return 0
}

// sidecarWithERP starts a daprd (the runtime `make setup` builds, from DAPR_BIN_DIR) that
// loads the real components/local/legacy-erp.yaml and secret store, its DSN pointing at
// database. It returns a Dapr client on it and stops it when the test ends.
func sidecarWithERP(t *testing.T, database string) dapr.Client {
	t.Helper()
	bin := os.Getenv("DAPR_BIN_DIR")
	if bin == "" {
		t.Skip("DAPR_BIN_DIR is not set: run through `make test`, which builds the Dapr runtime")
	}
	res := t.TempDir()
	for _, f := range []string{"legacy-erp.yaml", "secretstore.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "..", "components", "local", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(res, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := mysql.ParseDSN(serverDSN())
	if err != nil {
		t.Fatal(err)
	}
	cfg.DBName = database
	httpPort, grpcPort := freePort(t), freePort(t)
	cmd := exec.Command(filepath.Join(bin, "daprd"), "--mode", "standalone", "--app-id", "erp-sync",
		"--dapr-listen-addresses", "127.0.0.1", "--dapr-http-port", fmt.Sprint(httpPort), "--dapr-grpc-port", fmt.Sprint(grpcPort),
		"--dapr-internal-grpc-port", fmt.Sprint(freePort(t)), "--metrics-port", fmt.Sprint(freePort(t)),
		"--metrics-listen-address", "127.0.0.1", "--resources-path", res, "--log-level", "warn")
	cmd.Env = append(os.Environ(), "REGISTRAR_SECRET_LEGACY_ERP_DSN="+cfg.FormatDSN(), "DAPR_HOST_IP=127.0.0.1")
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("daprd output:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/v1.0/healthz", httpPort))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("daprd not healthy after 30s")
		}
		time.Sleep(200 * time.Millisecond)
	}
	c, err := dapr.NewClientWithAddress(fmt.Sprintf("127.0.0.1:%d", grpcPort))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c
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
