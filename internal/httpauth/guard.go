package httpauth

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxBodyBytes bounds a request body (4 MiB): ample for any tool call (a
// memory is at most a few hundred KiB), small enough that a flood of large
// bodies cannot exhaust memory.
const MaxBodyBytes = 4 << 20

// JSON-RPC error codes of refusals. JSON-RPC reserves -32000 to -32099 for
// the server's own errors; -32700 is its "Parse error", -32600 its "Invalid
// Request".
const (
	CodeUnauthorized   = -32001 // no token, or a wrong one
	CodeForbidden      = -32003 // a foreign Origin or Host
	CodeParseError     = -32700 // a body that is not JSON
	CodeInvalidRequest = -32600 // a body too large, a method or media type not served
	CodeInternal       = -32603
)

// CheckListen refuses to listen on a non-loopback address unless the user
// asked for it (allowRemote). An address with no host (":8765") listens on
// every interface, so it counts as remote.
func CheckListen(addr string, allowRemote bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("listen address %q: %v (want HOST:PORT, e.g. 127.0.0.1:8765)", addr, err)
	}
	if isLoopbackHost(host) || allowRemote {
		return nil
	}
	return fmt.Errorf("refusing to listen on %q: it is reachable from other machines. "+
		"Use a loopback address such as 127.0.0.1:8765, or pass --allow-remote if you mean it "+
		"(every request still needs the token; put TLS in front, e.g. an SSH tunnel or a reverse proxy)", addr)
}

// IsLoopback reports whether addr (HOST:PORT) is a loopback address.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopbackHost(host)
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Guard checks every request before the handler sees it: Host, Origin,
// the bearer token and the size of the body, in that order.
type Guard struct {
	tokenSum [32]byte
	hosts    map[string]bool // accepted Host values, lower case, with port
	origins  map[string]bool // accepted Origin values: http://HOST:PORT
	extra    Extra
}

// Extra is what a front end for browsers adds to the guard: a second way
// in besides the bearer token (the dashboard's session cookie), the
// requests that need neither (its login page; Host, Origin and the body
// bound are still checked), and its own refusal page instead of a JSON-RPC
// error object. Every field is optional.
type Extra struct {
	Session func(*http.Request) bool
	Public  func(*http.Request) bool
	Refuse  func(w http.ResponseWriter, r *http.Request, status int, msg string)
}

// With returns a copy of the guard that also applies e.
func (g *Guard) With(e Extra) *Guard {
	c := *g
	c.extra = e
	return &c
}

// HasToken reports whether r carries the right bearer token (a client
// program, not a browser session).
func (g *Guard) HasToken(r *http.Request) bool { return g.authorized(r) }

// SameOrigin reports whether origin (an Origin header) is this server's.
func (g *Guard) SameOrigin(origin string) bool { return g.origins[strings.ToLower(origin)] }

func (g *Guard) refuse(w http.ResponseWriter, r *http.Request, status, code int, msg string) {
	if g.extra.Refuse != nil {
		g.extra.Refuse(w, r, status, msg)
		return
	}
	WriteError(w, status, code, msg)
}

func (g *Guard) admitted(r *http.Request) bool {
	return g.authorized(r) || (g.extra.Session != nil && g.extra.Session(r)) || (g.extra.Public != nil && g.extra.Public(r))
}

// NewGuard returns a guard for a server bound to bound, taking token.
// Requests must name the server in their Host header: on a loopback
// address as localhost or the loopback IP with the bound port (so a
// hostile page whose name has been rebound to 127.0.0.1 is refused); on a
// remote address also as the bound IP, or as one of names (HOST or
// HOST:PORT, the names clients use to reach it).
func NewGuard(token string, bound net.Addr, names []string) (*Guard, error) {
	if len(token) < minTokenLen {
		return nil, fmt.Errorf("the HTTP token must be at least %d characters", minTokenLen)
	}
	host, port, err := net.SplitHostPort(bound.String())
	if err != nil {
		return nil, fmt.Errorf("bound address %s: %w", bound, err)
	}
	g := &Guard{tokenSum: sha256.Sum256([]byte(token)), hosts: map[string]bool{}, origins: map[string]bool{}}
	add := func(h string) {
		hp := strings.ToLower(net.JoinHostPort(h, port))
		g.hosts[hp] = true
		g.origins["http://"+hp] = true
		if port == "80" {
			g.hosts[strings.ToLower(h)] = true
			g.origins["http://"+strings.ToLower(h)] = true
		}
	}
	ip := net.ParseIP(host)
	switch {
	case ip == nil:
		add(host)
	case ip.IsUnspecified():
		// Every interface: the loopback names and this machine's own
		// addresses work (an IP literal cannot be rebound); a name clients
		// use must be given.
		add("localhost")
		add("127.0.0.1")
		add("::1")
		if addrs, err := net.InterfaceAddrs(); err == nil {
			for _, a := range addrs {
				if n, ok := a.(*net.IPNet); ok {
					add(n.IP.String())
				}
			}
		}
	default:
		add(ip.String())
		if ip.IsLoopback() {
			add("localhost")
		}
	}
	for _, n := range names {
		if h, p, err := net.SplitHostPort(n); err == nil {
			if p != port {
				return nil, fmt.Errorf("allowed host %q: port %s is not the bound port %s", n, p, port)
			}
			n = h
		}
		if n == "" {
			continue
		}
		add(n)
	}
	return g, nil
}

