package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

func (a *app) readCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "read CHUNK_ID|ENTRY_ID",
		Short: "Print one chunk in full",
		Long: `Print one chunk in full. An entry id (the "> id:" line of a memory entry in
its markdown file) prints the entry's first chunk.`,
		Example: `  mm read 3f9a0c1d2e4b5a6c
  mm read 9c41d07be2aa`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				c, err := m.Read(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, view.FromChunk(c))
				}
				fmt.Fprintf(a.stdout, "%s\n[%s]%s  created %s\n\n%s\n", location(c), c.Namespace, tagSuffix(c.Tags), shortTime(c.CreatedAt), c.Content)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
