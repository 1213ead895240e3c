// Package loadgen drives mem_add the way many agent sessions do at once:
// several MCP sessions (one per mm serve process), each with a few adds in
// flight into the same day file, every add followed by a search for what it
// wrote. mm bench --servers reports its figures; the integration load test
// runs it and then checks every entry on disk and in every server.
package loadgen

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"
)

// Options shape a run.
type Options struct {
	// PerSession adds go through each session, InFlight of them at a time.
	PerSession, InFlight int
	// RetryFor bounds how long an add answered "retry" (a lock held past
	// its bound on a loaded machine) is retried, as an agent would; the
	// idempotency key makes a retry the same entry.
	RetryFor time.Duration
}

// Result is what a run measured.
type Result struct {
	Sessions, InFlight int
	// Latencies are every add's, sorted; Steady leaves out each worker's
	// first add (the first burst creates the day file, once a day).
	Latencies, Steady []time.Duration
	// Took is the whole add phase, searches included.
	Took    time.Duration
	Retried int64
	// Errors are adds that failed and adds their own session did not find
	// at once (read-your-writes).
	Errors []error
}

// Token is the word that makes entry j of session i findable; Content is
// the entry's text.
func Token(i, j int) string { return fmt.Sprintf("tok%dx%d", i, j) }

// Content is the text of entry j of session i.
func Content(i, j int) string { return "load entry " + Token(i, j) }

// Run drives the sessions (see the package comment) and returns what it
// measured. Each session gets one search first, as an agent's first call:
// it opens the store (servers open it on first use), a cost of the
// session's start rather than of writing under load.
func Run(ctx context.Context, sessions []*mcp.ClientSession, o Options) (Result, error) {
	res := Result{Sessions: len(sessions), InFlight: o.InFlight}
	for i, s := range sessions {
		if _, err := Found(ctx, s, "warmup", "warmup"); err != nil {
			return res, fmt.Errorf("session %d: first search: %w", i, err)
		}
	}
	var (
		mu      sync.Mutex
		retried atomic.Int64
		wg      sync.WaitGroup
	)
	start := time.Now()
	for i, s := range sessions {
		work := make(chan int)
		for range o.InFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				first := true
				for j := range work {
					token := Token(i, j)
					began := time.Now()
					n, err := AddRetrying(ctx, s, map[string]any{"content": Content(i, j), "idempotency_key": token}, o.RetryFor)
					took := time.Since(began)
					retried.Add(n)
					if err == nil {
						var ok bool
						if ok, err = Found(ctx, s, token, Content(i, j)); err == nil && !ok {
							err = fmt.Errorf("not found by its own session at once")
						}
					}
					mu.Lock()
					if err != nil {
						res.Errors = append(res.Errors, fmt.Errorf("session %d add %d: %w", i, j, err))
					} else {
						res.Latencies = append(res.Latencies, took)
						if !first {
							res.Steady = append(res.Steady, took)
						}
					}
					first = false
					mu.Unlock()
				}
			}()
		}
		go func() {
			defer close(work)
			for j := range o.PerSession {
				select {
				case work <- j:
				case <-ctx.Done():
					return
				}
			}
		}()
	}
	wg.Wait()
	res.Took = time.Since(start)
	res.Retried = retried.Load()
	slices.Sort(res.Latencies)
	slices.Sort(res.Steady)
	return res, ctx.Err()
}

// AddsPerSec is the adds that succeeded per second of the add phase.
func (r Result) AddsPerSec() float64 {
	if r.Took <= 0 {
		return 0
	}
	return float64(len(r.Latencies)) / r.Took.Seconds()
}

// Quantile returns the q-quantile (0.5, 0.99) of sorted latencies, 0 for none.
func Quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(float64(len(sorted))*q))]
}

// String is the run in one line.
func (r Result) String() string {
	return fmt.Sprintf("mem_add with %d servers x %d in flight: p50 %v, p99 %v; after each worker's first add p50 %v, p99 %v (%d calls, %.0f adds/s with a search after each, %d busy answers retried)",
		r.Sessions, r.InFlight, Quantile(r.Latencies, 0.5), Quantile(r.Latencies, 0.99),
		Quantile(r.Steady, 0.5), Quantile(r.Steady, 0.99), len(r.Latencies), r.AddsPerSec(), r.Retried)
}

// AddRetrying runs mem_add with args through s, retrying an answer that
// says to retry for up to retryFor; it returns how many times it retried.
func AddRetrying(ctx context.Context, s *mcp.ClientSession, args map[string]any, retryFor time.Duration) (int64, error) {
	deadline := time.Now().Add(retryFor)
	var n int64
	for {
		_, err := call(ctx, s, "mem_add", args)
		if err == nil || !strings.Contains(err.Error(), "retry") || time.Now().After(deadline) {
			return n, err
		}
		n++
	}
}

// Found reports whether a search for query through s returns a result
// holding want.
func Found(ctx context.Context, s *mcp.ClientSession, query, want string) (bool, error) {
	res, err := call(ctx, s, "mem_search", map[string]any{"query": query, "top_k": 1})
	if err != nil {
		return false, err
	}
	for _, c := range res.Content {
		if tc, ok := c.(*mcp.TextContent); ok && strings.Contains(tc.Text, want) {
			return true, nil
		}
	}
	return false, nil
}

// callTimeout bounds one call: a server that stops answering fails the
// run instead of hanging it.
const callTimeout = time.Minute

func call(ctx context.Context, s *mcp.ClientSession, name string, args map[string]any) (*mcp.CallToolResult, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	res, err := s.CallTool(ctx, &mcp.CallToolParams{Name: name, Arguments: args})
	if err != nil {
		return nil, err
	}
	if res.IsError {
		var text strings.Builder
		for _, c := range res.Content {
			if tc, ok := c.(*mcp.TextContent); ok {
				text.WriteString(tc.Text)
			}
		}
		return nil, fmt.Errorf("tool error: %s", text.String())
	}
	return res, nil
}
