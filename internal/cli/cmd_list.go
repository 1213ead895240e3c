package cli

import (
	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

func (a *app) listCommand() *cobra.Command {
	var (
		o      memtomem.ListRequest
		asJSON bool
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List stored chunks, newest first",
		Example: `  mm list -n 10
  mm list --source notes/ --json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				chunks, err := m.List(cmd.Context(), o)
				if err != nil {
					return err
				}
				return a.printChunkList(chunks, o.Offset, asJSON)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Namespace, "namespace", "", "namespaces: name, comma list, or glob")
	f.StringSliceVar(&o.Tags, "tags", nil, "keep chunks with any of these tags")
	f.StringVar(&o.Source, "source", "", "keep chunks whose file path matches this glob or contains this text")
	f.IntVarP(&o.Limit, "limit", "n", 50, "how many, 1-1000")
	f.IntVar(&o.Offset, "offset", 0, "skip this many first")
	f.BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}
