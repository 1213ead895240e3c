package mcpserver

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem/internal/httpauth"
)

const testToken = "http-test-token-0123456789"

// httpServe serves a fresh store over a real loopback listener, the way
// mm serve --http does, and returns the endpoint's URL and the server.
func httpServe(t *testing.T) (string, *Server) {
	t.Helper()
	s := New(storeAt(t.TempDir()))
	srv := httptest.NewUnstartedServer(nil)
	g, err := httpauth.NewGuard(testToken, srv.Listener.Addr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	front := newHTTPFront(s, g)
	srv.Config.Handler = front
	srv.Start()
	t.Cleanup(func() {
		front.drain(5 * time.Second)
		srv.Close()
		if err := s.Shutdown(5 * time.Second); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return srv.URL + HTTPPath, s
}

// bearer adds the token to every request, as an HTTP MCP client
// configured with an Authorization header does.
type bearer struct{ token string }

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// httpClient connects the official SDK client over streamable HTTP asking
// for version ("" for the SDK's latest).
func httpClient(t *testing.T, url, version string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	transport := &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: bearer{testToken}}, MaxRetries: -1}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, transport, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		t.Fatalf("connect over HTTP (version %q): %v", version, err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// Every core tool over streamable HTTP, on each protocol version the SDK
// serves: the stateless 2026-07-28 (the SDK client's default), the latest
// stateful one and the oldest.
func TestHTTPCoreTools(t *testing.T) {
	for _, version := range []string{"2026-07-28", "2025-11-25", "2024-11-05"} {
		t.Run(version, func(t *testing.T) {
			url, _ := httpServe(t)
			cs := httpClient(t, url, version)
			if got := cs.InitializeResult().ProtocolVersion; got != version {
				t.Fatalf("negotiated %s, want %s", got, version)
			}
			if info := cs.InitializeResult().ServerInfo; info == nil || info.Name != "memtomem" {
				t.Fatalf("server info %+v", info)
			}
			tools, err := cs.ListTools(t.Context(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(tools.Tools) < 9 {
				t.Fatalf("%d tools listed", len(tools.Tools))
			}

			var added struct {
				ChunkIDs []string `json:"chunk_ids"`
			}
			structured(t, mustCall(t, cs, "mem_add", map[string]any{"content": "The HTTP capybara deploys on Tuesdays.", "title": "Capybara", "tags": []string{"ops"}}), &added)
			if len(added.ChunkIDs) != 1 {
				t.Fatalf("mem_add: chunk ids %v", added.ChunkIDs)
			}
			if got := text(mustCall(t, cs, "mem_search", map[string]any{"query": "capybara deploys", "top_k": 3})); !strings.Contains(got, "Tuesdays") {
				t.Errorf("mem_search: %s", got)
			}
			if got := text(mustCall(t, cs, "mem_read", map[string]any{"chunk_id": added.ChunkIDs[0]})); !strings.Contains(got, "HTTP capybara") {
				t.Errorf("mem_read: %s", got)
			}
			if got := text(mustCall(t, cs, "mem_recall", map[string]any{"limit": 5})); !strings.Contains(got, "capybara") {
				t.Errorf("mem_recall: %s", got)
			}
			if got := text(mustCall(t, cs, "mem_list", map[string]any{})); !strings.Contains(got, "capybara") {
				t.Errorf("mem_list: %s", got)
			}
			var stats struct {
				Chunks int `json:"chunks"`
			}
			structured(t, mustCall(t, cs, "mem_stats", nil), &stats)
			if stats.Chunks != 1 {
				t.Errorf("mem_stats: %d chunks", stats.Chunks)
			}
			mustCall(t, cs, "mem_index", map[string]any{})
			if got := text(mustCall(t, cs, "mem_status", nil)); !strings.Contains(got, "schema") {
				t.Errorf("mem_status: %s", got)
			}
			if got := text(mustCall(t, cs, "mem_do", map[string]any{"action": "tag_list"})); !strings.Contains(got, "ops") {
				t.Errorf("mem_do tag_list: %s", got)
			}
			mustFail(t, cs, "mem_search", map[string]any{"query": ""}, "query is empty")
		})
	}
}

// Two clients at once, one stateful and one stateless, each adding while
// the other does: one process, one store, each sees the other's memories.
func TestHTTPTwoClientsShareOneStore(t *testing.T) {
	url, s := httpServe(t)
	clients := map[string]*mcp.ClientSession{
		"stateful":  httpClient(t, url, "2025-11-25"),
		"stateless": httpClient(t, url, "2026-07-28"),
	}
	const each = 6
	var wg sync.WaitGroup
	for name, cs := range clients {
		wg.Go(func() {
			for i := range each {
				res, err := cs.CallTool(t.Context(), &mcp.CallToolParams{Name: "mem_add", Arguments: map[string]any{
					"content": fmt.Sprintf("Note %d from the %s client about wombats.", i, name)}})
				if err != nil || res.IsError {
					t.Errorf("%s mem_add %d: %v %v", name, i, err, res)
				}
			}
		})
	}
	wg.Wait()
	for name, cs := range clients {
		var stats struct {
			Chunks int `json:"chunks"`
		}
		structured(t, mustCall(t, cs, "mem_stats", nil), &stats)
		if stats.Chunks != 2*each {
			t.Errorf("%s client sees %d chunks, want %d", name, stats.Chunks, 2*each)
		}
		other := "stateless"
		if name == other {
			other = "stateful"
		}
		if got := text(mustCall(t, cs, "mem_search", map[string]any{"query": other + " wombats"})); !strings.Contains(got, "from the "+other+" client") {
			t.Errorf("%s client does not find the %s client's notes: %s", name, other, got)
		}
	}
	if !s.store.IsOpen() {
		t.Fatal("store not open")
	}
}

// What the SDK refuses (a wrong media type, an unknown session, a version
// it does not speak) reaches the client as a JSON-RPC error, like the
// guard's own refusals.
func TestHTTPRefusalsAreJSONRPC(t *testing.T) {
	url, _ := httpServe(t)
	wantCode := map[string]int{"no token": httpauth.CodeUnauthorized, "foreign origin": httpauth.CodeForbidden,
		"not JSON": httpauth.CodeParseError, "oversized body": httpauth.CodeInvalidRequest}
	initialize := `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`
	for _, tc := range []struct {
		name    string
		method  string
		headers map[string]string
		body    string
		status  int
		mention string
	}{
		{"no token", "POST", map[string]string{"Authorization": ""}, initialize, 401, "Authorization: Bearer"},
		{"foreign origin", "POST", map[string]string{"Origin": "http://evil.example"}, initialize, 403, "evil.example"},
		{"wrong media type", "POST", map[string]string{"Content-Type": "text/plain"}, initialize, 415, "application/json"},
		{"unknown session", "POST", map[string]string{"Mcp-Session-Id": "NOSUCHSESSION"}, initialize, 404, "start a new one with initialize"},
		{"GET without a session", "GET", map[string]string{"Accept": "text/event-stream"}, "", 400, "Mcp-Session-Id"},
		{"unknown version", "POST", map[string]string{"Mcp-Protocol-Version": "1999-01-01"}, initialize, 400, "2025-11-25"},
		{"not JSON", "POST", nil, `{"jsonrpc":"2.0","id":1,"method":`, 400, "malformed payload"},
		{"oversized body", "POST", nil, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"mem_add","arguments":{"content":"` + strings.Repeat("x", httpauth.MaxBodyBytes) + `"}}}`, 413, "4 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, url, strings.NewReader(tc.body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			for k, v := range tc.headers {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var e struct {
				JSONRPC string `json:"jsonrpc"`
				Error   struct {
					Code    int    `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			}
			if resp.StatusCode != tc.status || json.Unmarshal(b, &e) != nil || e.JSONRPC != "2.0" || e.Error.Code == 0 ||
				!strings.Contains(e.Error.Message, tc.mention) {
				t.Fatalf("status %d %s: want %d and a JSON-RPC error mentioning %q", resp.StatusCode, b, tc.status, tc.mention)
			}
			if want, ok := wantCode[tc.name]; ok && e.Error.Code != want {
				t.Errorf("code %d, want %d", e.Error.Code, want)
			}
		})
	}
}

// A call in flight when shutdown begins (a signal; here the context) is
// answered: the listener closes at once, the call finishes, its answer
// reaches the client, a client's standing GET stream does not hold the
// drain, and ServeHTTP returns with the store closed.
func TestHTTPShutdownAnswersCallsInFlight(t *testing.T) {
	home := t.TempDir()
	started, release := make(chan struct{}), make(chan struct{})
	slow := func(s *Server) {
		addTool(s, &mcp.Tool{Name: "slow_write"}, nil, func(c *call, _ noArgs) (string, noArgs, error) {
			if _, err := c.store(); err != nil {
				return "", noArgs{}, err
			}
			c.writes()
			close(started)
			<-release
			return "ok", noArgs{}, nil
		})
	}
	ctx, stop := context.WithCancel(t.Context())
	defer stop()
	ready := make(chan string, 1)
	served := make(chan error, 1)
	var srv *Server
	go func() {
		served <- serveHTTPWith(ctx, HTTPOptions{
			Open: storeAt(home), Addr: "127.0.0.1:0", TokenFile: filepath.Join(home, "tok"),
			Grace: time.Minute, Ready: func(url string) { ready <- url },
		}, func(s *Server) { srv = s; slow(s) })
	}()
	url := <-ready
	tok, _, err := httpauth.LoadOrCreateToken(filepath.Join(home, "tok"))
	if err != nil {
		t.Fatal(err)
	}
	// A stateful client, with its standing GET stream open. (The SDK client
	// opens it in the background after the handshake, and a stream that
	// cannot be opened fails the session: wait for it to be up.)
	streaming := make(chan struct{})
	var once sync.Once
	rt := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		resp, err := bearer{tok}.RoundTrip(r)
		if err == nil && r.Method == http.MethodGet && resp.StatusCode == http.StatusOK {
			once.Do(func() { close(streaming) })
		}
		return resp, err
	})
	// The SDK's default retries: a client that gave up at the first break
	// of its GET stream (the server closes it once the last call is
	// answered) could fail the session before reading that answer.
	transport := &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: rt}}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), transport, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	defer cs.Close()
	select {
	case <-streaming:
	case <-time.After(20 * time.Second):
		t.Fatal("the client's standing GET stream did not open")
	}
	answered := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "slow_write"})
		if err != nil {
			t.Errorf("slow_write: %v", err)
		}
		answered <- res
	}()
	<-started
	stop()
	// The listener closes while the call still runs: no new clients.
	addr := strings.TrimSuffix(strings.TrimPrefix(url, "http://"), HTTPPath)
	closed := false
	for range 200 {
		if c, err := net.Dial("tcp", addr); err != nil {
			closed = true
			break
		} else {
			c.Close()
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !closed {
		t.Error("the listener still accepts connections after shutdown began")
	}
	select {
	case err := <-served:
		t.Fatalf("ServeHTTP returned (%v) while a call was in flight", err)
	default:
	}
	close(release)
	select {
	case res := <-answered:
		if res == nil || res.IsError {
			t.Errorf("the call in flight at shutdown got no answer: %+v", res)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the call in flight at shutdown was never answered")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("ServeHTTP: %v", err)
		}
	case <-time.After(20 * time.Second): // well inside the minute of grace
		t.Fatal("ServeHTTP did not return after the last call was answered (a standing GET stream held it?)")
	}
	if srv.store.IsOpen() {
		t.Error("the store was left open")
	}
}

// A body that is not JSON gets a parse error, and the session it was sent
// on goes on: the next call on it is answered.
func TestHTTPMalformedBodyKeepsSession(t *testing.T) {
	url, _ := httpServe(t)
	post := func(session, body string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("POST", url, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+testToken)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", "application/json, text/event-stream")
		if session != "" {
			req.Header.Set("Mcp-Session-Id", session)
			req.Header.Set("Mcp-Protocol-Version", "2025-06-18")
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	resp, _ := post("", `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}`)
	session := resp.Header.Get("Mcp-Session-Id")
	if session == "" {
		t.Fatalf("no session: %d", resp.StatusCode)
	}
	post(session, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	resp, body := post(session, `{"jsonrpc":"2.0","id":2,"method":`)
	if resp.StatusCode != 400 || !strings.Contains(body, `"code":-32700`) {
		t.Fatalf("malformed body: %d %s", resp.StatusCode, body)
	}
	resp, body = post(session, `{"jsonrpc":"2.0","id":3,"method":"tools/list"}`)
	if resp.StatusCode != 200 || !strings.Contains(body, `"id":3,"result"`) || !strings.Contains(body, "mem_search") {
		t.Fatalf("the session did not go on: %d %s", resp.StatusCode, body)
	}
}
