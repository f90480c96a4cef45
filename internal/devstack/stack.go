package devstack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Options says where a stack's binaries, logs and state live and how its ports are shifted.
type Options struct {
	Template     *Template
	DaprBinDir   string            // daprd, placement, scheduler, sentry
	RunDir       string            // logs, state file, scheduler and name-resolution data, built apps
	PKIDir       string            // sentry's issuer credentials (ca.crt, issuer.crt, issuer.key)
	SentryConfig string            // the control plane's Configuration file (daprsystem)
	SecretsDir   string            // files that become the sidecars' local secrets (NAME from the file name)
	ControlBase  int               // first control-plane port (sentry = base+1 …); below 32768
	PortOffset   int               // added to every app and sidecar port of the template
	Env          map[string]string // overrides of the template's environment, for every process
	Out          io.Writer         // progress lines
	Grace        time.Duration     // SIGTERM grace before SIGKILL
}

// Stack is a running platform.
type Stack struct {
	opts  Options
	mu    sync.Mutex
	procs []*Proc
	trust string
}

// ControlPorts are the control plane's ports for a base.
type ControlPorts struct {
	Sentry, Placement, PlacementRaft, Scheduler, EtcdClient, EtcdPeer int
	SentryHealth, PlacementHealth, SchedulerHealth                    int
}

// Ports derives the control-plane ports from the base.
func (o Options) Ports() ControlPorts {
	b := o.ControlBase
	return ControlPorts{Sentry: b + 1, Placement: b + 2, PlacementRaft: b + 3, Scheduler: b + 4,
		EtcdClient: b + 5, EtcdPeer: b + 6, SentryHealth: b + 11, PlacementHealth: b + 12, SchedulerHealth: b + 13}
}

func (o *Options) defaults() {
	if o.Out == nil {
		o.Out = io.Discard
	}
	if o.Grace == 0 {
		o.Grace = 5 * time.Second
	}
	if o.ControlBase == 0 {
		o.ControlBase = 21000
	}
}

// Apps returns the template's apps with the port offset applied and the overrides merged:
// what the stack really runs.
func (o Options) Apps() []AppSpec {
	out := make([]AppSpec, 0, len(o.Template.Apps))
	for _, a := range o.Template.Apps {
		a.AppPort += o.PortOffset
		a.DaprHTTPPort += o.PortOffset
		a.DaprGRPCPort += o.PortOffset
		a.DaprInternalGRPCPort += o.PortOffset
		a.MetricsPort += o.PortOffset
		a.Env = maps.Clone(a.Env)
		maps.Copy(a.Env, o.Env)
		out = append(out, a)
	}
	return out
}

// App returns the effective spec of one app.
func (o Options) App(id string) (AppSpec, bool) {
	for _, a := range o.Apps() {
		if a.AppID == id {
			return a, true
		}
	}
	return AppSpec{}, false
}

func (s *Stack) logf(format string, args ...any) { fmt.Fprintf(s.opts.Out, format+"\n", args...) }

func (s *Stack) add(p *Proc) {
	s.mu.Lock()
	s.procs = append(s.procs, p)
	s.mu.Unlock()
	_ = s.save()
}

// Up starts the control plane, then every app and sidecar, and waits until all are healthy.
// On failure it stops what it started.
func Up(ctx context.Context, opts Options) (*Stack, error) {
	opts.defaults()
	s := &Stack{opts: opts}
	if err := os.MkdirAll(filepath.Join(opts.RunDir, "logs"), 0o755); err != nil {
		return nil, err
	}
	if prev, err := LoadState(opts.RunDir); err == nil && prev.anyAlive() {
		return nil, fmt.Errorf("a stack is already running from %s: stop it first", opts.RunDir)
	}
	ok := false
	defer func() {
		if !ok {
			s.Down()
		}
	}()
	if err := s.buildApps(ctx); err != nil {
		return nil, err
	}
	if err := s.startControlPlane(ctx); err != nil {
		return nil, err
	}
	apps := opts.Apps()
	for _, a := range apps {
		if err := s.startApp(a); err != nil {
			return nil, err
		}
		if err := s.startSidecar(a, a.ConfigFilePath); err != nil {
			return nil, err
		}
	}
	s.logf("    waiting for %d apps and their sidecars to be healthy", len(apps))
	errs := make(chan error, len(apps))
	for _, a := range apps {
		go func() { errs <- s.waitHealthy(ctx, a, 120*time.Second) }()
	}
	var all []error
	for range apps {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	if err := errors.Join(all...); err != nil {
		return nil, err
	}
	ok = true
	return s, nil
}

// moduleRoot finds the go.mod above dir.
func moduleRoot(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d, nil
		}
		if filepath.Dir(d) == d {
			return "", fmt.Errorf("no go.mod above %s", dir)
		}
	}
}

