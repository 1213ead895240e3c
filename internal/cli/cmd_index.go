package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/index"
)

func (a *app) indexCommand() *cobra.Command {
	var (
		req       memtomem.IndexRequest
		noRecurse bool
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "index [PATH...]",
		Short: "Index files and folders (default: the memory directories)",
		Long: `Index markdown, text, config and code files so they are searchable.

Indexing is incremental: unchanged files are skipped by hash and unchanged
chunks keep their ids; chunks of deleted or emptied files are removed. Skipped:
.git, node_modules and similar folders, binaries, files over
indexing.max_file_bytes, files that may hold secrets (.env, private keys,
*.pem, ...) and indexing.exclude_globs.`,
		Example: `  mm index ~/notes
  mm index ~/work/wiki --namespace work
  mm index --force`,
		RunE: func(cmd *cobra.Command, args []string) error {
			req.Paths = args
			req.Recursive = !noRecurse
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				files := newProgress(a.stderr, "indexing", asJSON)
				embedding := newProgress(a.stderr, "embedding", asJSON)
				if files != nil {
					req.Progress = func(done, total int, _ string) { files.Set(done, total) }
					req.EmbedProgress = func(done, total int) {
						files.Finish()
						embedding.Set(done, total)
					}
				}
				st, err := m.Index(cmd.Context(), req)
				files.Finish()
				embedding.Finish()
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, st)
				}
				printIndexStats(a, st)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&req.Namespace, "namespace", "", "put the indexed files in this namespace")
	f.BoolVar(&req.Force, "force", false, "re-chunk every file even if unchanged")
	f.BoolVar(&noRecurse, "no-recursive", false, "do not descend into subfolders")
	f.BoolVar(&asJSON, "json", false, "print the summary as JSON")
	return cmd
}

func printIndexStats(a *app, st index.Stats) {
	fmt.Fprintf(a.stdout, "Scanned %d files in %s: %d indexed, %d unchanged, %d removed.\n",
		st.FilesScanned, st.Duration.Round(time.Millisecond), st.FilesIndexed, st.FilesUnchanged, st.FilesRemoved)
	fmt.Fprintf(a.stdout, "Chunks: %d indexed, %d unchanged, %d deleted.\n", st.ChunksIndexed, st.ChunksKept, st.ChunksDeleted)
	if len(st.FilesSkipped) > 0 {
		var parts []string
		for reason, n := range st.FilesSkipped {
			parts = append(parts, fmt.Sprintf("%d %s", n, reason))
		}
		sort.Strings(parts)
		fmt.Fprintf(a.stdout, "Skipped: %s.\n", strings.Join(parts, ", "))
	}
	for _, e := range st.Errors {
		fmt.Fprintf(a.stderr, "warning: %s\n", e)
	}
}
