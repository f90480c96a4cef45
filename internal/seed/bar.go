package seed

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// bar is a one-line progress bar on the terminal.
type bar struct {
	out   io.Writer
	name  string
	total int
	n     int
	start time.Time
	last  time.Time
}

func newBar(out io.Writer, name string) *bar { return &bar{out: out, name: name, start: time.Now()} }

func (b *bar) setTotal(n int) { b.total = n }

// add advances the bar by n and redraws it at most ten times a second.
func (b *bar) add(n int) {
	b.n += n
	if time.Since(b.last) < 100*time.Millisecond && b.n < b.total {
		return
	}
	b.last = time.Now()
	width := 30
	filled := 0
	if b.total > 0 {
		filled = min(width, b.n*width/b.total)
	}
	fmt.Fprintf(b.out, "\r    [%s%s] %d/%d", strings.Repeat("#", filled), strings.Repeat(".", width-filled), b.n, b.total)
}

func (b *bar) done(note string) {
	if b.total > 0 {
		b.add(0)
		fmt.Fprintln(b.out)
	}
	if note != "" {
		fmt.Fprintf(b.out, "    %s\n", note)
		return
	}
	fmt.Fprintf(b.out, "    done in %.1f s\n", time.Since(b.start).Seconds())
}
