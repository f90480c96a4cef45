package devstack

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Role orders shutdown: apps stop before their sidecars, sidecars before the control plane.
type Role string

// The roles of the processes a stack runs.
const (
	RoleApp     Role = "app"
	RoleSidecar Role = "sidecar"
	RoleControl Role = "control-plane"
)

// Proc is one process the stack started. Only what is recorded here is ever signalled, and
// only while /proc still shows the same process (pid and start time), so a reused pid is safe.
type Proc struct {
	Name      string   `json:"name"`
	Role      Role     `json:"role"`
	PID       int      `json:"pid"`
	StartTick uint64   `json:"startTick"`
	Args      []string `json:"args"`
	Log       string   `json:"log"`

	cmd  *exec.Cmd
	done chan struct{}
}

// startProc starts args[0] in its own session (so a terminal's Ctrl-C or the runner's exit
// does not reach it) with output appended to logPath.
func startProc(name string, role Role, args []string, env []string, dir, logPath string) (*Proc, error) {
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		return nil, err
	}
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Env = env
	cmd.Dir = dir
	cmd.Stdout = logf
	cmd.Stderr = logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &Proc{Name: name, Role: role, PID: cmd.Process.Pid, Args: args, Log: logPath, cmd: cmd, done: make(chan struct{})}
	p.StartTick, _ = startTick(p.PID)
	go func() { _ = cmd.Wait(); close(p.done) }()
	return p, nil
}

// startTick reads a process's start time (clock ticks since boot) from /proc/PID/stat.
func startTick(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; fields after its closing paren are plain.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, errors.New("malformed stat")
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 20 {
		return 0, errors.New("short stat")
	}
	return strconv.ParseUint(f[19], 10, 64) // field 22 overall
}

// Alive reports whether the recorded process is still running (and is still the same one).
func (p *Proc) Alive() bool {
	if p.done != nil {
		select {
		case <-p.done:
			return false
		default:
			return true
		}
	}
	t, err := startTick(p.PID)
	if err != nil || t != p.StartTick {
		return false
	}
	// A zombie whose parent has not reaped it is as good as gone.
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(p.PID) + "/stat")
	if i := strings.LastIndexByte(string(b), ')'); i >= 0 && len(b) > i+2 && b[i+2] == 'Z' {
		return false
	}
	return true
}

// Stop sends SIGTERM, waits up to grace, then SIGKILL. It never signals a process that is
// not the one recorded.
func (p *Proc) Stop(grace time.Duration) {
	if !p.Alive() {
		return
	}
	_ = syscall.Kill(p.PID, syscall.SIGTERM)
	if p.waitGone(grace) {
		return
	}
	if p.Alive() {
		_ = syscall.Kill(p.PID, syscall.SIGKILL)
	}
	p.waitGone(5 * time.Second)
}

// Kill sends SIGKILL at once (fault tests).
func (p *Proc) Kill() {
	if p.Alive() {
		_ = syscall.Kill(p.PID, syscall.SIGKILL)
	}
	p.waitGone(5 * time.Second)
}

func (p *Proc) waitGone(d time.Duration) bool {
	if p.done != nil {
		select {
		case <-p.done:
			return true
		case <-time.After(d):
			return false
		}
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !p.Alive() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return !p.Alive()
}

// stopAll stops procs in parallel.
func stopAll(procs []*Proc, grace time.Duration) {
	var wg sync.WaitGroup
	for _, p := range procs {
		wg.Add(1)
		go func() { defer wg.Done(); p.Stop(grace) }()
	}
	wg.Wait()
}