// goRun reports whether an app's command is the template's `go run .`, which the runner
// replaces by one build of all apps (faster than a compile per app at every start).
func goRun(a AppSpec) bool {
	return slices.Equal(a.Command, []string{"go", "run", "."})
}

func (s *Stack) binDir() string { return filepath.Join(s.opts.RunDir, "bin") }

func (s *Stack) buildApps(ctx context.Context) error {
	var pkgs []string
	var root string
	for _, a := range s.opts.Template.Apps {
		if !goRun(a) {
			continue
		}
		r, err := moduleRoot(a.AppDirPath)
		if err != nil {
			return err
		}
		root = r
		rel, _ := filepath.Rel(r, a.AppDirPath)
		pkgs = append(pkgs, "./"+filepath.ToSlash(rel))
	}
	if len(pkgs) == 0 {
		return nil
	}
	s.logf("    building %d apps", len(pkgs))
	if err := os.MkdirAll(s.binDir(), 0o755); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, "go", append([]string{"build", "-o", s.binDir() + "/"}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build apps: %w\n%s", err, out)
	}
	return nil
}

func (s *Stack) daprBin(name string) string { return filepath.Join(s.opts.DaprBinDir, name) }

func (s *Stack) baseEnv() []string {
	env := os.Environ()
	for k, v := range s.opts.Template.Common.Env {
		env = append(env, k+"="+v)
	}
	for k, v := range s.opts.Env {
		env = append(env, k+"="+v)
	}
	return append(env, "REGISTRAR_RUN_DIR="+s.opts.RunDir)
}

func (s *Stack) logPath(name string) string { return filepath.Join(s.opts.RunDir, "logs", name+".log") }

func (s *Stack) startControlPlane(ctx context.Context) error {
	p := s.opts.Ports()
	ca := filepath.Join(s.opts.PKIDir, "ca.crt")
	if err := os.MkdirAll(s.opts.PKIDir, 0o700); err != nil {
		return err
	}
	s.logf("    starting sentry :%d, placement :%d, scheduler :%d", p.Sentry, p.Placement, p.Scheduler)
	sentry, err := startProc("sentry", RoleControl, []string{s.daprBin("sentry"),
		"--mode", "standalone", "--config", s.opts.SentryConfig,
		"--issuer-credentials", s.opts.PKIDir, "--trust-domain", "localhost",
		"--listen-address", "127.0.0.1", "--port", strconv.Itoa(p.Sentry),
		"--healthz-listen-address", "127.0.0.1", "--healthz-port", strconv.Itoa(p.SentryHealth),
		"--enable-metrics=false", "--log-level", "warn",
	}, s.baseEnv(), s.opts.RunDir, s.logPath("sentry"))
	if err != nil {
		return err
	}
	s.add(sentry)
	if err := waitFor(ctx, 30*time.Second, func() bool {
		_, err := os.Stat(ca)
		return !sentry.Alive() || (err == nil && portOpen(p.Sentry))
	}); err != nil || !sentry.Alive() {
		return fmt.Errorf("sentry did not start (see %s): %w", sentry.Log, err)
	}
	anchors, err := os.ReadFile(ca)
	if err != nil {
		return err
	}
	s.trust = string(anchors)

	schedData := filepath.Join(s.opts.RunDir, "scheduler")
	identity := filepath.Join(s.opts.RunDir, "scheduler-identity")
	// The scheduler refuses to start if its identity folder exists already.
	if err := os.RemoveAll(identity); err != nil {
		return err
	}
	tls := []string{"--tls-enabled", "--trust-domain", "localhost", "--trust-anchors-file", ca,
		"--sentry-address", "127.0.0.1:" + strconv.Itoa(p.Sentry), "--enable-metrics=false", "--log-level", "warn"}
	placement, err := startProc("placement", RoleControl, append([]string{s.daprBin("placement"),
		"--mode", "standalone", "--id", "dapr-placement-0",
		"--initial-cluster", "dapr-placement-0=127.0.0.1:" + strconv.Itoa(p.PlacementRaft),
		"--raft-logstore-path", filepath.Join(s.opts.RunDir, "placement"), "--inmem-store-enabled=false",
		"--listen-address", "127.0.0.1", "--port", strconv.Itoa(p.Placement),
		"--healthz-listen-address", "127.0.0.1", "--healthz-port", strconv.Itoa(p.PlacementHealth),
	}, tls...), s.baseEnv(), s.opts.RunDir, s.logPath("placement"))
	if err != nil {
		return err
	}
	s.add(placement)
	scheduler, err := startProc("scheduler", RoleControl, append([]string{s.daprBin("scheduler"),
		"--mode", "standalone", "--id", "dapr-scheduler-server-0",
		"--etcd-initial-cluster", "dapr-scheduler-server-0=https://127.0.0.1:" + strconv.Itoa(p.EtcdPeer),
		"--etcd-client-port", strconv.Itoa(p.EtcdClient), "--etcd-data-dir", schedData,
		"--identity-directory-write", identity,
		"--override-broadcast-host-port", "127.0.0.1:" + strconv.Itoa(p.Scheduler),
		"--listen-address", "127.0.0.1", "--port", strconv.Itoa(p.Scheduler),
		"--healthz-listen-address", "127.0.0.1", "--healthz-port", strconv.Itoa(p.SchedulerHealth),
	}, tls...), s.baseEnv(), s.opts.RunDir, s.logPath("scheduler"))
	if err != nil {
		return err
	}
	s.add(scheduler)
	for _, c := range []struct {
		proc *Proc
		port int
	}{{placement, p.Placement}, {scheduler, p.Scheduler}} {
		if err := waitFor(ctx, 60*time.Second, func() bool { return !c.proc.Alive() || portOpen(c.port) }); err != nil || !c.proc.Alive() {
			return fmt.Errorf("%s did not start (see %s): %w", c.proc.Name, c.proc.Log, err)
		}
	}
	return nil
}

