package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/heapfloor"
	"github.com/memtomem/memtomem/internal/mcpserver"
)

// serveHelp is printed when mm serve is run from a terminal: there is no
// MCP client on the other end, and waiting silently for JSON-RPC on a
// keyboard only looks like a hang.
const serveHelp = `mm serve is the memtomem MCP server. It talks JSON-RPC on stdin/stdout and is
started by your coding agent, not run by hand. Register it once:

  Claude Code:  claude mcp add memtomem -- mm serve
  Codex:        in ~/.codex/config.toml
                  [mcp_servers.memtomem]
                  command = "mm"
                  args = ["serve"]
  Cursor:       in .cursor/mcp.json (or ~/.cursor/mcp.json)
                  {"mcpServers": {"memtomem": {"command": "mm", "args": ["serve"]}}}

Use the full path to mm if it is not on the agent's PATH. Set MEMTOMEM_HOME in
the server's environment to use a store other than ~/.memtomem.
`

func (a *app) serveCommand() *cobra.Command {
	var h httpFlags
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the MCP server for coding agents (stdio, or HTTP with --http)",
		Long: `Run the memtomem MCP server over stdin/stdout. Coding agents start it; each
session gets its own process, and any number of them share one store.

The handshake touches nothing on disk; the store opens on the first tool call.
The server exits when the client closes stdin, on SIGTERM, SIGINT or SIGHUP,
or when its parent process dies, after letting in-flight writes finish.

` + serveHelp + "\n" + serveHTTPHelp,
		Example: `  claude mcp add memtomem -- mm serve
  mm serve --http 127.0.0.1:8765`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			heapfloor.Keep(serveHeapFloor)
			if h.addr != "" {
				return a.serveHTTP(cmd.Context(), h)
			}
			if h.changedWithoutAddr(cmd) {
				return usagef("--token-file, --allow-remote and --allow-host go with --http ADDR")
			}
			if isTerminal(a.stdin) {
				fmt.Fprint(a.stderr, serveHelp)
				return nil
			}
			return mcpserver.Serve(cmd.Context(), mcpserver.ServeOptions{
				Open: a.serveOpener("stdio"),
				In:   a.stdin,
				Out:  a.stdout,
				Log:  a.stderr,
			})
		},
	}
	h.register(cmd)
	return cmd
}

// serveHeapFloor is the heap size below which a server does not collect
// garbage (see heapfloor): with Go's 4 MiB minimum, a server under load
// spent a seventh of its CPU collecting.
const serveHeapFloor = 8 << 20

// serveOpener loads the configuration and opens the store when the first
// tool call needs it, so that a broken config or store is reported to the
// agent (and retried) instead of failing the handshake. transport ("stdio",
// "http", "web") is how the server is listed among the store's live
// instances.
func (a *app) serveOpener(transport string) memtomem.Opener {
	name := "mm serve"
	if transport == "web" {
		name = "mm web"
	}
	return func(ctx context.Context) (*memtomem.Memory, error) {
		cfg, err := a.loadConfig()
		if err != nil {
			return nil, err
		}
		// Every server is a candidate for the store's single watcher role;
		// the one that holds it keeps memory directories edited by hand
		// indexed, and another takes over if it exits.
		watch := memtomem.WatchOptions{OnError: func(err error) { fmt.Fprintf(a.stderr, "%s: watcher: %v\n", name, err) }}
		opts := []memtomem.Option{memtomem.WithTransport(transport),
			memtomem.WithCommand(strings.Join(os.Args, " ")), memtomem.WithWatch(watch)}
		if transport == "stdio" {
			// An editor starts mm serve in the project it works on; a
			// server over HTTP or the dashboard serves every project.
			opts = append(opts, memtomem.WithProject(projectIn("")))
		}
		m, err := memtomem.Open(ctx, cfg, opts...)
		if err == nil {
			// A store on a full or read-only disk still serves reads;
			// the log says why writes will fail (mem_status says it too).
			if why := m.DiskState(); why != "" {
				fmt.Fprintf(a.stderr, "%s: %s\n", name, why)
			}
		}
		return m, err
	}
}
