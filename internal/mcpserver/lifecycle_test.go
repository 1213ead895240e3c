package mcpserver

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
)

// A store that cannot open does not break the handshake; the failure is a
// tool error on the call that needed the store, and once the cause is fixed
// the next call opens it: failures are not cached.
func TestLazyOpenFailureIsRetried(t *testing.T) {
	home := t.TempDir()
	dbPath := filepath.Join(home, "memtomem.db")
	if err := os.Mkdir(dbPath, 0o755); err != nil { // a directory where the database goes
		t.Fatal(err)
	}
	var opens atomic.Int32
	open := storeAt(home)
	cs := connect(t, New(func(ctx context.Context) (*memtomem.Memory, error) {
		opens.Add(1)
		return open(ctx)
	}))
	if _, err := cs.ListTools(t.Context(), nil); err != nil {
		t.Fatalf("tools/list with a broken store: %v", err)
	}
	if n := opens.Load(); n != 0 {
		t.Fatalf("the handshake opened the store %d times", n)
	}
	mustFail(t, cs, "mem_status", nil, "could not open its store")
	mustFail(t, cs, "mem_search", map[string]any{"query": "anything"}, "call the tool again")

	if err := os.Remove(dbPath); err != nil {
		t.Fatal(err)
	}
	mustCall(t, cs, "mem_add", map[string]any{"content": "works after the fix"})
	mustCall(t, cs, "mem_status", nil)
	if n := opens.Load(); n != 3 {
		t.Errorf("opened %d times, want 3 (two failures, then one success kept)", n)
	}
}

// A call in flight when the input ends is not cut off: it runs to the end
// on an uncancelled context, its answer is still written, and Serve returns
// only after that, with the store closed.
func TestShutdownDrainsInFlightWrites(t *testing.T) {
	home := t.TempDir()
	started, release := make(chan struct{}), make(chan struct{})
	var workErr atomic.Value
	// A tool that writes: it blocks until released, then reports whether its
	// contexts were cancelled meanwhile.
	slow := func(s *Server) {
		addTool(s, &mcp.Tool{Name: "slow_write"}, nil, func(c *call, _ noArgs) (string, noArgs, error) {
			if _, err := c.store(); err != nil {
				return "", noArgs{}, err
			}
			reqCtx := c.ctx
			c.writes()
			close(started)
			<-release
			workErr.Store(errors.Join(reqCtx.Err(), c.ctx.Err(), errors.New("done")))
			return "ok", noArgs{}, nil
		})
	}
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	served := make(chan error, 1)
	go func() {
		served <- serveWith(t.Context(), ServeOptions{Open: storeAt(home), In: inR, Out: outW, Grace: 10 * time.Second}, slow)
	}()
	cs, err := mcp.NewClient(&mcp.Implementation{Name: "test", Version: "1"}, nil).Connect(t.Context(), &mcp.IOTransport{Reader: outR, Writer: inW}, nil)
	if err != nil {
		t.Fatal(err)
	}
	answered := make(chan *mcp.CallToolResult, 1)
	go func() {
		res, _ := cs.CallTool(context.Background(), &mcp.CallToolParams{Name: "slow_write"})
		answered <- res
	}()
	<-started
	inW.Close() // the client's input ends mid-call
	select {
	case err := <-served:
		t.Fatalf("Serve returned (%v) while a write was in flight", err)
	default:
	}
	close(release)
	select {
	case res := <-answered:
		if res == nil || res.IsError {
			t.Errorf("the call in flight at end of input got no answer: %+v", res)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the call in flight at end of input was never answered")
	}
	select {
	case err := <-served:
		if err != nil {
			t.Errorf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the write finished")
	}
	if got := workErr.Load().(error).Error(); got != "done" {
		t.Errorf("the call's context was cancelled: %v", got)
	}
	outR.Close()
}
