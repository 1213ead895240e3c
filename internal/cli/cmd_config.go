package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem/internal/config"
)

func (a *app) configCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config",
		Short: "Show or change settings (config.json in the home directory)",
		Long: `Settings come from defaults, then <home>/config.json (which holds only what
differs from the defaults), then environment variables named
MEMTOMEM_<SECTION>__<FIELD>, e.g. MEMTOMEM_SEARCH__DEFAULT_TOP_K=5.

Keys:
  ` + strings.Join(config.Keys(), "\n  "),
	}
	var asJSON bool
	show := &cobra.Command{
		Use:   "show",
		Short: "Print the effective settings (secrets masked)",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			red := cfg.Redacted()
			if asJSON {
				return writeJSON(a.stdout, red)
			}
			fmt.Fprintf(a.stdout, "# %s\n", config.Path(cfg.Home))
			for _, k := range config.Keys() {
				v, _ := config.Get(red, k)
				fmt.Fprintf(a.stdout, "%s = %v\n", k, v)
			}
			return nil
		},
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	set := &cobra.Command{
		Use:     "set KEY VALUE",
		Short:   "Change a setting",
		Example: "  mm config set search.default_top_k 5\n  mm config set indexing.exclude_globs '[\"**/drafts/**\"]'",
		Args:    args(cobra.ExactArgs(2)),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := a.homeDir()
			if err != nil {
				return err
			}
			if err := config.Set(home, args[0], args[1]); err != nil {
				return usageError{err}
			}
			fmt.Fprintf(a.stdout, "%s set in %s\n", args[0], config.Path(home))
			return nil
		},
	}
	unset := &cobra.Command{
		Use:   "unset KEY",
		Short: "Return a setting to its default",
		Args:  args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			home, err := a.homeDir()
			if err != nil {
				return err
			}
			if err := config.Unset(home, args[0]); err != nil {
				return usageError{err}
			}
			fmt.Fprintf(a.stdout, "%s reset to its default\n", args[0])
			return nil
		},
	}
	cmd.AddCommand(show, set, unset)
	return cmd
}