func (s *Stack) appEnv(a AppSpec) []string {
	env := s.baseEnv()
	for k, v := range a.Env {
		env = append(env, k+"="+v)
	}
	return append(env, "APP_ID="+a.AppID, "APP_PORT="+strconv.Itoa(a.AppPort),
		"DAPR_HTTP_PORT="+strconv.Itoa(a.DaprHTTPPort), "DAPR_GRPC_PORT="+strconv.Itoa(a.DaprGRPCPort))
}

// StartApp starts an app process (again, after StopApp).
func (s *Stack) StartApp(id string) error {
	a, ok := s.opts.App(id)
	if !ok {
		return fmt.Errorf("no app %q", id)
	}
	return s.startApp(a)
}

func (s *Stack) startApp(a AppSpec) error {
	args := a.Command
	if goRun(a) {
		args = []string{filepath.Join(s.binDir(), filepath.Base(a.AppDirPath))}
	}
	if len(args) == 0 {
		return fmt.Errorf("app %s has no command", a.AppID)
	}
	p, err := startProc(a.AppID, RoleApp, args, s.appEnv(a), a.AppDirPath, s.logPath(a.AppID))
	if err != nil {
		return err
	}
	s.add(p)
	return nil
}

// StartSidecar starts an app's daprd with the given Configuration file (the template's when
// empty): tests use another file to change access control.
func (s *Stack) StartSidecar(id, config string) error {
	a, ok := s.opts.App(id)
	if !ok {
		return fmt.Errorf("no app %q", id)
	}
	if config == "" {
		config = a.ConfigFilePath
	}
	return s.startSidecar(a, config)
}

func (s *Stack) startSidecar(a AppSpec, config string) error {
	config, err := s.localConfig(config)
	if err != nil {
		return fmt.Errorf("sidecar configuration of %s: %w", a.AppID, err)
	}
	p := s.opts.Ports()
	level := a.LogLevel
	if level == "" {
		level = "info"
	}
	args := []string{s.daprBin("daprd"), "--mode", "standalone", "--app-id", a.AppID,
		"--app-port", strconv.Itoa(a.AppPort), "--app-channel-address", "127.0.0.1", "--app-protocol", "http",
		"--dapr-listen-addresses", "127.0.0.1",
		"--dapr-http-port", strconv.Itoa(a.DaprHTTPPort), "--dapr-grpc-port", strconv.Itoa(a.DaprGRPCPort),
		"--dapr-internal-grpc-port", strconv.Itoa(a.DaprInternalGRPCPort), "--dapr-internal-grpc-listen-address", "127.0.0.1",
		"--metrics-port", strconv.Itoa(a.MetricsPort), "--metrics-listen-address", "127.0.0.1",
		"--config", config,
		"--placement-host-address", "127.0.0.1:" + strconv.Itoa(p.Placement),
		"--scheduler-host-address", "127.0.0.1:" + strconv.Itoa(p.Scheduler),
		"--enable-mtls", "--sentry-address", "127.0.0.1:" + strconv.Itoa(p.Sentry),
		"--control-plane-trust-domain", "localhost", "--log-level", level, "--log-as-json",
		"--dapr-graceful-shutdown-seconds", "5",
	}
	for _, r := range a.ResourcesPaths {
		args = append(args, "--resources-path", r)
	}
	env := append(s.appEnv(a), "DAPR_TRUST_ANCHORS="+s.trust, "DAPR_HOST_IP=127.0.0.1")
	secrets, err := secretEnv(s.opts.SecretsDir)
	if err != nil {
		return err
	}
	env = append(env, secrets...)
	proc, err := startProc("daprd-"+a.AppID, RoleSidecar, args, env, a.AppDirPath, s.logPath("daprd-"+a.AppID))
	if err != nil {
		return err
	}
	s.add(proc)
	return nil
}

