package lifecycle

import (
	"io"
	"sync"
)

// Input is a reader (a server's stdin) whose end is observable: Ended is
// closed when a read fails or reaches the end, which is how a stdio client
// says it has gone.
type Input struct {
	r     io.Reader
	once  sync.Once
	ended chan struct{}
}

// WatchInput wraps r.
func WatchInput(r io.Reader) *Input { return &Input{r: r, ended: make(chan struct{})} }

// Ended is closed once the input has ended or failed.
func (w *Input) Ended() <-chan struct{} { return w.ended }

func (w *Input) Read(p []byte) (int, error) {
	n, err := w.r.Read(p)
	if err != nil {
		w.once.Do(func() { close(w.ended) })
	}
	return n, err
}

// Close closes the underlying reader if it can be closed.
func (w *Input) Close() error {
	if c, ok := w.r.(io.Closer); ok {
		return c.Close()
	}
	return nil
}
