package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
)

func (a *app) contextCommand() *cobra.Command {
	var (
		maxTokens int
		namespace string
		asJSON    bool
	)
	cmd := &cobra.Command{
		Use:   "context [QUERY...]",
		Short: "Compose the memories a model should see for a task, within a token budget",
		Long: `Print a context to put in front of a model: the pinned memories first (mm pin),
then those most relevant to QUERY (without one: the newest), each once (by
chunk and by text), with its source and chunk id, within --max-tokens.

Tokens are estimated at about four bytes a token (one a character for CJK),
which errs high: the text fits a budget counted by any common tokenizer.`,
		Example: `  mm context "release checklist"
  mm context --max-tokens 500 --namespace 'work:*' deploy`,
		Args: args(cobra.ArbitraryArgs),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				res, err := m.Context(cmd.Context(), memtomem.ContextRequest{Query: strings.Join(argv, " "), MaxTokens: maxTokens, Namespace: namespace})
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, res)
				}
				fmt.Fprint(a.stdout, res.Text)
				fmt.Fprintf(a.stderr, "%d memories, about %d tokens", len(res.Items), res.Tokens)
				if res.Omitted > 0 {
					fmt.Fprintf(a.stderr, "; %d more did not fit", res.Omitted)
				}
				fmt.Fprintln(a.stderr)
				return nil
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&maxTokens, "max-tokens", memtomem.DefaultContextTokens, fmt.Sprintf("budget in estimated tokens (1-%d)", memtomem.MaxContextTokens))
	f.StringVar(&namespace, "namespace", "", "namespace selector (a name, a comma list or a glob)")
	f.BoolVar(&asJSON, "json", false, "print the items and the text as JSON")
	return cmd
}

func (a *app) pinCommand(pin bool) *cobra.Command {
	use, short := "pin ID", "Pin a memory: every composed context (mm context) starts with it"
	if !pin {
		use, short = "unpin ID", "Remove a memory's pin"
	}
	return &cobra.Command{
		Use:   use,
		Short: short,
		Long: short + `.

ID is a chunk id (from mm search, mm list) or an entry id (the "> id:" line).
A pin is the tag "pinned" on the memory's entry, written into its markdown.`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				res, err := m.Pin(cmd.Context(), argv[0], pin)
				if err != nil {
					return err
				}
				verb := "pinned"
				if !pin {
					verb = "unpinned"
				}
				fmt.Fprintf(a.stdout, "%s %s (in %s)\n", verb, argv[0], res.File)
				return nil
			})
		},
	}
}
