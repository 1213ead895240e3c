package cli

import (
	"bufio"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

func (a *app) resetCommand() *cobra.Command {
	var yes, noReindex bool
	cmd := &cobra.Command{
		Use:   "reset",
		Short: "Delete the index and rebuild it from the markdown files",
		Long: `Delete the database (the index) and rebuild it from the memory directories
and the sources remembered by mm index PATH (see mm status). Markdown files
are never touched.

reset needs the store to itself: if any mm process (an editor's mm serve, a
running mm index) has it open, reset refuses at once and lists them (pid,
version, transport, age). Close those sessions and run it again. There is no
--force: a process killed with kill -9 does not hold the store, so reset works
after a crash without any cleanup.`,
		Example: `  mm reset
  mm reset --yes`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if !yes {
				if !isTerminal(a.stdin) {
					return usagef("reset deletes the index at %s; pass --yes to confirm when not running in a terminal", memtomem.StoreWhere(cfg))
				}
				fmt.Fprintf(a.stderr, "Delete the index at %s and rebuild it from the markdown in %s and the remembered sources (mm status)? [y/N] ",
					memtomem.StoreWhere(cfg), strings.Join(cfg.Indexing.MemoryDirs, ", "))
				answer, _ := bufio.NewReader(a.stdin).ReadString('\n')
				if a := strings.ToLower(strings.TrimSpace(answer)); a != "y" && a != "yes" {
					return usagef("reset cancelled; nothing was changed")
				}
			}
			if err := memtomem.Reset(cmd.Context(), cfg); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Index deleted: %s\n", memtomem.StoreWhere(cfg))
			if noReindex {
				fmt.Fprintln(a.stdout, "Run mm index to rebuild it.")
				return nil
			}
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				st, err := m.Index(cmd.Context(), memtomem.IndexRequest{Recursive: true})
				if err != nil {
					return err
				}
				printIndexStats(a, st)
				return nil
			})
		},
	}
	cmd.Flags().BoolVarP(&yes, "yes", "y", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&noReindex, "no-reindex", false, "only delete the index; do not rebuild it")
	return cmd
}
