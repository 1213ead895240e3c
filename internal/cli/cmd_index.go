package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

func (a *app) indexCommand() *cobra.Command {
	var (
		req       memtomem.IndexRequest
		noRecurse bool
		asJSON    bool
		forget    bool
	)
	cmd := &cobra.Command{
		Use:   "index [PATH...]",
		Short: "Index files and folders (default: the memory directories and remembered sources)",
		Long: `Index markdown, text, config and code files so they are searchable.

Every PATH given is remembered (in $MEMTOMEM_HOME/sources.json, with its
--namespace and --no-recursive), shown by mm status, and indexed again by
mm reset and by mm index with no PATH, which indexes the memory directories
and every remembered source. mm index --forget PATH... removes a remembered
source and drops its files from the index (the files stay on disk).

Indexing is incremental: unchanged files are skipped by hash and unchanged
chunks keep their ids; chunks of deleted or emptied files are removed. Skipped:
.git, node_modules and similar folders, binaries and files over
indexing.max_file_bytes (files in the memory directories are always indexed),
files that may hold secrets (.env, private keys, *.pem, ...), credential
locations (~/.ssh, ~/.aws, ~/.config/gh, ~/.docker/config.json, ...), the
store's own files, what .gitignore and .mmignore files leave out (.mmignore:
same syntax, read after .gitignore, can re-include) and indexing.exclude_globs.`,
		Example: `  mm index ~/notes
  mm index ~/work/wiki --namespace work
  mm index
  mm index --force
  mm index --forget ~/notes`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if forget {
				return a.forgetSources(cmd, args, asJSON)
			}
			req.Paths = args
			req.Recursive = !noRecurse
			// The user typed these paths: remember them, so a rebuild
			// indexes them again. (mem_index, an agent's call, never does.)
			req.Remember = len(args) > 0
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
					return writeJSON(a.stdout, view.FromIndex(st))
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
	f.BoolVar(&forget, "forget", false, "stop indexing the given remembered PATHs and drop their files from the index")
	return cmd
}

func (a *app) forgetSources(cmd *cobra.Command, paths []string, asJSON bool) error {
	if len(paths) == 0 {
		return usagef("--forget needs the PATH of a remembered source (mm status lists them)")
	}
	return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
		var results []memtomem.ForgetResult
		for _, p := range paths {
			res, err := m.Forget(cmd.Context(), p)
			if err != nil {
				return err
			}
			results = append(results, res)
			if !asJSON {
				fmt.Fprintf(a.stdout, "Forgot %s: %d files (%d chunks) dropped from the index", res.Source.Path, res.Files, res.Chunks)
				if res.Kept > 0 {
					fmt.Fprintf(a.stdout, "; %d kept (a memory directory or another source covers them)", res.Kept)
				}
				fmt.Fprintln(a.stdout, ".")
			}
		}
		if asJSON {
			return writeJSON(a.stdout, map[string]any{"forgotten": results})
		}
		return nil
	})
}

func printIndexStats(a *app, st memtomem.IndexStats) {
	fmt.Fprintf(a.stdout, "Scanned %d files in %s: %d indexed, %d unchanged, %d removed.\n",
		st.FilesScanned, st.Duration.Round(time.Millisecond), st.FilesIndexed, st.FilesUnchanged, st.FilesRemoved)
	fmt.Fprintf(a.stdout, "Chunks: %d indexed, %d unchanged, %d deleted.\n", st.ChunksIndexed, st.ChunksKept, st.ChunksDeleted)
	if len(st.FilesSkipped) > 0 {
		fmt.Fprintf(a.stdout, "Skipped: %s.\n", countsByReason(st.FilesSkipped))
	}
	if len(st.ChunksSkipped) > 0 {
		fmt.Fprintf(a.stdout, "Chunks left out (they hold credentials; the rest of each file is indexed): %s.\n", countsByReason(st.ChunksSkipped))
		for _, s := range st.SkippedChunks {
			fmt.Fprintf(a.stdout, "  %s\n", s)
		}
	}
	for _, p := range st.Remembered {
		fmt.Fprintf(a.stdout, "Remembered %s: mm reset and mm index index it again (mm index --forget to stop).\n", p)
	}
	for _, e := range st.Errors {
		fmt.Fprintf(a.stderr, "warning: %s\n", e)
	}
}

// countsByReason lists counts as "2 excluded, 5 not a text type", sorted.
func countsByReason(counts map[string]int) string {
	var parts []string
	for reason, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
