package mcpserver

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem/internal/httpauth"
	"github.com/memtomem/memtomem/internal/lifecycle"
)

// HTTPPath is where the MCP endpoint is served.
const HTTPPath = "/mcp"

// statelessVersion is the first protocol version that the SDK serves only
// statelessly (SEP-2575: no session, every request carries its own
// protocol version, no initialize handshake).
const statelessVersion = "2026-07-28"

// httpFront is the MCP streamable HTTP endpoint over one Server: every
// session, whatever its protocol version, shares the server and so its one
// lazily opened store.
type httpFront struct {
	s       *Server
	handler http.Handler
	// posts are the requests being answered, so that shutdown waits for
	// the answers to calls already received.
	posts *lifecycle.Calls
}

// newHTTPFront serves s behind guard. The SDK serves the protocol versions
// up to 2025-11-25 on a stateful handler (Mcp-Session-Id, a standing GET
// stream) and 2026-07-28 only on a stateless one; a request names its
// version in the Mcp-Protocol-Version header, so it is routed by that, and
// both kinds of client are served on one URL.
func newHTTPFront(s *Server, guard *httpauth.Guard) *httpFront {
	getServer := func(*http.Request) *mcp.Server { return s.MCP() }
	opts := mcp.StreamableHTTPOptions{
		// httpauth checks Host (for loopback and for the names a remote
		// server was given) before the SDK sees the request; the SDK's own
		// check knows only loopback and would refuse those names.
		DisableLocalhostProtection: true,
		MaxRequestBodyBytes:        httpauth.MaxBodyBytes,
	}
	stateful := mcp.NewStreamableHTTPHandler(getServer, &opts)
	statelessOpts := opts
	statelessOpts.Stateless = true
	stateless := mcp.NewStreamableHTTPHandler(getServer, &statelessOpts)

	f := &httpFront{s: s, posts: lifecycle.NewCalls()}
	mcpHandler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			// Counted so that shutdown can wait for the answers to calls
			// already received; a GET is a standing stream, not a call.
			if err := f.posts.Begin(); err != nil {
				httpauth.WriteError(w, http.StatusServiceUnavailable, httpauth.CodeInternal, err.Error())
				return
			}
			defer f.posts.End()
		}
		jw := &jsonErrorWriter{ResponseWriter: w}
		defer jw.finish()
		if statelessRequest(r) {
			stateless.ServeHTTP(jw, r)
		} else {
			stateful.ServeHTTP(jw, r)
		}
	})
	mux := http.NewServeMux()
	mux.Handle(HTTPPath, mcpHandler)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		httpauth.WriteError(w, http.StatusNotFound, httpauth.CodeInvalidRequest,
			"no such endpoint "+r.URL.Path+": the MCP endpoint is "+HTTPPath)
	})
	f.handler = guard.Handler(mux)
	return f
}

// statelessRequest reports whether r speaks a protocol version that the SDK
// serves statelessly. An unknown version goes to the stateful handler,
// which answers it with the list of versions it does serve.
func statelessRequest(r *http.Request) bool {
	v := r.Header.Get("Mcp-Protocol-Version")
	return v >= statelessVersion && slices.Contains(sdkVersions, v)
}

var sdkVersions = mcp.SupportedProtocolVersions()

func (f *httpFront) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.handler.ServeHTTP(w, r) }

// drain stops taking new calls and waits up to d for the ones received to
// be answered; then it closes every MCP session, which ends the standing
// GET streams (http.Server.Shutdown waits for them otherwise).
func (f *httpFront) drain(d time.Duration) {
	f.posts.Drain(d)
	for ss := range f.s.MCP().Sessions() {
		ss.Close()
	}
}

// jsonErrorWriter turns the SDK's plain-text refusals (a wrong media type,
// an unknown session, a method not served) into JSON-RPC error objects, so
// every answer an HTTP client gets says what went wrong in JSON-RPC terms.
// Everything else, the SSE streams included, passes through untouched.
type jsonErrorWriter struct {
	http.ResponseWriter
	wroteHeader bool
	status      int // a captured error status; 0 when passing through
	body        bytes.Buffer
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	if code >= 400 && strings.HasPrefix(w.Header().Get("Content-Type"), "text/plain") {
		w.status = code
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *jsonErrorWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.status != 0 {
		if w.body.Len() < 4096 {
			w.body.Write(p)
		}
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// Flush lets the SDK's SSE streams reach the client as they are written.
func (w *jsonErrorWriter) Flush() {
	if w.status != 0 {
		return
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *jsonErrorWriter) finish() {
	if w.status == 0 {
		return
	}
	msg := strings.TrimSpace(w.body.String())
	switch w.status {
	case http.StatusNotFound:
		msg += ": the session has ended (the server restarted, or the session was closed); start a new one with initialize"
	case http.StatusMethodNotAllowed:
		msg += ": " + HTTPPath + " takes POST (and GET and DELETE within a session of a protocol version before " + statelessVersion + ")"
	}
	code := httpauth.CodeInvalidRequest
	switch {
	case w.status >= 500:
		code = httpauth.CodeInternal
	case strings.Contains(msg, "unmarshaling jsonrpc message"):
		// The SDK's words for a body that is not JSON(-RPC).
		code = httpauth.CodeParseError
	}
	w.Header().Del("X-Content-Type-Options")
	httpauth.WriteError(w.ResponseWriter, w.status, code, msg)
}
