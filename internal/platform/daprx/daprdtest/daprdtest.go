// Package daprdtest starts a bare daprd for adapter tests that go through a Dapr component
// (an output binding, a state store): the runtime `make setup` builds (DAPR_BIN_DIR), the
// repository's own component files, no control plane, loopback only.
package daprdtest

import (
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
)

// Sidecar is a running daprd.
type Sidecar struct {
	Client   dapr.Client
	HTTPBase string
}

// FreePort picks a free loopback port below the kernel's ephemeral range.
func FreePort(t testing.TB) int {
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

// RepoRoot is the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}

// Start runs daprd as appID with the named files of components/local (e.g.
// "admission-forms.yaml", "secretstore.yaml") and env added to its environment (the env
// secret store reads REGISTRAR_SECRET_*). It skips the test when DAPR_BIN_DIR is unset and
// stops daprd when the test ends, showing its output if the test failed.
func Start(t testing.TB, appID string, components []string, env ...string) *Sidecar {
	t.Helper()
	bin := os.Getenv("DAPR_BIN_DIR")
	if bin == "" {
		t.Skip("DAPR_BIN_DIR is not set: run through `make test`, which builds the Dapr runtime")
	}
	res := t.TempDir()
	for _, f := range components {
		b, err := os.ReadFile(filepath.Join(RepoRoot(), "components", "local", f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(res, f), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	httpPort, grpcPort := FreePort(t), FreePort(t)
	cmd := exec.Command(filepath.Join(bin, "daprd"), "--mode", "standalone", "--app-id", appID,
		"--dapr-listen-addresses", "127.0.0.1", "--dapr-http-port", fmt.Sprint(httpPort), "--dapr-grpc-port", fmt.Sprint(grpcPort),
		"--dapr-internal-grpc-port", fmt.Sprint(FreePort(t)), "--dapr-internal-grpc-listen-address", "127.0.0.1",
		"--metrics-port", fmt.Sprint(FreePort(t)), "--metrics-listen-address", "127.0.0.1",
		"--resources-path", res, "--log-level", "warn")
	cmd.Env = append(append(os.Environ(), "DAPR_HOST_IP=127.0.0.1"), env...)
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
	base := fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(base + "/v1.0/healthz")
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
	return &Sidecar{Client: c, HTTPBase: base}
}
