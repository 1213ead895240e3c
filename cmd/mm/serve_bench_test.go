package main

import (
	"context"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// buildMMBench builds a release binary for benchmarks.
func buildMMBench(b *testing.B) string {
	b.Helper()
	out := b.TempDir() + "/mm"
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if msg, err := cmd.CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, msg)
	}
	return out
}

// BenchmarkHandshake measures process start to initialize answered (the
// time an editor waits before its MCP server is usable), as a real client
// sees it, and reports the median and worst of b.N starts.
//
//	go test -run=^$ -bench=Handshake -benchtime=20x ./cmd/mm/
func BenchmarkHandshake(b *testing.B) {
	bin := buildMMBench(b)
	home := b.TempDir()
	var took []time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home)
		client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
		start := time.Now()
		session, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
		session.Close()
	}
	b.StopTimer()
	sort.Slice(took, func(i, j int) bool { return took[i] < took[j] })
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(took[len(took)-1].Microseconds())/1000, "max-ms")
}

// BenchmarkIdleRSS reports the resident memory of one server that has
// opened the store (one search done) and sits idle.
//
//	go test -run=^$ -bench=IdleRSS -benchtime=1x ./cmd/mm/
func BenchmarkIdleRSS(b *testing.B) {
	bin := buildMMBench(b)
	home := b.TempDir()
	for i := 0; i < b.N; i++ {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "MEMTOMEM_HOME="+home)
		client := mcp.NewClient(&mcp.Implementation{Name: "bench", Version: "1"}, nil)
		session, err := client.Connect(context.Background(), &mcp.CommandTransport{Command: cmd}, nil)
		if err != nil {
			b.Fatal(err)
		}
		ctx := context.Background()
		session.CallTool(ctx, &mcp.CallToolParams{Name: "mem_add", Arguments: map[string]any{"content": "idle server memory"}})
		session.CallTool(ctx, &mcp.CallToolParams{Name: "mem_search", Arguments: map[string]any{"query": "idle"}})
		time.Sleep(2 * time.Second) // let start-up garbage be collected
		status, err := os.ReadFile("/proc/" + strconv.Itoa(cmd.Process.Pid) + "/status")
		if err != nil {
			b.Skip("no /proc on this system")
		}
		for _, line := range strings.Split(string(status), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
				kb, _ := strconv.ParseFloat(f[1], 64)
				b.ReportMetric(kb/1024, "rss-MiB")
			}
		}
		session.Close()
	}
}
