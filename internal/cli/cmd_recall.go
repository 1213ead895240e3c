package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

func (a *app) recallCommand() *cobra.Command {
	var (
		since, until, namespace string
		tags                    []string
		limit, offset           int
		asJSON                  bool
	)
	cmd := &cobra.Command{
		Use:   "recall",
		Short: "List memories by date, newest first",
		Example: `  mm recall --since 7d
  mm recall --since 2026-11-01 --until 2026-11-08 --namespace work --json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			s, u, err := parseRange(since, until)
			if err != nil {
				return err
			}
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				chunks, err := m.Recall(cmd.Context(), memtomem.RecallRequest{
					Since: s, Until: u, Namespace: namespace, Tags: tags, Limit: limit, Offset: offset,
				})
				if err != nil {
					return err
				}
				return a.printChunkList(chunks, offset, asJSON)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&since, "since", "", "from: date, RFC 3339 time, or age (7d, 36h)")
	f.StringVar(&until, "until", "", "before: date, RFC 3339 time, or age")
	f.StringVar(&namespace, "namespace", "", "namespaces: name, comma list, or glob")
	f.StringSliceVar(&tags, "tags", nil, "keep memories with any of these tags")
	f.IntVarP(&limit, "limit", "n", 20, "how many, 1-1000")
	f.IntVar(&offset, "offset", 0, "skip this many first (the next page)")
	f.BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

// printChunkList prints one page of a listing that started at offset; a
// footer (or, in JSON, next_offset) says when there is more.
func (a *app) printChunkList(page memtomem.ChunkPage, offset int, asJSON bool) error {
	chunks := page.Chunks
	end := offset + len(chunks)
	if asJSON {
		return writeJSON(a.stdout, view.FromPage(page, offset))
	}
	if len(chunks) == 0 {
		a.stdout.Write([]byte("Nothing found.\n"))
		return nil
	}
	printChunks(a.stdout, chunks)
	if end < page.Total {
		fmt.Fprintf(a.stdout, "(%d-%d of %d; next page: --offset %d)\n", offset+1, end, page.Total, end)
	}
	return nil
}
