package surge

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ProcUsage is what one process (or all server processes of one name) used during the run.
type ProcUsage struct {
	Name       string  `json:"name"`
	Processes  int     `json:"processes"`
	CPUSeconds float64 `json:"cpuSeconds"`
	// PeakRSSMiB is the highest resident set sampled during the run (summed over processes
	// of one name, so shared pages of e.g. PostgreSQL backends count more than once).
	PeakRSSMiB float64 `json:"peakRssMiB"`
	// HWMMiB is the kernel's peak since the process started (VmHWM), summed likewise.
	HWMMiB float64 `json:"hwmMiB"`
}

// clockTicks is USER_HZ, which Linux fixes at 100 for /proc/<pid>/stat.
const clockTicks = 100

type procSample struct{ cpuTicks, rssKiB, hwmKiB uint64 }

func readProc(pid int) (procSample, bool) {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procSample{}, false
	}
	// Fields after the command name (which may hold spaces) start after the last ')'.
	s := string(stat)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return procSample{}, false
	}
	ut, _ := strconv.ParseUint(f[11], 10, 64)
	st, _ := strconv.ParseUint(f[12], 10, 64)
	out := procSample{cpuTicks: ut + st}
	status, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return out, true
	}
	for _, line := range strings.Split(string(status), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			out.rssKiB = n
		case "VmHWM":
			out.hwmKiB = n
		}
	}
	return out, true
}

// pidsByName finds every process whose command name is one of names.
func pidsByName(names []string) map[string][]int {
	out := map[string][]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil {
			continue
		}
		c := strings.TrimSpace(string(comm))
		for _, n := range names {
			if c == n || (len(n) > 15 && c == n[:15]) {
				out[n] = append(out[n], pid)
			}
		}
	}
	return out
}

// procWatch samples the processes every interval from start to stop.
type procWatch struct {
	servers []string
	groups  map[string][]int
	start   map[int]uint64
	mu      sync.Mutex
	last    map[int]procSample
	peak    map[string]uint64
	stop    chan struct{}
	done    chan struct{}
}

func watchProcs(named map[string]int, servers []string, every time.Duration) *procWatch {
	w := &procWatch{servers: servers, groups: map[string][]int{}, start: map[int]uint64{}, last: map[int]procSample{},
		peak: map[string]uint64{}, stop: make(chan struct{}), done: make(chan struct{})}
	for n, pid := range named {
		w.groups[n] = []int{pid}
	}
	for n, pids := range pidsByName(servers) {
		w.groups[n] = pids
	}
	for _, pids := range w.groups {
		for _, pid := range pids {
			if s, ok := readProc(pid); ok {
				w.start[pid] = s.cpuTicks
			}
		}
	}
	w.sample()
	go func() {
		defer close(w.done)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-w.stop:
				w.sample()
				return
			case <-t.C:
				w.sample()
			}
		}
	}()
	return w
}

func (w *procWatch) sample() {
	w.mu.Lock()
	defer w.mu.Unlock()
	// Servers start processes during the run (PostgreSQL backends): a new one counts from zero.
	for n, pids := range pidsByName(w.servers) {
		for _, pid := range pids {
			if !slices.Contains(w.groups[n], pid) {
				w.groups[n] = append(w.groups[n], pid)
			}
		}
	}
	for name, pids := range w.groups {
		var rss uint64
		for _, pid := range pids {
			if s, ok := readProc(pid); ok {
				w.last[pid] = s
				rss += s.rssKiB
			}
		}
		w.peak[name] = max(w.peak[name], rss)
	}
}

// finish stops sampling and returns the usage per name, busiest first.
func (w *procWatch) finish() []ProcUsage {
	close(w.stop)
	<-w.done
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []ProcUsage
	for name, pids := range w.groups {
		u := ProcUsage{Name: name, PeakRSSMiB: float64(w.peak[name]) / 1024}
		for _, pid := range pids {
			s, ok := w.last[pid]
			if !ok {
				continue
			}
			u.Processes++
			u.CPUSeconds += float64(s.cpuTicks-w.start[pid]) / clockTicks
			u.HWMMiB += float64(s.hwmKiB) / 1024
		}
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CPUSeconds > out[j].CPUSeconds })
	return out
}
