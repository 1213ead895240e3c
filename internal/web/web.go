// Package web is the local dashboard, `mm web`: server-rendered pages over
// the memtomem Service (search, sources and chunks, memories, tags and
// namespaces, a timeline, status), guarded like `mm serve --http` by
// internal/httpauth, plus a login cookie and CSRF tokens for browsers.
package web

import (
	"context"
	"crypto/subtle"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/httpauth"
	"github.com/memtomem/memtomem/internal/lifecycle"
)

//go:embed static/*
var assets embed.FS

// DefaultAddr is where `mm web` listens unless told: a fixed loopback port,
// so a bookmark keeps working, with a free port as the fallback when it is
// taken (another dashboard, or anything else).
const DefaultAddr = "127.0.0.1:8767"

// Options configure Serve.
type Options struct {
	Open memtomem.Opener
	// Addr is HOST:PORT on a loopback address; "" is DefaultAddr, falling
	// back to a free port.
	Addr string
	// TokenFile holds the bearer token (shared with `mm serve --http`); it
	// is created when missing. The token also logs a browser in.
	TokenFile string
	// Grace bounds the wait for requests in flight at shutdown (default 30 s).
	Grace time.Duration
	// Log receives the URL and login link at start, and warnings.
	Log io.Writer
	// Ready, if set, is called once the server listens, with its URL and
	// the one-time login link.
	Ready func(url, login string)
}

// Server is the dashboard's handler.
type Server struct {
	lazy     *memtomem.Lazy
	guard    *httpauth.Guard
	sessions *sessions
	token    string
	mux      *http.ServeMux
}

// New returns the dashboard for a server listening on bound, taking token.
func New(lazy *memtomem.Lazy, token string, bound net.Addr) (*Server, error) {
	guard, err := httpauth.NewGuard(token, bound, nil)
	if err != nil {
		return nil, err
	}
	_, port, _ := net.SplitHostPort(bound.String())
	s := &Server{lazy: lazy, token: token, sessions: newSessions(port)}
	s.guard = guard.With(httpauth.Extra{
		Session: func(r *http.Request) bool { return s.sessions.get(r) != nil },
		Public: func(r *http.Request) bool {
			return r.URL.Path == "/login" || strings.HasPrefix(r.URL.Path, "/static/")
		},
		Refuse: s.refuse,
	})
	s.routes()
	return s, nil
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	securityHeaders(s.guard.Handler(s.mux)).ServeHTTP(w, r)
}

// LoginCode makes a one-time login code; /login?t=CODE spends it.
func (s *Server) LoginCode() string { return s.sessions.loginCode() }

func (s *Server) routes() {
	m := http.NewServeMux()
	static, _ := fs.Sub(assets, "static")
	m.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	m.HandleFunc("GET /login", s.loginPage)
	m.HandleFunc("POST /login", s.loginToken)
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/search", http.StatusSeeOther) })
	m.HandleFunc("GET /search", s.search)
	m.HandleFunc("GET /sources", s.sources)
	m.HandleFunc("GET /source", s.source)
	m.HandleFunc("GET /chunk/{id}", s.chunk)
	m.HandleFunc("GET /memories", s.memories)
	m.HandleFunc("POST /memories", s.mutate(s.addMemory))
	m.HandleFunc("POST /chunk/{id}/edit", s.mutate(s.editMemory))
	m.HandleFunc("POST /chunk/{id}/delete", s.mutate(s.deleteMemory))
	m.HandleFunc("GET /tags", s.counts("tags"))
	m.HandleFunc("GET /namespaces", s.counts("namespaces"))
	m.HandleFunc("POST /tags/rename", s.mutate(s.rename("tags")))
	m.HandleFunc("POST /tags/delete", s.mutate(s.remove("tags")))
	m.HandleFunc("POST /namespaces/rename", s.mutate(s.rename("namespaces")))
	m.HandleFunc("POST /namespaces/delete", s.mutate(s.remove("namespaces")))
	m.HandleFunc("GET /timeline", s.timeline)
	m.HandleFunc("GET /status", s.status)
	s.mux = m
}

