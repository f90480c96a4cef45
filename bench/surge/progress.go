package surge

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// bar is a one-line progress bar, redrawn at most ten times a second.
type bar struct {
	mu    sync.Mutex
	out   io.Writer
	name  string
	total int
	n     int
	note  string
	start time.Time
	last  time.Time
}

func newBar(out io.Writer, name string, total int) *bar {
	return &bar{out: out, name: name, total: total, start: time.Now()}
}

func (b *bar) add(n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.n += n
	b.draw(false)
}

func (b *bar) status(note string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.note = note
	b.draw(false)
}

func (b *bar) draw(force bool) {
	if !force && time.Since(b.last) < 100*time.Millisecond && b.n < b.total {
		return
	}
	b.last = time.Now()
	const width = 30
	filled := width
	if b.total > 0 {
		filled = min(width, b.n*width/b.total)
	}
	line := fmt.Sprintf("\r    %-6s [%s%s] %d/%d %5.1fs %s", b.name, strings.Repeat("#", filled), strings.Repeat(".", width-filled),
		b.n, b.total, time.Since(b.start).Seconds(), b.note)
	fmt.Fprintf(b.out, "%-100s", line)
}

func (b *bar) done() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.draw(true)
	fmt.Fprintln(b.out)
}
