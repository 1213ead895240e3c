package httpauth_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/memtomem/memtomem/internal/httpauth"
)

func TestTokenFileCreatedPrivateAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "home", httpauth.TokenFileName)
	tok, created, err := httpauth.LoadOrCreateToken(path)
	if err != nil || !created {
		t.Fatalf("first use: created=%v err=%v", created, err)
	}
	if len(tok) != 64 {
		t.Errorf("token %q: want 64 hex characters", tok)
	}
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := info.Mode().Perm(); perm != 0o600 {
		t.Errorf("token file mode %04o, want 0600", perm)
	}
	again, created, err := httpauth.LoadOrCreateToken(path)
	if err != nil || created || again != tok {
		t.Fatalf("second use: token %q created=%v err=%v, want the same token %q", again, created, err, tok)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(path), ".*tmp*")); len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
}

// Processes starting at once must all end up with the one token on disk.
func TestTokenFileCreatedOnceUnderRace(t *testing.T) {
	path := filepath.Join(t.TempDir(), httpauth.TokenFileName)
	const n = 8
	toks := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			tok, _, err := httpauth.LoadOrCreateToken(path)
			if err != nil {
				t.Error(err)
			}
			toks[i] = tok
		})
	}
	wg.Wait()
	onDisk, _ := os.ReadFile(path)
	for i, tok := range toks {
		if tok != strings.TrimSpace(string(onDisk)) {
			t.Fatalf("caller %d got %q, file holds %q", i, tok, onDisk)
		}
	}
}

func TestTokenFileRefused(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, content string
		mode          os.FileMode
		want          string
	}{
		{"readable by others", "0123456789abcdef0123", 0o644, "chmod 600"},
		{"readable by group", "0123456789abcdef0123", 0o640, "chmod 600"},
		{"too short", "short", 0o600, "at least 16 characters"},
		{"two words", "0123456789abcdef 0123456789abcdef", 0o600, "no spaces"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "-"))
			if err := os.WriteFile(path, []byte(tc.content), tc.mode); err != nil {
				t.Fatal(err)
			}
			os.Chmod(path, tc.mode) // past the umask
			_, _, err := httpauth.LoadOrCreateToken(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Fatalf("err %v, want one naming %s and saying %q", err, path, tc.want)
			}
		})
	}
	// A token file chosen by hand, private, with a trailing newline, is used.
	path := filepath.Join(dir, "mine")
	os.WriteFile(path, []byte("my-own-long-token-1234\n"), 0o600)
	if tok, _, err := httpauth.LoadOrCreateToken(path); err != nil || tok != "my-own-long-token-1234" {
		t.Fatalf("hand-made token: %q, %v", tok, err)
	}
}

func TestCheckListen(t *testing.T) {
	for _, tc := range []struct {
		addr   string
		remote bool
		ok     bool
	}{
		{"127.0.0.1:8765", false, true},
		{"127.0.0.2:0", false, true},
		{"localhost:8765", false, true},
		{"[::1]:8765", false, true},
		{":8765", false, false},
		{"0.0.0.0:8765", false, false},
		{"192.0.2.1:8765", false, false},
		{"[::]:8765", false, false},
		{"0.0.0.0:8765", true, true},
		{"8765", false, false},
	} {
		err := httpauth.CheckListen(tc.addr, tc.remote)
		if (err == nil) != tc.ok {
			t.Errorf("CheckListen(%q, %v) = %v, want ok=%v", tc.addr, tc.remote, err, tc.ok)
		}
		if err != nil && !tc.remote && tc.addr != "8765" && !strings.Contains(err.Error(), "--allow-remote") {
			t.Errorf("CheckListen(%q): %v does not say how to allow it", tc.addr, err)
		}
	}
}

const token = "test-token-0123456789abcdef"

// guarded serves an echo handler behind a guard on a real loopback listener.
func guarded(t *testing.T, names ...string) *httptest.Server {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	g, err := httpauth.NewGuard(token, srv.Listener.Addr(), names)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Write([]byte("ok " + r.Host + " " + itoa(len(b))))
	}))
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

