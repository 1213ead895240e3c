package main

import (
	"bufio"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// webServer is a running `mm web` process.
type webServer struct {
	t      *testing.T
	cmd    interface{ Wait() error }
	signal func(syscall.Signal)
	url    string
	login  string
	client *http.Client // with a cookie jar
	log    *strings.Builder
}

var webLoginLine = regexp.MustCompile(`log in by opening \(works once\): (http://\S+)`)

func startWeb(t *testing.T, home string, args ...string) *webServer {
	t.Helper()
	cmd := mmCommand(t, home, append([]string{"web", "--addr", "127.0.0.1:0"}, args...)...)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &webServer{t: t, cmd: cmd, log: &strings.Builder{}, signal: func(s syscall.Signal) { cmd.Process.Signal(s) }}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			w.log.WriteString(sc.Text() + "\n")
			if m := webLoginLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	select {
	case w.login = <-found:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("mm web printed no login link within 30 s")
	}
	u, _ := url.Parse(w.login)
	w.url = u.Scheme + "://" + u.Host
	jar, _ := cookiejar.New(nil)
	w.client = &http.Client{Jar: jar, Timeout: 30 * time.Second}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	})
	return w
}

func (w *webServer) get(path string) (int, string) {
	w.t.Helper()
	resp, err := w.client.Get(w.url + path)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// mm web runs beside mm serve on one store: it lists both, shows what the
// MCP server added, and leaves the registry on SIGTERM with exit status 0.
func TestWebBesideServe(t *testing.T) {
	home := t.TempDir()
	s := startServer(t, home)
	s.mustCall("mem_add", map[string]any{"content": "added through MCP about otters"})
	w := startWeb(t, home)
	if code, _ := w.get("/status"); code != http.StatusUnauthorized {
		t.Fatalf("status before logging in: %d, want 401", code)
	}
	u, _ := url.Parse(w.login)
	if code, _ := w.get(u.RequestURI()); code != http.StatusOK {
		t.Fatalf("the login link (followed to the search page): %d", code)
	}
	code, body := w.get("/status")
	if code != http.StatusOK || !strings.Contains(body, "<td>web</td>") || !strings.Contains(body, "<td>stdio</td>") {
		t.Fatalf("status: %d, want both the web and the stdio instance listed:\n%s", code, body)
	}
	if _, body := w.get("/search?q=otters"); !strings.Contains(body, "added through MCP about otters") {
		t.Errorf("search on the dashboard does not find the memory mm serve added:\n%s", body)
	}
	if n := liveEntries(t, home); n != 2 {
		t.Errorf("%d registry entries, want 2 (mm serve and mm web)", n)
	}
	w.signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- w.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("mm web after SIGTERM: %v\n%s", err, w.log)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("mm web did not exit within 30 s of SIGTERM")
	}
	if n := liveEntries(t, home); n != 1 {
		t.Errorf("%d registry entries after mm web exited, want 1 (mm serve)", n)
	}
}

func TestWebRefusesARemoteAddress(t *testing.T) {
	out, err := mmCommand(t, t.TempDir(), "web", "--addr", "0.0.0.0:8767").CombinedOutput()
	if exitCode(err) != 2 || !strings.Contains(string(out), "loopback") {
		t.Fatalf("mm web --addr 0.0.0.0:8767: exit %d, %q; want exit 2 saying it serves loopback only", exitCode(err), out)
	}
}
