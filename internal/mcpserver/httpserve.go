package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/memtomem/memtomem/internal/httpauth"
	"github.com/memtomem/memtomem/internal/lifecycle"
)

// HTTPOptions configure ServeHTTP.
type HTTPOptions struct {
	Open Opener
	// Addr is the listen address, HOST:PORT (port 0 picks a free one).
	Addr string
	// AllowRemote permits a non-loopback Addr.
	AllowRemote bool
	// AllowHosts are extra names (HOST or HOST:PORT) clients may use in
	// their Host header, for a server reached by a name of its own.
	AllowHosts []string
	// TokenFile holds the bearer token; it is created when missing.
	TokenFile string
	// Grace bounds the wait for in-flight calls at shutdown (default 30 s).
	Grace time.Duration
	// Log receives the server's URL at start and warnings (default: discarded).
	Log io.Writer
	// Ready, if set, is called with the endpoint's URL once it listens.
	Ready func(url string)
}

// ServeHTTP serves MCP over streamable HTTP on opts.Addr until ctx ends or
// the process gets SIGTERM, SIGINT or SIGHUP. Any number of clients may be
// connected at once; they share one store, opened on the first tool call.
// At shutdown the listener closes, every call received is answered (within
// Grace), then the sessions and the store are closed.
func ServeHTTP(ctx context.Context, opts HTTPOptions) error { return serveHTTPWith(ctx, opts, nil) }

// serveHTTPWith is ServeHTTP with a hook to add tools, for tests.
func serveHTTPWith(ctx context.Context, opts HTTPOptions, setup func(*Server)) error {
	if opts.Grace <= 0 {
		opts.Grace = DefaultGrace
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	if err := httpauth.CheckListen(opts.Addr, opts.AllowRemote); err != nil {
		return err
	}
	token, created, err := httpauth.LoadOrCreateToken(opts.TokenFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	}
	guard, err := httpauth.NewGuard(token, ln.Addr(), opts.AllowHosts)
	if err != nil {
		ln.Close()
		return err
	}
	parent := ctx
	ctx, stopSignals := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stopSignals()

	s := New(opts.Open)
	if setup != nil {
		setup(s)
	}
	front := newHTTPFront(s, guard)
	conns := &activeConns{active: map[net.Conn]struct{}{}}
	srv := httpauth.NewServer(front, opts.Log, "mm serve: http: ")
	srv.ConnState = conns.track
	url := "http://" + httpauth.URLHost(ln.Addr()) + HTTPPath
	how := "token in"
	if created {
		how = "new token written to"
	}
	fmt.Fprintf(opts.Log, "mm serve: MCP over HTTP at %s (%s %s; send it as `Authorization: Bearer <token>`)\n", url, how, opts.TokenFile)
	if !httpauth.IsLoopback(ln.Addr().String()) {
		fmt.Fprintf(opts.Log, "mm serve: warning: listening on %s, reachable from other machines over plain HTTP; "+
			"the token travels in clear unless TLS (a reverse proxy, an SSH tunnel) is in front\n", ln.Addr())
	}
	if opts.Ready != nil {
		opts.Ready(url)
	}
	s.store.OpenNow(ctx, func(err error) {
		fmt.Fprintf(opts.Log, "mm serve: opening the store: %v (the first tool call tries again)\n", err)
	})
	serveErr := lifecycle.ServeUntil(parent, ctx, func() error { return srv.Serve(ln) })
	// Long work (an index, an import) stops at its next step and answers
	// with what it did.
	s.calls.BeginStop()
	deadline := time.Now().Add(opts.Grace)
	// Shutdown closes the listener and the idle connections at once; its
	// own wait is not used: it counts a connection on which no request has
	// come yet (an HTTP client's spare) as busy for 5 s.
	go srv.Shutdown(context.Background())
	front.drain(time.Until(deadline))
	// Every call is answered and the sessions are closed: once no
	// connection is in the middle of a request (the last answers written
	// out), whatever is left is idle and can be cut.
	if !conns.wait(time.Until(deadline)) {
		fmt.Fprintf(opts.Log, "mm serve: requests still open after the shutdown grace period; closing their connections\n")
	}
	srv.Close()
	if err := s.Shutdown(max(time.Until(deadline), 0)); err != nil {
		fmt.Fprintf(opts.Log, "mm serve: %v\n", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP on %s: %w", ln.Addr(), serveErr)
	}
	return nil
}

// activeConns tracks the connections in the middle of a request.
type activeConns struct {
	mu     sync.Mutex
	active map[net.Conn]struct{}
	idle   chan struct{} // closed when active empties, once someone waits
}

func (a *activeConns) track(c net.Conn, st http.ConnState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if st == http.StateActive {
		a.active[c] = struct{}{}
	} else {
		delete(a.active, c)
	}
	if len(a.active) == 0 && a.idle != nil {
		close(a.idle)
		a.idle = nil
	}
}

// wait waits up to d for no connection to be in the middle of a request.
func (a *activeConns) wait(d time.Duration) bool {
	a.mu.Lock()
	if len(a.active) == 0 {
		a.mu.Unlock()
		return true
	}
	if a.idle == nil {
		a.idle = make(chan struct{})
	}
	idle := a.idle
	a.mu.Unlock()
	return lifecycle.WaitFor(idle, d)
}
