package e2e

import (
	"bufio"
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// requestsServed sums the student app's own counter of requests for a method and route.
func requestsServed(t *testing.T, app, method, route string) float64 {
	t.Helper()
	status, _, body := call(t, http.MethodGet, appURL(app)+"/metrics", nil)
	if status != http.StatusOK {
		t.Fatalf("%s /metrics: %d", app, status)
	}
	var sum float64
	sc := bufio.NewScanner(bytes.NewReader(body))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "registrar_http_requests_total{") ||
			!strings.Contains(line, `method="`+method+`"`) || !strings.Contains(line, `route="`+route+`"`) {
			continue
		}
		v, err := strconv.ParseFloat(line[strings.LastIndexByte(line, ' ')+1:], 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += v
	}
	return sum
}

// restartSidecar restarts an app's daprd with the given Configuration file.
func restartSidecar(t *testing.T, app, config string) {
	t.Helper()
	stack.StopProc("daprd-" + app)
	if err := stack.StartSidecar(app, config); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	if err := stack.WaitHealthy(ctx, app, 90*time.Second); err != nil {
		t.Fatal(err)
	}
}

func TestAccessControlRefusesCallersNotListed(t *testing.T) {
	invoke := sidecarURL("analytics") + "/v1.0/invoke/student/method/api/v1/students"
	// Headers a trusted caller would set; access control must refuse before they matter.
	asStaff := []string{"X-Registrar-User", "e2e", "X-Registrar-Role", "registry"}
	before := requestsServed(t, "student", "GET", "/api/v1/students")

	status, _, body := call(t, http.MethodGet, invoke, nil, asStaff...)
	if status != http.StatusForbidden || !strings.Contains(string(body), "access control policy has denied access") {
		t.Fatalf("analytics → student: %d %s, want 403 from access control", status, body)
	}
	if after := requestsServed(t, "student", "GET", "/api/v1/students"); after != before {
		t.Fatalf("the student app served the refused call: counter %v → %v", before, after)
	}

	// The same call once the student app's Configuration lists the analytics app.
	original := filepath.Join(repoRoot, "dapr-config", "student.yaml")
	cfg, err := os.ReadFile(original)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(strings.TrimSpace(string(cfg)), "action: allow") {
		t.Fatal("dapr-config/student.yaml no longer ends with its policies list; update this test")
	}
	widened := string(cfg) + `      - appId: analytics
        defaultAction: allow
        trustDomain: "public"
        namespace: "default"
`
	path := filepath.Join(t.TempDir(), "student-allows-analytics.yaml")
	if err := os.WriteFile(path, []byte(widened), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { restartSidecar(t, "student", original) })
	restartSidecar(t, "student", path)

	status, _, body = call(t, http.MethodGet, invoke, nil, asStaff...)
	if status != http.StatusOK {
		t.Fatalf("after listing the caller: %d %s", status, body)
	}
	if after := requestsServed(t, "student", "GET", "/api/v1/students"); after != before+1 {
		t.Fatalf("student counter %v → %v, want one more", before, after)
	}
}
