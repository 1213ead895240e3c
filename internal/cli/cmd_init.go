package cli

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

func (a *app) initCommand() *cobra.Command {
	var nonInteractive bool
	cmd := &cobra.Command{
		Use:   "init",
		Short: "Create the store and say how to connect an agent",
		Long: `Create the home directory (config, memory directory, database) and print how
to register mm with coding agents. Asks for a notes folder to index unless
--non-interactive is given or standard input is not a terminal. Running it
again is harmless.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			interactive := !nonInteractive && isTerminal(a.stdin)
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				cfg := m.Config()
				fmt.Fprintf(a.stdout, "Store ready in %s\n  memories: %s\n  database: %s\n  config:   %s\n",
					cfg.Home, cfg.MemoryDir(), cfg.DBPath(), config.Path(cfg.Home))
				if interactive {
					fmt.Fprint(a.stdout, "\nIndex an existing notes folder now? Path (empty to skip): ")
					line, _ := bufio.NewReader(a.stdin).ReadString('\n')
					if p := strings.TrimSpace(line); p != "" {
						if strings.HasPrefix(p, "~/") {
							if h, err := os.UserHomeDir(); err == nil {
								p = h + p[1:]
							}
						}
						st, err := m.Index(cmd.Context(), memtomem.IndexRequest{Paths: []string{p}, Recursive: true, Remember: true})
						if err != nil {
							return err
						}
						printIndexStats(a, st)
					}
				}
				fmt.Fprint(a.stdout, `
Next:
  mm add "Deployment checklist uses blue-green rollout" --tags ops
  mm search blue-green
  mm index ~/notes

Hybrid search (optional; keyword search needs nothing more):
  mm config set embedding.provider ollama      # or openai (any OpenAI-compatible server), model2vec
  mm config set embedding.model nomic-embed-text
  mm config set embedding.dimension 768
  model2vec runs in-process from a model directory you download yourself (e.g. the
  minishlab/potion-base-8M files from Hugging Face); mm never downloads anything.
  See docs/configuration.md, then run mm index --force to embed what is stored.

Connect an agent (each session starts its own server; they share this store):
  Claude Code: claude mcp add memtomem -- mm serve
  Codex:       add [mcp_servers.memtomem] command = "mm", args = ["serve"] to ~/.codex/config.toml
  Cursor:      add {"mcpServers": {"memtomem": {"command": "mm", "args": ["serve"]}}} to .cursor/mcp.json
`)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&nonInteractive, "non-interactive", false, "never prompt")
	return cmd
}
