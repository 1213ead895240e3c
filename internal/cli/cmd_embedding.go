package cli

import (
	"fmt"
	"sort"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

func (a *app) embeddingResetCommand() *cobra.Command {
	var (
		mode   string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "embedding-reset",
		Short: "Show or switch the embedding generation of the stored vectors",
		Long: `Vectors are tagged with the (provider, model, dimension) generation that made
them, and search never mixes generations. When the configured provider or model
differs from the stored vectors, processes search keywords only and say so.

Modes:
  status            show the configured and stored generations (default)
  apply-current     drop the stored vectors and re-embed every chunk with the
                    configured provider (a progress bar shows on a terminal)
  revert-to-stored  rewrite config.json so the configuration matches the
                    stored vectors again`,
		Example: `  mm embedding-reset
  mm embedding-reset --mode apply-current`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				ctx := cmd.Context()
				var st memtomem.EmbeddingStatus
				var err error
				switch mode {
				case "status", "":
					st, err = m.Embedding(ctx)
				case "apply-current":
					bar := newProgress(a.stderr, "embedding", asJSON)
					st, err = m.ApplyCurrentEmbedding(ctx, bar.Func())
					bar.Finish()
				case "revert-to-stored":
					g, rerr := memtomem.RevertToStoredEmbedding(ctx, m)
					if rerr != nil {
						return rerr
					}
					fmt.Fprintf(a.stdout, "config.json now selects %s (provider %s, model %s, dimension %d); check embedding.base_url and embedding.api_key still fit it.\n",
						g, g.Provider, g.Model, g.Dimension)
					return nil
				default:
					return usagef("--mode must be status, apply-current or revert-to-stored (got %q)", mode)
				}
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, st)
				}
				fmt.Fprintf(a.stdout, "configured: %s\nstored:     %s\nsearch:     %s\n", orNone(st.Configured), orNone(st.Stored), st.Summary())
				if len(st.Generations) > 0 {
					keys := make([]string, 0, len(st.Generations))
					for k := range st.Generations {
						keys = append(keys, k)
					}
					sort.Strings(keys)
					for _, k := range keys {
						fmt.Fprintf(a.stdout, "vectors:    %d of %s\n", st.Generations[k], k)
					}
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&mode, "mode", "status", "status, apply-current or revert-to-stored")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the status as JSON")
	return cmd
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
