// Package mcpserver is memtomem's MCP front end: the mem_* tools over the
// memtomem Service, built on the official Go SDK.
//
// The server is meant to be spawned by every editor session, so its
// handshake must be instant and free of side effects: the store is opened
// lazily, on the first tool call (memtomem.Lazy). A failed open is a tool
// error on that call and is retried on the next one; a successful open is
// kept for the life of the process.
package mcpserver

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/lifecycle"
)

// Opener opens the store. It runs on the first tool call, not at start-up
// (see memtomem.Lazy).
type Opener = memtomem.Opener

// Instructions tell the agent when memory is worth using; clients put them in
// the model's context, so they are short and concrete.
const Instructions = `memtomem is long-term memory shared by your past and future sessions: markdown notes plus indexed files, searched by keywords (BM25) and, when an embedding provider is configured, by meaning too.

Search (mem_search) when:
- a session starts, with the task's topic, to pick up earlier decisions and context;
- before re-deriving something (a build command, a root cause, a convention) that may already have been worked out;
- the user refers to past work ("like last time", "the fix we did", "what did we decide").

Add (mem_add) when you learn something a future session needs and cannot easily rediscover:
- decisions and their reasons; fixes for non-obvious problems and their root causes;
- the user's preferences and corrections; facts about the project, its environment and its people.
Write one self-contained memory per fact, with a short title and a few tags. Do not store secrets.

mem_recall lists recent memories by date; mem_read shows one chunk in full; mem_do(action="help") lists maintenance actions (edit, delete, tags, namespaces, export/import).`

// Server is the MCP server over one lazily opened store.
type Server struct {
	mcp   *mcp.Server
	store *memtomem.Lazy

	// calls drains the tool calls at shutdown (see call.writes and
	// call.longWork for the contexts they run on).
	calls        *lifecycle.Calls
	shutdownOnce sync.Once
	shutdownErr  error
}

// New builds a server whose tools use the store returned by open.
func New(open Opener) *Server {
	s := &Server{store: memtomem.NewLazy(open), calls: lifecycle.NewCalls()}
	s.mcp = mcp.NewServer(&mcp.Implementation{Name: "memtomem", Title: "memtomem", Version: memtomem.Version}, &mcp.ServerOptions{
		Instructions: Instructions,
		// No logging capability: the server has nothing to log to the client.
		Capabilities: &mcp.ServerCapabilities{},
	})
	s.mcp.AddReceivingMiddleware(nullArguments)
	s.addCoreTools()
	s.addDoTool()
	s.addPromptsAndResources()
	return s
}

// MCP is the SDK server, for connecting it to a transport.
func (s *Server) MCP() *mcp.Server { return s.mcp }

// memory returns the store, opening it on first use; a failed open is
// explained in terms of what the user can do, and retried on the next call.
func (s *Server) memory(ctx context.Context) (*memtomem.Memory, error) {
	m, err := s.store.Get(ctx)
	if err != nil && !errors.Is(err, memtomem.ErrClosed) {
		return nil, openError{err}
	}
	return m, err
}

// openError explains a failed open in terms of what the user can do.
type openError struct{ err error }

func (e openError) Error() string {
	return fmt.Sprintf("memtomem could not open its store: %v. Fix the cause, then call the tool again: "+
		"the server retries opening on every call (running `mm status` in a terminal shows the same error)", e.err)
}
func (e openError) Unwrap() error { return e.err }

// Shutdown stops taking calls, waits up to grace for in-flight ones to
// finish, then closes the store. Work still running after grace is
// cancelled; if it does not return promptly the store is left for the
// process exit to release (SQLite's WAL recovers), rather than closed under
// it. Shutdown is idempotent.
func (s *Server) Shutdown(grace time.Duration) error {
	s.shutdownOnce.Do(func() {
		if !s.calls.Drain(grace) {
			s.shutdownErr = errors.New("tool calls still running after the shutdown grace period; exiting without closing the store")
			return
		}
		s.shutdownErr = s.store.Close()
	})
	return s.shutdownErr
}
