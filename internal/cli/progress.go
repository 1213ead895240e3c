package cli

import (
	"io"
	"time"

	"github.com/schollz/progressbar/v3"
)

// progress is a bar on a terminal and nothing elsewhere; it is created on
// the first update, when the total is known.
type progress struct {
	w    io.Writer
	desc string
	bar  *progressbar.ProgressBar
	done bool
}

// newProgress returns nil (no bar) when w is not a terminal or quiet is set,
// e.g. for --json output.
func newProgress(w io.Writer, desc string, quiet bool) *progress {
	if quiet || !isTerminal(w) {
		return nil
	}
	return &progress{w: w, desc: desc}
}

// Set shows done of total; safe on a nil progress.
func (p *progress) Set(done, total int) {
	if p == nil || p.done {
		return
	}
	if p.bar == nil {
		p.bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(p.w),
			progressbar.OptionSetDescription(p.desc), progressbar.OptionShowCount(),
			progressbar.OptionClearOnFinish(), progressbar.OptionThrottle(100*time.Millisecond))
	}
	p.bar.Set(done)
}

// Finish clears the bar for good (later Sets do nothing); safe on a nil,
// unused or finished progress.
func (p *progress) Finish() {
	if p == nil || p.done {
		return
	}
	p.done = true
	if p.bar != nil {
		p.bar.Finish()
	}
}

// Func adapts Set to the callbacks the service takes (nil for no bar).
func (p *progress) Func() func(done, total int) {
	if p == nil {
		return nil
	}
	return p.Set
}
