package main

import (
	"bufio"
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// httpServer is a running `mm serve --http 127.0.0.1:0`.
type httpServer struct {
	cmd   *exec.Cmd
	url   string
	token string
}

var benchURLLine = regexp.MustCompile(`MCP over HTTP at (http://\S+)`)

// startHTTPServer starts the server on home and waits (20 s at most) for
// the URL it prints; it is killed when the benchmark ends.
func startHTTPServer(b *testing.B, bin, home string) *httpServer {
	b.Helper()
	cmd := exec.Command(bin, "serve", "--http", "127.0.0.1:0")
	cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			if m := benchURLLine.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	var url string
	select {
	case url = <-found:
	case <-time.After(20 * time.Second):
		b.Fatal("mm serve --http printed no URL within 20 s")
	}
	tok, err := os.ReadFile(filepath.Join(home, "http-token"))
	if err != nil {
		b.Fatal(err)
	}
	return &httpServer{cmd: cmd, url: url, token: strings.TrimSpace(string(tok))}
}

type benchBearer struct{ token string }

func (t benchBearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+t.token)
	return http.DefaultTransport.RoundTrip(r)
}

func (s *httpServer) connect(b *testing.B, version string) *mcp.ClientSession {
	b.Helper()
	tr := &mcp.StreamableClientTransport{Endpoint: s.url, HTTPClient: &http.Client{Transport: benchBearer{s.token}}, MaxRetries: -1}
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(), tr, &mcp.ClientSessionOptions{ProtocolVersion: version})
	if err != nil {
		b.Fatal(err)
	}
	return cs
}

func reportMedian(b *testing.B, took []time.Duration, unit string) {
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-"+unit)
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-"+unit)
}

// BenchmarkHTTPHandshake measures a client connecting to a running
// mm serve --http: initialize and initialized for a stateful version,
// server/discover for the stateless 2026-07-28; median and worst of b.N.
//
//	go test -run=^$ -bench=HTTPHandshake -benchtime=200x ./cmd/mm/
func BenchmarkHTTPHandshake(b *testing.B) {
	bin := buildMMBench(b)
	srv := startHTTPServer(b, bin, b.TempDir())
	for _, version := range []string{"2025-11-25", "2026-07-28"} {
		b.Run(version, func(b *testing.B) {
			var took []time.Duration
			for b.Loop() {
				start := time.Now()
				cs := srv.connect(b, version)
				took = append(took, time.Since(start))
				cs.Close()
			}
			reportMedian(b, took, "ms")
		})
	}
}

// BenchmarkFirstSearch measures the first mem_search of a fresh server
// over a store of 200 memories (the call that opens the store) and the
// one after it, over stdio and over HTTP side by side; also process start
// to ready (stdio: handshake answered; HTTP: listening) and stop (stdin
// closed or SIGINT) to exit.
//
//	go test -run=^$ -bench=FirstSearch -benchtime=20x ./cmd/mm/
func BenchmarkFirstSearch(b *testing.B) {
	bin := buildMMBench(b)
	home := b.TempDir()
	seed := startHTTPServer(b, bin, home)
	cs := seed.connect(b, "2025-11-25")
	items := make([]map[string]any, 200)
	for i := range items {
		items[i] = map[string]any{"content": "Memory " + strconv.Itoa(i) + " about deploys, caches and the wombat build farm."}
	}
	if res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "mem_do", Arguments: map[string]any{"action": "batch_add", "params": map[string]any{"items": items}}}); err != nil || res.IsError {
		b.Fatalf("seed: %v %v", err, res)
	}
	cs.Close()
	seed.cmd.Process.Signal(os.Interrupt)
	seed.cmd.Wait()

	searches := func(b *testing.B, cs *mcp.ClientSession, firsts, seconds *[]time.Duration) {
		for i, into := range []*[]time.Duration{firsts, seconds} {
			t := time.Now()
			res, err := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "mem_search", Arguments: map[string]any{"query": "wombat build farm"}})
			if err != nil || res.IsError {
				b.Fatalf("search %d: %v %v", i, err, res)
			}
			*into = append(*into, time.Since(t))
		}
	}
	report := func(b *testing.B, starts, firsts, seconds, stops []time.Duration) {
		reportMedian(b, starts, "start-ms")
		reportMedian(b, firsts, "first-search-ms")
		reportMedian(b, seconds, "next-search-ms")
		reportMedian(b, stops, "stop-ms")
	}
	b.Run("stdio", func(b *testing.B) {
		var starts, firsts, seconds, stops []time.Duration
		for b.Loop() {
			cmd := exec.Command(bin, "serve")
			cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home)
			t0 := time.Now()
			cs, err := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil).Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
			if err != nil {
				b.Fatal(err)
			}
			starts = append(starts, time.Since(t0))
			searches(b, cs, &firsts, &seconds)
			t1 := time.Now()
			cs.Close() // closes stdin, waits for the exit
			stops = append(stops, time.Since(t1))
		}
		report(b, starts, firsts, seconds, stops)
	})
	b.Run("http", func(b *testing.B) {
		var starts, firsts, seconds, stops []time.Duration
		for b.Loop() {
			t0 := time.Now()
			srv := startHTTPServer(b, bin, home)
			starts = append(starts, time.Since(t0))
			cs := srv.connect(b, "2025-11-25")
			searches(b, cs, &firsts, &seconds)
			cs.Close()
			t1 := time.Now()
			srv.cmd.Process.Signal(os.Interrupt)
			srv.cmd.Wait()
			stops = append(stops, time.Since(t1))
		}
		report(b, starts, firsts, seconds, stops)
	})
}

// BenchmarkHTTPIdleRSS reports the resident memory of an idle
// mm serve --http: just started, and after it opened the store (one add,
// one search) — beside the stdio server's figure (BenchmarkIdleRSS).
//
//	go test -run=^$ -bench=HTTPIdleRSS -benchtime=2x ./cmd/mm/
func BenchmarkHTTPIdleRSS(b *testing.B) {
	bin := buildMMBench(b)
	for b.Loop() {
		srv := startHTTPServer(b, bin, b.TempDir())
		time.Sleep(2 * time.Second) // let start-up garbage be collected
		b.ReportMetric(rssMiB(b, srv.cmd.Process.Pid), "fresh-rss-MiB")
		cs := srv.connect(b, "2025-11-25")
		ctx := context.Background()
		cs.CallTool(ctx, &mcp.CallToolParams{Name: "mem_add", Arguments: map[string]any{"content": "idle server memory"}})
		cs.CallTool(ctx, &mcp.CallToolParams{Name: "mem_search", Arguments: map[string]any{"query": "idle"}})
		time.Sleep(2 * time.Second)
		b.ReportMetric(rssMiB(b, srv.cmd.Process.Pid), "open-rss-MiB")
		cs.Close()
		srv.cmd.Process.Signal(os.Interrupt)
		srv.cmd.Wait()
	}
}

func rssMiB(b *testing.B, pid int) float64 {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		b.Skip("no /proc on this system")
	}
	for _, line := range strings.Split(string(status), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return kb / 1024
		}
	}
	b.Fatal("no VmRSS")
	return 0
}
