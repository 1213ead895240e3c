package mcpserver_test

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/httpauth"
)

// mmCmd returns an unstarted mm process (the test binary run as mm) on home.
func mmCmd(t *testing.T, home string, args ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, args...)
	cmd.Env = append(childEnv(), "MEMTOMEM_TEST_RUN_AS_MM=1", "MEMTOMEM_HOME="+home)
	return cmd
}

var urlLine = regexp.MustCompile(`MCP over HTTP at (http://\S+)`)

// startHTTP starts mm serve --http on a free loopback port and returns the
// URL it printed.
func startHTTP(t *testing.T, home string, args ...string) (*exec.Cmd, string) {
	t.Helper()
	cmd := mmCmd(t, home, append([]string{"serve", "--http", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			t.Logf("mm serve stderr: %s", sc.Text())
			if m := urlLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case url := <-found:
		return cmd, url
	case <-time.After(20 * time.Second):
		t.Fatal("mm serve --http printed no URL within 20 s")
		return nil, ""
	}
}

type bearerRT struct{ token string }

func (b bearerRT) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+b.token)
	return http.DefaultTransport.RoundTrip(r)
}

func connectHTTP(t *testing.T, url, token string) *mcp.ClientSession {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	tr := &mcp.StreamableClientTransport{Endpoint: url, HTTPClient: &http.Client{Transport: bearerRT{token}}, MaxRetries: -1}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(ctx, tr, &mcp.ClientSessionOptions{ProtocolVersion: "2025-11-25"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cs.Close() })
	return cs
}

// A real mm serve --http: it prints its URL, makes a private token, serves
// a client, is listed as a live instance with transport http from the start (so mm reset
// refuses while it runs), and exits 0 on SIGTERM, leaving the registry.
func TestHTTPProcess(t *testing.T) {
	home := t.TempDir()
	cmd, url := startHTTP(t, home)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.HasSuffix(url, "/mcp") {
		t.Fatalf("URL %q", url)
	}
	token, created, err := httpauth.LoadOrCreateToken(httpauth.TokenPath(home))
	if err != nil || created {
		t.Fatalf("token file: created by the test=%v, %v", created, err)
	}
	cfg, err := config.Load(home)
	if err != nil {
		t.Fatal(err)
	}
	// Listed from the start, before any client called a tool (the server
	// opens the store as it starts, just after printing its URL).
	var live []memtomem.Instance
	for deadline := time.Now().Add(10 * time.Second); len(live) == 0 && time.Now().Before(deadline); {
		if live, err = memtomem.Instances(context.Background(), cfg); err != nil {
			t.Fatal(err)
		}
		if len(live) == 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	cs := connectHTTP(t, url, token)
	call(t, cs, "mem_add", map[string]any{"content": "HTTP servers register like any other."})
	if len(live) != 1 || live[0].PID != cmd.Process.Pid || live[0].Transport != "http" {
		t.Fatalf("live instances %+v, want the server (pid %d) with transport http", live, cmd.Process.Pid)
	}
	reset := mmCmd(t, home, "reset", "--yes")
	out, err := reset.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "http") {
		t.Fatalf("mm reset while the HTTP server runs: %v %s; want a refusal naming it", err, out)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitExit(t, cmd, 10*time.Second, "SIGTERM")
	if live, _ := memtomem.Instances(context.Background(), cfg); len(live) != 0 {
		t.Errorf("still registered after exit: %+v", live)
	}
}

// What mm serve --http refuses before listening: a remote address without
// --allow-remote, a token file that others can read.
func TestHTTPProcessRefuses(t *testing.T) {
	home := t.TempDir()
	out, err := mmCmd(t, home, "serve", "--http", "0.0.0.0:0").CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "--allow-remote") {
		t.Errorf("remote bind: exit %d, %s; want exit 2 naming --allow-remote", code, out)
	}
	shared := filepath.Join(home, "shared-token")
	os.WriteFile(shared, []byte("a-token-others-can-read-123\n"), 0o644)
	os.Chmod(shared, 0o644)
	out, err = mmCmd(t, home, "serve", "--http", "127.0.0.1:0", "--token-file", shared).CombinedOutput()
	if code := exitCode(err); code == 0 || !strings.Contains(string(out), "chmod 600") {
		t.Errorf("readable token file: exit %d, %s; want a refusal saying chmod 600", code, out)
	}
	out, err = mmCmd(t, home, "serve", "--token-file", shared).CombinedOutput()
	if code := exitCode(err); code != 2 || !strings.Contains(string(out), "--http") {
		t.Errorf("--token-file without --http: exit %d, %s", code, out)
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}
