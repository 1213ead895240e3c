package embedtest

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Mode is how a Flaky provider behaves.
type Mode int32

const (
	Healthy     Mode = iota // answers like NewOpenAIServer
	Hanging                 // accepts the request and never answers (until the test ends)
	Unavailable             // answers 503 with an OpenAI-shaped error body
	Refusing                // nothing listens on its port: connections are refused
)

// Flaky is an OpenAI-compatible embeddings server (the handler of
// NewOpenAIServer) that a test can make hang, answer 503 or stop listening,
// and bring back, at one fixed URL. It counts the requests that reached it.
type Flaky struct {
	t       testing.TB
	handler http.Handler
	addr    string
	mode    atomic.Int32
	count   atomic.Int64
	done    chan struct{} // closed when the test ends: hanging handlers return

	mu  sync.Mutex
	srv *httptest.Server // nil while Refusing
}

// NewFlaky starts a healthy Flaky provider; it is closed when the test ends.
func NewFlaky(t testing.TB, embed func(text string) []float32) *Flaky {
	t.Helper()
	f := &Flaky{t: t, handler: OpenAIHandler(t, embed), done: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	f.addr = f.srv.Listener.Addr().String()
	t.Cleanup(func() {
		close(f.done)
		f.mu.Lock()
		defer f.mu.Unlock()
		if f.srv != nil {
			f.srv.Close()
		}
	})
	return f
}

// BaseURL is the embedding.base_url for provider openai.
func (f *Flaky) BaseURL() string { return "http://" + f.addr + "/v1" }

// Requests is how many requests reached the server so far.
func (f *Flaky) Requests() int { return int(f.count.Load()) }

// Set switches the behaviour. Refusing closes the listener; any other mode
// after Refusing listens on the same port again.
func (f *Flaky) Set(m Mode) {
	f.t.Helper()
	f.mode.Store(int32(m))
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case m == Refusing && f.srv != nil:
		f.srv.CloseClientConnections()
		f.srv.Close()
		f.srv = nil
	case m != Refusing && f.srv == nil:
		l, err := listenAgain(f.addr)
		if err != nil {
			f.t.Fatalf("embedtest: cannot listen on %s again: %v", f.addr, err)
		}
		f.srv = httptest.NewUnstartedServer(http.HandlerFunc(f.serve))
		f.srv.Listener.Close()
		f.srv.Listener = l
		f.srv.Start()
	}
}

// listenAgain re-opens a port this process just closed; a moment may pass
// before the kernel lets it go, so it tries for a bounded time.
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for range 100 {
		var l net.Listener
		if l, err = net.Listen("tcp", addr); err == nil {
			return l, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil, err
}

func (f *Flaky) serve(w http.ResponseWriter, r *http.Request) {
	f.count.Add(1)
	switch Mode(f.mode.Load()) {
	case Hanging:
		select {
		case <-r.Context().Done():
		case <-f.done:
		}
	case Unavailable:
		writeJSON(w, http.StatusServiceUnavailable, map[string]any{"error": map[string]any{
			"message": "The server is overloaded or not ready yet.", "type": "server_error", "param": nil, "code": nil,
		}})
	default:
		f.handler.ServeHTTP(w, r)
	}
}
