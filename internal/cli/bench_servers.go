package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/loadgen"
)

// benchServers is the figure for many sessions at once: --servers mm serve
// processes on one throwaway home, each with --in-flight adds in flight
// into the same day file, every add followed by a search for it.
type benchServers struct {
	Servers     int     `json:"servers"`
	InFlight    int     `json:"in_flight"`
	Adds        int     `json:"adds"`
	AddsPerSec  float64 `json:"adds_per_sec"`
	AddP50Ms    float64 `json:"add_p50_ms"`
	AddP99Ms    float64 `json:"add_p99_ms"`
	SteadyP99Ms float64 `json:"steady_add_p99_ms"`
	BusyRetried int64   `json:"busy_retried"`
	Failed      int     `json:"failed"`
}

// maxBenchServers bounds --servers: each is a process of its own.
const maxBenchServers = 64

// runBenchServers starts the servers, runs loadgen over them and stops
// them. The children are this binary, with none of the caller's MEMTOMEM_*
// settings (their store is the throwaway home, never the user's or a
// team's database) and keyword-only.
func runBenchServers(ctx context.Context, servers, inFlight, adds int) (benchServers, error) {
	res := benchServers{Servers: servers, InFlight: inFlight}
	exe, err := os.Executable()
	if err != nil {
		return res, fmt.Errorf("bench: cannot find mm's own binary to start servers: %w", err)
	}
	tmp, err := os.MkdirTemp("", "mm-bench-servers-*")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(tmp)
	home := filepath.Join(tmp, "home")
	env := []string{"MEMTOMEM_HOME=" + home}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MEMTOMEM_") {
			env = append(env, kv)
		}
	}
	client := mcp.NewClient(&mcp.Implementation{Name: "mm-bench", Version: memtomem.Version}, nil)
	sessions := make([]*mcp.ClientSession, 0, servers)
	defer func() {
		for _, s := range sessions {
			s.Close()
		}
	}()
	for range servers {
		cmd := exec.Command(exe, "serve")
		cmd.Args[0] = "mm"
		cmd.Env, cmd.Dir = env, tmp // no project of the caller's
		start, cancel := context.WithTimeout(ctx, 30*time.Second)
		s, err := client.Connect(start, &mcp.CommandTransport{Command: cmd, TerminateDuration: 10 * time.Second}, nil)
		cancel()
		if err != nil {
			return res, fmt.Errorf("bench: starting mm serve: %w", err)
		}
		sessions = append(sessions, s)
	}
	per := max(1, adds/servers)
	r, err := loadgen.Run(ctx, sessions, loadgen.Options{PerSession: per, InFlight: inFlight, RetryFor: 2 * time.Minute})
	if err != nil {
		return res, err
	}
	res.Adds, res.Failed, res.BusyRetried = len(r.Latencies), len(r.Errors), r.Retried
	res.AddsPerSec = r.AddsPerSec()
	res.AddP50Ms, res.AddP99Ms = millis(loadgen.Quantile(r.Latencies, 0.5)), millis(loadgen.Quantile(r.Latencies, 0.99))
	res.SteadyP99Ms = millis(loadgen.Quantile(r.Steady, 0.99))
	if res.Failed > 0 {
		return res, fmt.Errorf("bench: %d of %d adds failed; the first: %w", res.Failed, per*servers, r.Errors[0])
	}
	return res, nil
}

func printBenchServers(w io.Writer, r benchServers) {
	fmt.Fprintf(w, "%d servers x %d in flight, one day file:\n", r.Servers, r.InFlight)
	fmt.Fprintf(w, "  add:    %d memories, %.0f adds/s (a search after each), p50 %.2f ms, p99 %.2f ms (%.2f ms after each worker's first), %d busy answers retried\n",
		r.Adds, r.AddsPerSec, r.AddP50Ms, r.AddP99Ms, r.SteadyP99Ms, r.BusyRetried)
}
