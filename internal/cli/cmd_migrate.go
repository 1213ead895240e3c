package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

func (a *app) migrateCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "migrate",
		Short: "Run schema upgrades that need the store to itself",
		Long: `Most schema upgrades are additive and run by themselves, online, when any mm
opens the store. A destructive one (rebuilding data other processes read)
must not run under them: mm then refuses to open the store and asks for this
command. Like reset, migrate refuses at once while any mm process has the
store open, and lists them; close those editor sessions and run it again.`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			from, to, err := memtomem.Migrate(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			if from == to {
				fmt.Fprintf(a.stdout, "Schema is up to date (v%d).\n", to)
			} else {
				fmt.Fprintf(a.stdout, "Schema migrated from v%d to v%d.\n", from, to)
			}
			return nil
		},
	}
}