type rpcError struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Error   struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func do(t *testing.T, req *http.Request) (*http.Response, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// refused checks a JSON-RPC error answer with the HTTP status want.
func refused(t *testing.T, req *http.Request, status, code int, mention string) *http.Response {
	t.Helper()
	resp, body := do(t, req)
	if resp.StatusCode != status {
		t.Fatalf("%s %s: status %d (%s), want %d", req.Method, req.Host, resp.StatusCode, body, status)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	var e rpcError
	if err := json.Unmarshal([]byte(body), &e); err != nil {
		t.Fatalf("body %q is not JSON: %v", body, err)
	}
	if e.JSONRPC != "2.0" || string(e.ID) != "null" || e.Error.Code != code || !strings.Contains(e.Error.Message, mention) {
		t.Fatalf("body %s: want a JSON-RPC error, id null, code %d, mentioning %q", body, code, mention)
	}
	return resp
}

func request(t *testing.T, srv *httptest.Server, method string, body io.Reader) *http.Request {
	req, err := http.NewRequest(method, srv.URL+"/mcp", body)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return req
}

func TestGuardToken(t *testing.T) {
	srv := guarded(t)
	req := request(t, srv, "POST", strings.NewReader("{}"))
	req.Header.Del("Authorization")
	resp := refused(t, req, 401, httpauth.CodeUnauthorized, "Authorization: Bearer")
	if got := resp.Header.Get("WWW-Authenticate"); !strings.HasPrefix(got, "Bearer") {
		t.Errorf("WWW-Authenticate %q, want Bearer", got)
	}
	for _, h := range []string{"Bearer wrong-token-0123456789abcdef", "Bearer " + token + "x", "Basic " + token, token, "Bearer"} {
		req := request(t, srv, "POST", nil)
		req.Header.Set("Authorization", h)
		refused(t, req, 401, httpauth.CodeUnauthorized, "bearer token")
	}
	req = request(t, srv, "POST", strings.NewReader("{}"))
	req.Header.Set("Authorization", "bearer "+token) // the scheme is case-insensitive
	if resp, body := do(t, req); resp.StatusCode != 200 || !strings.HasPrefix(body, "ok ") {
		t.Fatalf("right token: %d %s", resp.StatusCode, body)
	}
}

func TestGuardOriginAndHost(t *testing.T) {
	srv := guarded(t)
	port := srv.Listener.Addr().String()[strings.LastIndex(srv.Listener.Addr().String(), ":"):]

	for _, origin := range []string{"http://evil.example", "http://127.0.0.1:1" + port[1:] + "0", "null", "https://127.0.0.1" + port} {
		req := request(t, srv, "POST", nil)
		req.Header.Set("Origin", origin)
		refused(t, req, 403, httpauth.CodeForbidden, origin)
	}
	for _, origin := range []string{"http://127.0.0.1" + port, "http://localhost" + port} {
		req := request(t, srv, "POST", nil)
		req.Header.Set("Origin", origin)
		if resp, body := do(t, req); resp.StatusCode != 200 {
			t.Fatalf("same-host origin %s: %d %s", origin, resp.StatusCode, body)
		}
	}

	// DNS rebinding: a hostile name resolved to 127.0.0.1 reaches the port,
	// but its Host header gives it away.
	for _, host := range []string{"evil.example" + port, "evil.example", "127.0.0.1", "127.0.0.1:1", "localhost.evil.example" + port} {
		req := request(t, srv, "POST", nil)
		req.Host = host
		refused(t, req, 403, httpauth.CodeForbidden, "DNS rebinding")
	}
	for _, host := range []string{"127.0.0.1" + port, "localhost" + port, "LOCALHOST" + port} {
		req := request(t, srv, "POST", nil)
		req.Host = host
		if resp, body := do(t, req); resp.StatusCode != 200 {
			t.Fatalf("Host %s: %d %s", host, resp.StatusCode, body)
		}
	}

	// A name given for a server reached by name (--allow-host).
	named := guarded(t, "memory.lan")
	req := request(t, named, "POST", nil)
	req.Host = "memory.lan" + named.Listener.Addr().String()[strings.LastIndex(named.Listener.Addr().String(), ":"):]
	if resp, body := do(t, req); resp.StatusCode != 200 {
		t.Fatalf("allowed name %s: %d %s", req.Host, resp.StatusCode, body)
	}
}

func TestGuardBoundsBodies(t *testing.T) {
	srv := guarded(t)
	big := strings.Repeat("x", httpauth.MaxBodyBytes+1)
	refused(t, request(t, srv, "POST", strings.NewReader(big)), 413, httpauth.CodeInvalidRequest, "4 MiB")
	// Without a Content-Length (chunked), the bound holds while reading.
	chunked := request(t, srv, "POST", io.MultiReader(strings.NewReader(big)))
	chunked.ContentLength = -1
	refused(t, chunked, 413, httpauth.CodeInvalidRequest, "larger than")
	// At the limit the body reaches the handler whole.
	resp, body := do(t, request(t, srv, "POST", strings.NewReader(big[1:])))
	if resp.StatusCode != 200 || !strings.HasSuffix(body, " "+itoa(httpauth.MaxBodyBytes)) {
		t.Fatalf("body at the limit: %d %s", resp.StatusCode, body)
	}
}

// Bound to every interface (--allow-remote), the server answers to its
// loopback names and to this machine's own addresses, not to other names.
func TestGuardOnEveryInterface(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4zero, Port: 8765}
	g, err := httpauth.NewGuard(token, addr, []string{"memory.lan"})
	if err != nil {
		t.Fatal(err)
	}
	h := g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	status := func(host string) int {
		req := httptest.NewRequest("POST", "/mcp", nil)
		req.Host = host
		req.Header.Set("Authorization", "Bearer "+token)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w.Code
	}
	for _, host := range []string{"127.0.0.1:8765", "localhost:8765", "[::1]:8765", "memory.lan:8765"} {
		if got := status(host); got != 200 {
			t.Errorf("Host %s: %d, want 200", host, got)
		}
	}
	for _, host := range []string{"evil.example:8765", "memory.lan:8766", "memory.lan"} {
		if got := status(host); got != 403 {
			t.Errorf("Host %s: %d, want 403", host, got)
		}
	}
}

// A browser front end adds a session as a second way in, public paths,
// and its own refusal pages; Host and Origin are still checked first.
func TestGuardWithExtra(t *testing.T) {
	srv := httptest.NewUnstartedServer(nil)
	g, err := httpauth.NewGuard(token, srv.Listener.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	g = g.With(httpauth.Extra{
		Session: func(r *http.Request) bool { return r.Header.Get("Cookie") == "s=good" },
		Public:  func(r *http.Request) bool { return r.URL.Path == "/login" },
		Refuse: func(w http.ResponseWriter, r *http.Request, status int, msg string) {
			w.WriteHeader(status)
			w.Write([]byte("page: " + msg))
		},
	})
	srv.Config.Handler = g.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) }))
	srv.Start()
	defer srv.Close()
	get := func(path, cookie, origin string) (int, string) {
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		resp, body := do(t, req)
		return resp.StatusCode, body
	}
	for _, c := range []struct {
		path, cookie, origin string
		status               int
		body                 string
	}{
		{"/x", "", "", 401, "page: missing or wrong bearer token"},
		{"/x", "s=bad", "", 401, "page:"},
		{"/x", "s=good", "", 200, "ok"},
		{"/login", "", "", 200, "ok"},
		{"/login", "", "http://evil.example", 403, "page: requests from the web origin"},
		{"/x", "s=good", "http://evil.example", 403, "page:"},
	} {
		if status, body := get(c.path, c.cookie, c.origin); status != c.status || !strings.HasPrefix(body, c.body) {
			t.Errorf("GET %s cookie %q origin %q: %d %q, want %d %q", c.path, c.cookie, c.origin, status, body, c.status, c.body)
		}
	}
	if !g.SameOrigin(srv.URL) || g.SameOrigin("http://evil.example") || g.SameOrigin("") {
		t.Error("SameOrigin does not tell this server's origin from others")
	}
}
