package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem/internal/httpauth"
	"github.com/memtomem/memtomem/internal/mcpserver"
)

// serveHTTPHelp explains --http: the token, the flags, and how to point a
// client at the server.
const serveHTTPHelp = `MCP over HTTP (mm serve --http ADDR)
  One long-running process serves any number of MCP clients over streamable
  HTTP at http://ADDR/mcp; they share one store. It speaks every protocol
  version the Go SDK serves, up to the stateless 2026-07-28.

  Every request needs the bearer token: the header
      Authorization: Bearer <token>
  The token is made on first use in ~/.memtomem/http-token (mode 0600; a token
  file others can read is refused); --token-file picks another file. Give a
  client the URL and the header, e.g. in Claude Code:
      claude mcp add --transport http memtomem http://127.0.0.1:8765/mcp \
        --header "Authorization: Bearer $(cat ~/.memtomem/http-token)"

  Loopback only unless --allow-remote. Requests whose Host is not the
  server's address (DNS rebinding) or that come from a web page of another
  origin are refused, and bodies are bounded to 4 MiB. Every refusal is a
  JSON-RPC error object saying what to do. SIGTERM or SIGINT stops it after
  answering the calls in flight.
`

type httpFlags struct {
	addr        string
	tokenFile   string
	allowRemote bool
	allowHosts  []string
}

func (h *httpFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&h.addr, "http", "", "serve MCP over streamable HTTP on `ADDR` (e.g. 127.0.0.1:8765) instead of stdio")
	f.StringVar(&h.tokenFile, "token-file", "", "bearer token `FILE` for --http (default: http-token in the memtomem home; created if missing)")
	f.BoolVar(&h.allowRemote, "allow-remote", false, "let --http listen on a non-loopback address (the token is still required)")
	f.StringSliceVar(&h.allowHosts, "allow-host", nil, "extra `NAME` clients may use in the Host header with --http (repeatable)")
}

func (h *httpFlags) changedWithoutAddr(cmd *cobra.Command) bool {
	for _, n := range []string{"token-file", "allow-remote", "allow-host"} {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

func (a *app) serveHTTP(ctx context.Context, h httpFlags) error {
	tokenFile := h.tokenFile
	if tokenFile == "" {
		home, err := a.homeDir()
		if err != nil {
			return err
		}
		tokenFile = httpauth.TokenPath(home)
	}
	if err := httpauth.CheckListen(h.addr, h.allowRemote); err != nil {
		return usageError{err}
	}
	return mcpserver.ServeHTTP(ctx, mcpserver.HTTPOptions{
		Open:        a.serveOpener("http"),
		Addr:        h.addr,
		AllowRemote: h.allowRemote,
		AllowHosts:  h.allowHosts,
		TokenFile:   tokenFile,
		Log:         a.stderr,
	})
}
