// Package daprtest gives adapter tests a real Dapr sidecar of their own: a daprd (the
// project's build, from DAPR_BIN_DIR) with just the components a test names, no app and no
// control plane, stopped when the test ends. Tests using it are skipped when DAPR_BIN_DIR
// is not set (run them through `make test`, which builds the runtime).
package daprtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	dapr "github.com/dapr/go-sdk/client"
	"github.com/redis/go-redis/v9"
)

// RedisAddr is the Redis server tests use.
const RedisAddr = "127.0.0.1:6379"

// RedisState is a state.redis component named name, keys prefixed with the sidecar's app id.
func RedisState(name string) string {
	return fmt.Sprintf(`apiVersion: dapr.io/v1alpha1
kind: Component
metadata:
  name: %s
spec:
  type: state.redis
  version: v1
  metadata:
    - name: redisHost
      value: %q
    - name: keyPrefix
      value: appid
`, name, RedisAddr)
}

// freePorts returns n free loopback ports below 32768 (the kernel's ephemeral range).
func freePorts(t testing.TB, n int) []int {
	t.Helper()
	var out []int
	for len(out) < n {
		p, _ := rand.Int(rand.Reader, big.NewInt(4000))
		port := 26000 + int(p.Int64())
		ln, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(port))
		if err != nil {
			continue
		}
		ln.Close()
		out = append(out, port)
	}
	return out
}

// Sidecar is a running test daprd.
type Sidecar struct {
	AppID  string
	Client dapr.Client
}

// Start runs a daprd with the given component documents under a unique app id (so its
// state keys never meet anyone else's) and returns a connected client. Redis keys under
// the app id are deleted when the test ends.
func Start(t testing.TB, components ...string) *Sidecar {
	t.Helper()
	bin := os.Getenv("DAPR_BIN_DIR")
	if bin == "" {
		t.Skip("DAPR_BIN_DIR is not set: run through `make test` (it builds the Dapr runtime)")
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	appID := "daprtest-" + hex.EncodeToString(b)
	dir := t.TempDir()
	for i, c := range components {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("c%d.yaml", i)), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ports := freePorts(t, 5)
	cmd := exec.Command(filepath.Join(bin, "daprd"), "--mode", "standalone", "--app-id", appID,
		"--dapr-listen-addresses", "127.0.0.1", "--dapr-http-port", strconv.Itoa(ports[0]),
		"--dapr-grpc-port", strconv.Itoa(ports[1]), "--dapr-internal-grpc-port", strconv.Itoa(ports[2]),
		"--dapr-internal-grpc-listen-address", "127.0.0.1", "--metrics-port", strconv.Itoa(ports[3]),
		"--metrics-listen-address", "127.0.0.1", "--resources-path", dir,
		"--placement-host-address", "", "--scheduler-host-address", "", "--log-level", "warn")
	logf, err := os.Create(filepath.Join(dir, "daprd.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatalf("start daprd: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
		if t.Failed() {
			if b, err := os.ReadFile(logf.Name()); err == nil {
				t.Logf("daprd log:\n%s", b)
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var c dapr.Client
	for {
		c, err = dapr.NewClientWithAddressContext(ctx, "127.0.0.1:"+strconv.Itoa(ports[1]))
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("daprd did not answer: %v", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Cleanup(c.Close)
	// Components load after the gRPC port opens: wait until the sidecar is healthy.
	for {
		if err := c.Wait(ctx, time.Second); err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatal("daprd did not become ready")
		}
	}
	t.Cleanup(func() {
		r := redis.NewClient(&redis.Options{Addr: RedisAddr})
		defer r.Close()
		bg := context.Background()
		if keys, err := r.Keys(bg, appID+"||*").Result(); err == nil && len(keys) > 0 {
			_ = r.Del(bg, keys...).Err()
		}
	})
	return &Sidecar{AppID: appID, Client: c}
}