// Handler wraps next with the checks.
func (g *Guard) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !g.hosts[strings.ToLower(r.Host)] {
			g.refuse(w, r, http.StatusForbidden, CodeForbidden, fmt.Sprintf(
				"Host %q is not this server's address: connect to it by the address it printed at start-up "+
					"(a request naming another host is refused against DNS rebinding; a server reached by a name "+
					"of its own needs `--allow-host NAME`)", r.Host))
			return
		}
		if o := r.Header.Get("Origin"); o != "" && !g.origins[strings.ToLower(o)] {
			g.refuse(w, r, http.StatusForbidden, CodeForbidden, fmt.Sprintf(
				"requests from the web origin %q are refused: only clients on this machine (no Origin, or this server's own) may call memtomem", o))
			return
		}
		if !g.admitted(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="memtomem"`)
			g.refuse(w, r, http.StatusUnauthorized, CodeUnauthorized,
				"missing or wrong bearer token: send the header `Authorization: Bearer <token>` with the token from the file `mm serve --http` printed at start-up")
			return
		}
		if r.Body != nil && r.Body != http.NoBody {
			if r.ContentLength > MaxBodyBytes {
				g.tooLarge(w, r)
				return
			}
			// Read the body here, bounded, so an oversized one (also one
			// without a Content-Length) gets the same JSON-RPC answer.
			b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
			if err != nil {
				if mbe := (*http.MaxBytesError)(nil); errors.As(err, &mbe) {
					g.tooLarge(w, r)
					return
				}
				g.refuse(w, r, http.StatusBadRequest, CodeInvalidRequest, "could not read the request body: "+err.Error())
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(b))
			r.ContentLength = int64(len(b))
		}
		next.ServeHTTP(w, r)
	})
}

func (g *Guard) tooLarge(w http.ResponseWriter, r *http.Request) {
	g.refuse(w, r, http.StatusRequestEntityTooLarge, CodeInvalidRequest, fmt.Sprintf(
		"request body larger than %d bytes (%d MiB): split the work into smaller calls (e.g. several mem_add instead of one huge batch)",
		MaxBodyBytes, MaxBodyBytes>>20))
}

// authorized compares the bearer token in constant time. Both sides are
// hashed first so that the comparison does not reveal the token's length.
func (g *Guard) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return false
	}
	sum := sha256.Sum256([]byte(strings.TrimSpace(tok)))
	return subtle.ConstantTimeCompare(sum[:], g.tokenSum[:]) == 1
}

// WriteError answers with a JSON-RPC error object (id null: the request
// was refused before it was read as JSON-RPC) and the HTTP status.
func WriteError(w http.ResponseWriter, status, code int, msg string) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // the messages quote `<token>`; keep them readable
	enc.Encode(errorResponse{JSONRPC: "2.0", Error: errorObject{Code: code, Message: msg}})
	body := buf.Bytes()
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Del("Content-Encoding")
	w.WriteHeader(status)
	w.Write(body)
}

type errorResponse struct {
	JSONRPC string      `json:"jsonrpc"`
	ID      *int        `json:"id"` // always null
	Error   errorObject `json:"error"`
}

type errorObject struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// NewServer is the http.Server every memtomem front end listens with,
// bounding what a client controls before any check has run (the body is
// bounded by the Guard). It has no write timeout: a tool call (an index)
// may rightly take minutes. logPrefix names the front end in errorLog.
func NewServer(h http.Handler, errorLog io.Writer, logPrefix string) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       5 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(errorLog, logPrefix, 0),
	}
}

// URLHost is the host:port to print for a bound address: a loopback or
// named address as is, an unspecified one (every interface) as 127.0.0.1.
func URLHost(bound net.Addr) string {
	host, port, err := net.SplitHostPort(bound.String())
	if err != nil {
		return bound.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return (&url.URL{Host: net.JoinHostPort(host, port)}).Host
}
