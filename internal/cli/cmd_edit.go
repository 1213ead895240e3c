package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

func (a *app) editCommand() *cobra.Command {
	var (
		title  string
		tags   []string
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "edit CHUNK_ID|ENTRY_ID [TEXT|-]",
		Short: "Change a memory entry's text, title or tags",
		Long: `Change the memory entry that holds a chunk, or the entry with this entry id
(the "> id:" line in its markdown file). Only that entry's lines in its
markdown file are rewritten; the file is then re-indexed. New TEXT replaces the
entry's whole body (- reads it from standard input). The entry keeps its entry
id; chunks whose text changed get new chunk ids.`,
		Example: `  mm edit 3f9a0c1d2e4b5a6c "Deploys use canary rollout now"
  mm edit 3f9a0c1d2e4b5a6c --tags ops,deploy --title "Deployment checklist"`,
		Args: args(cobra.RangeArgs(1, 2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			req := memtomem.EditRequest{ChunkID: args[0]}
			if len(args) == 2 {
				text, err := a.readText(args[1])
				if err != nil {
					return err
				}
				req.Content = &text
			}
			if cmd.Flags().Changed("title") {
				req.Title = &title
			}
			if cmd.Flags().Changed("tags") {
				req.Tags = &tags
			}
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				res, err := m.Edit(cmd.Context(), req)
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, res)
				}
				fmt.Fprintf(a.stdout, "Updated entry in %s (chunks %v)\n", res.File, res.ChunkIDs)
				for _, w := range res.Warnings {
					fmt.Fprintln(a.stderr, "warning: "+w)
				}
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&title, "title", "", "new heading")
	f.StringSliceVar(&tags, "tags", nil, "new tags (replace the old ones; empty to clear)")
	f.BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}

func (a *app) deleteCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:     "delete CHUNK_ID|ENTRY_ID",
		Short:   "Delete the memory entry that holds a chunk",
		Long:    `Delete a memory entry, named by any of its chunk ids or by its entry id (the "> id:" line): its lines are removed from its markdown file, which is then re-indexed.`,
		Example: `  mm delete 3f9a0c1d2e4b5a6c`,
		Args:    args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				res, err := m.Delete(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, res)
				}
				fmt.Fprintf(a.stdout, "Deleted %q from %s\n", res.Title, res.File)
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the result as JSON")
	return cmd
}