// mutate guards a change: besides the guard's Host and Origin checks, a
// browser's POST must come from this dashboard's own page (an Origin header
// naming it: browsers send one on every POST) and carry the session's CSRF
// token. A client with the bearer token is not a browser and needs neither.
func (s *Server) mutate(h func(w http.ResponseWriter, r *http.Request, m *memtomem.Memory) (string, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !s.guard.HasToken(r) {
			if o := r.Header.Get("Origin"); !s.guard.SameOrigin(o) {
				s.refuse(w, r, http.StatusForbidden, "a change must come from a form of this dashboard (the request had no Origin header of this server): reload the page and try again")
				return
			}
			if !s.sessions.checkCSRF(r) {
				s.refuse(w, r, http.StatusForbidden, "the form's CSRF token is missing or stale: reload the page and try again")
				return
			}
		}
		m, err := s.lazy.Get(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		next, err := h(w, r, m)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		http.Redirect(w, r, next, http.StatusSeeOther)
	}
}

// loginPage spends a one-time code (?t=), or explains how to log in.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	code := r.URL.Query().Get("t")
	if code != "" && s.sessions.useCode(code) {
		s.sessions.start(w)
		http.Redirect(w, r, "/search", http.StatusSeeOther)
		return
	}
	status, msg := http.StatusOK, ""
	if code != "" {
		status, msg = http.StatusUnauthorized, "This login link has been used already (each works once) or is not this server's."
	}
	s.render(w, r, status, "", loginView{message: msg})
}

// loginToken logs in with the bearer token pasted into the login form.
func (s *Server) loginToken(w http.ResponseWriter, r *http.Request) {
	tok := strings.TrimSpace(r.PostFormValue("token"))
	if subtle.ConstantTimeCompare([]byte(tok), []byte(s.token)) != 1 {
		s.render(w, r, http.StatusUnauthorized, "", loginView{message: "That is not the token in the token file."})
		return
	}
	s.sessions.start(w)
	http.Redirect(w, r, "/search", http.StatusSeeOther)
}

// refuse answers a refused request with a page saying what to do.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, status int, msg string) {
	if status == http.StatusUnauthorized {
		// httpauth's words are for MCP clients; a browser needs these.
		msg = "This browser has no dashboard session (never logged in, or mm web has restarted since)."
	}
	s.render(w, r, status, "", refusedView{status: status, message: msg, login: status == http.StatusUnauthorized})
}

// fail shows a Service error with the HTTP status its kind calls for.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusInternalServerError
	switch memtomem.KindOf(err) {
	case memtomem.KindInvalid:
		status = http.StatusBadRequest
	case memtomem.KindNotFound:
		status = http.StatusNotFound
	case memtomem.KindRefused:
		status = http.StatusConflict
	case memtomem.KindBusy, memtomem.KindUnavailable:
		status = http.StatusServiceUnavailable
	}
	if errors.Is(err, context.Canceled) {
		return
	}
	s.render(w, r, status, "", errorView{status: status, message: err.Error()})
}

// Serve runs the dashboard until ctx ends or SIGTERM, SIGINT or SIGHUP.
func Serve(ctx context.Context, opts Options) error {
	if opts.Grace <= 0 {
		opts.Grace = 30 * time.Second
	}
	if opts.Log == nil {
		opts.Log = io.Discard
	}
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	if !httpauth.IsLoopback(addr) {
		return fmt.Errorf("refusing to serve the dashboard on %q: it listens on loopback addresses only (e.g. 127.0.0.1:8767); reach it from elsewhere through an SSH tunnel", addr)
	}
	token, created, err := httpauth.LoadOrCreateToken(opts.TokenFile)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil && opts.Addr == "" {
		// The default port is taken: any free loopback port will do.
		ln, err = net.Listen("tcp", "127.0.0.1:0")
	}
	if err != nil {
		return fmt.Errorf("listen on %s: %w", addr, err)
	}
	lazy := memtomem.NewLazy(opts.Open)
	s, err := New(lazy, token, ln.Addr())
	if err != nil {
		ln.Close()
		return err
	}
	parent := ctx
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	defer stop()
	srv := httpauth.NewServer(s, opts.Log, "mm web: http: ")
	url := "http://" + httpauth.URLHost(ln.Addr())
	login := url + "/login?t=" + s.LoginCode()
	how := "token in"
	if created {
		how = "new token written to"
	}
	fmt.Fprintf(opts.Log, "mm web: dashboard at %s\nmm web: log in by opening (works once): %s\nmm web: later logins: paste the token (%s %s) at %s/login\n", url, login, how, opts.TokenFile, url)
	if opts.Ready != nil {
		opts.Ready(url, login)
	}
	lazy.OpenNow(ctx, func(err error) {
		fmt.Fprintf(opts.Log, "mm web: opening the store: %v (the first page tries again)\n", err)
	})
	serveErr := lifecycle.ServeUntil(parent, ctx, func() error { return srv.Serve(ln) })
	sctx, cancel := context.WithTimeout(context.Background(), opts.Grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		fmt.Fprintf(opts.Log, "mm web: requests still open after the shutdown grace period; closing them\n")
		srv.Close()
	}
	if err := lazy.Close(); err != nil {
		fmt.Fprintf(opts.Log, "mm web: %v\n", err)
	}
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return fmt.Errorf("serve HTTP on %s: %w", ln.Addr(), serveErr)
	}
	return nil
}