// WaitHealthy waits until an app and its sidecar answer their health checks.
func (s *Stack) WaitHealthy(ctx context.Context, id string, d time.Duration) error {
	a, ok := s.opts.App(id)
	if !ok {
		return fmt.Errorf("no app %q", id)
	}
	return s.waitHealthy(ctx, a, d)
}

func (s *Stack) waitHealthy(ctx context.Context, a AppSpec, d time.Duration) error {
	sidecar := fmt.Sprintf("http://127.0.0.1:%d/v1.0/healthz", a.DaprHTTPPort)
	app := fmt.Sprintf("http://127.0.0.1:%d/readyz", a.AppPort)
	err := waitFor(ctx, d, func() bool { return httpOK(sidecar) && httpOK(app) })
	if err != nil {
		return fmt.Errorf("%s not healthy (logs: %s, %s): %w", a.AppID, s.logPath(a.AppID), s.logPath("daprd-"+a.AppID), err)
	}
	return nil
}

// Proc returns the running process with the given name ("student", "daprd-student", "sentry").
func (s *Stack) Proc(name string) *Proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.procs) - 1; i >= 0; i-- {
		if s.procs[i].Name == name && s.procs[i].Alive() {
			return s.procs[i]
		}
	}
	return nil
}

// StopProc stops one process by name (SIGTERM, then SIGKILL after the grace period).
func (s *Stack) StopProc(name string) {
	if p := s.Proc(name); p != nil {
		p.Stop(s.opts.Grace)
	}
}

// Down stops apps, then sidecars, then the control plane; each group in parallel.
func (s *Stack) Down() {
	s.mu.Lock()
	procs := slices.Clone(s.procs)
	s.mu.Unlock()
	stopRoles(procs, s.opts.Grace)
	_ = os.Remove(statePath(s.opts.RunDir))
}

func stopRoles(procs []*Proc, grace time.Duration) {
	for _, role := range []Role{RoleApp, RoleSidecar, RoleControl} {
		var group []*Proc
		for _, p := range procs {
			if p.Role == role {
				group = append(group, p)
			}
		}
		stopAll(group, grace)
	}
}

// state is what `runner up` leaves behind for `runner down`.
type state struct {
	Procs []*Proc `json:"procs"`
}

func statePath(runDir string) string { return filepath.Join(runDir, "stack.json") }

func (s *Stack) save() error {
	s.mu.Lock()
	b, err := json.MarshalIndent(state{Procs: s.procs}, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := statePath(s.opts.RunDir) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, statePath(s.opts.RunDir))
}

// LoadState reads the processes recorded by a previous Up in runDir.
func LoadState(runDir string) (*state, error) {
	b, err := os.ReadFile(statePath(runDir))
	if err != nil {
		return nil, err
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

func (st *state) anyAlive() bool {
	for _, p := range st.Procs {
		if p.Alive() {
			return true
		}
	}
	return false
}

// StopRecorded stops what a previous Up in runDir recorded (for `make stop`) and reports
// the names it stopped.
func StopRecorded(runDir string, grace time.Duration) ([]string, error) {
	st, err := LoadState(runDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	for _, p := range st.Procs {
		if p.Alive() {
			names = append(names, p.Name)
		}
	}
	sort.Strings(names)
	stopRoles(st.Procs, grace)
	if st.anyAlive() {
		return names, errors.New("some processes survived SIGKILL")
	}
	return names, os.Remove(statePath(runDir))
}

// secretEnv turns each file of dir into REGISTRAR_SECRET_<NAME>=<content> for the sidecars'
// env secret store: jwt-signing-keys.pem becomes the secret JWT_SIGNING_KEYS. Only sidecars
// get these variables; apps read secrets through Dapr.
func secretEnv(dir string) ([]string, error) {
	if dir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var env []string
	for _, e := range entries {
		if e.IsDir() {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		name := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		name = strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
		env = append(env, "REGISTRAR_SECRET_"+name+"="+string(b))
	}
	return env, nil
}

func portOpen(port int) bool {
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

var probe = &http.Client{Timeout: 2 * time.Second}

func httpOK(url string) bool {
	resp, err := probe.Get(url)
	if err != nil {
		return false
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode/100 == 2
}

func waitFor(ctx context.Context, d time.Duration, ok func() bool) error {
	deadline := time.Now().Add(d)
	for {
		if ok() {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("timed out after %s", d)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}
