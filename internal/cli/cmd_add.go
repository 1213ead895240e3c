package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

type addOptions struct {
	title, namespace, file string
	idempotencyKey         string
	tags                   []string
	json                   bool
}

func (a *app) addCommand() *cobra.Command {
	var o addOptions
	cmd := &cobra.Command{
		Use:   "add TEXT|-",
		Short: "Save a memory (appended to today's markdown file and indexed)",
		Long: `Save a memory. The text is appended as an entry to today's file in the memory
directory (memories/YYYY-MM-DD.md; a non-default namespace gets its own day
file), then indexed, so it is searchable as soon as the command returns.

Use - to read the text from standard input.`,
		Example: `  mm add "Deployment checklist uses blue-green rollout" --tags ops,deploy
  git log -1 --format=%B | mm add - --title "Why we pinned libfoo"`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			text, err := a.readText(args[0])
			if err != nil {
				return err
			}
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				return a.runAdd(cmd.Context(), m, o, text)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.title, "title", "", "entry heading (default: a timestamped heading)")
	f.StringSliceVar(&o.tags, "tags", nil, "comma-separated tags")
	f.StringVar(&o.namespace, "namespace", "", "namespace (default: search.default_namespace)")
	f.StringVar(&o.file, "file", "", "markdown file inside the memory directory to append to")
	f.StringVar(&o.idempotencyKey, "idempotency-key", "", "makes a retried add a no-op: the same key always names the same entry, written once")
	f.BoolVar(&o.json, "json", false, "print the result as JSON")
	return cmd
}

func (a *app) runAdd(ctx context.Context, m *memtomem.Memory, o addOptions, text string) error {
	res, err := m.Add(ctx, memtomem.AddRequest{
		Content: text, Title: o.title, Tags: o.tags, Namespace: o.namespace, File: o.file,
		IdempotencyKey: o.idempotencyKey,
	})
	if err != nil {
		return err
	}
	if o.json {
		return writeJSON(a.stdout, view.FromAdd(res))
	}
	verb := "Saved"
	if !res.Added {
		verb = "Already saved"
	}
	fmt.Fprintf(a.stdout, "%s to %s [%s] (chunk %s)\n", verb, res.File, res.Namespace, strings.Join(res.ChunkIDs, ", "))
	for _, w := range res.Warnings {
		fmt.Fprintln(a.stderr, "warning: "+w)
	}
	return nil
}
