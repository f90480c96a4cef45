package e2e

import (
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// TestMakeRunThenStop is the README's promise: `make run` starts the platform and prints the
// gateway URL, the gateway's /readyz reports each dependency, and `make stop` leaves no
// process of the platform running.
func TestMakeRunThenStop(t *testing.T) {
	home := os.Getenv("REGISTRAR_HOME")
	state := filepath.Join(home, "run", "local", "stack.json")
	if _, err := os.Stat(state); err == nil {
		t.Skip("a platform started by `make run` is running on this machine; not touching it")
	}
	make := func(target string) string {
		cmd := exec.Command("make", "-s", target)
		cmd.Dir = repoRoot
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("make %s: %v\n%s", target, err, out)
		}
		return string(out)
	}
	out := make("run")
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			make("stop")
		}
	})
	if !strings.Contains(out, "http://127.0.0.1:21100") {
		t.Errorf("make run did not print the gateway URL:\n%s", out)
	}
	raw, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}
	var recorded struct {
		Procs []struct {
			Name string `json:"name"`
			PID  int    `json:"pid"`
		} `json:"procs"`
	}
	if err := json.Unmarshal(raw, &recorded); err != nil {
		t.Fatal(err)
	}
	if len(recorded.Procs) < 9 {
		t.Fatalf("make run recorded %d processes, want control plane + 3 apps + 3 sidecars", len(recorded.Procs))
	}

	status, _, body := call(t, http.MethodGet, "http://127.0.0.1:21100/readyz", nil)
	if status != http.StatusOK || !strings.Contains(string(body), `"sidecar":"ok"`) {
		t.Fatalf("gateway /readyz after make run: %d %s", status, body)
	}

	make("stop")
	stopped = true
	for _, p := range recorded.Procs {
		if running(p.PID) {
			t.Errorf("%s (pid %d) still runs after make stop", p.Name, p.PID)
		}
	}
	if _, err := os.Stat(state); !os.IsNotExist(err) {
		t.Errorf("make stop left its state file behind")
	}
}

// running reports whether pid is a live (not zombie) process.
func running(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	return err == nil && !strings.Contains(string(b), "State:\tZ")
}
