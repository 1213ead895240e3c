package cli

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

func (a *app) statusCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "status",
		Short: "Show what the store holds and where it lives",
		Args:  args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				st, err := m.Status(cmd.Context())
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, view.FromStatus(st))
				}
				w := a.stdout
				fmt.Fprintf(w, "mm %s\n", st.Version)
				fmt.Fprintf(w, "home:       %s\n", st.Home)
				fmt.Fprintf(w, "database:   %s (schema v%d, %.1f MiB)\n", st.Database, st.SchemaVersion, float64(st.DBBytes)/(1<<20))
				if st.ReadOnly != "" {
					fmt.Fprintf(w, "read-only:  %s\n", st.ReadOnly)
				}
				if st.Disk != "" {
					fmt.Fprintf(w, "disk:       %s\n", st.Disk)
				}
				fmt.Fprintf(w, "memories:   %v\n", st.MemoryDirs)
				fmt.Fprintf(w, "sources:    %d remembered (mm index PATH; re-indexed by mm reset)\n", len(st.Sources))
				for _, s := range st.Sources {
					fmt.Fprintf(w, "  %s\n", describeSource(s))
				}
				if st.SourcesError != "" {
					fmt.Fprintf(w, "  warning: %s\n", st.SourcesError)
				}
				fmt.Fprintf(w, "indexed:    %d files, %d chunks\n", st.Files, st.Chunks)
				fmt.Fprintf(w, "embedding:  %s\n", st.Embedding.Summary())
				fmt.Fprintf(w, "instances:  %d live\n", len(st.Instances))
				for _, in := range st.Instances {
					fmt.Fprintf(w, "  %s\n", in)
				}
				if st.ProblemCount > 0 {
					fmt.Fprintf(w, "problems:   %d memory entries hold bad characters (indexed with them replaced; fix the files):\n", st.ProblemCount)
					for _, p := range st.Problems {
						fmt.Fprintf(w, "  %s\n", p)
					}
				}
				if len(st.Namespaces) > 0 {
					fmt.Fprintf(w, "namespaces:")
					for _, k := range sortedKeys(st.Namespaces) {
						fmt.Fprintf(w, " %s (%d)", k, st.Namespaces[k])
					}
					if st.NamespacesMore > 0 {
						fmt.Fprintf(w, " and %d more", st.NamespacesMore)
					}
					fmt.Fprintln(w)
				}
				return nil
			})
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	return cmd
}

func describeSource(s memtomem.Source) string {
	var how []string
	switch {
	case !s.Dir:
		how = append(how, "file")
	case s.Recursive:
		how = append(how, "folder")
	default:
		how = append(how, "folder, not recursive")
	}
	if s.Namespace != "" {
		how = append(how, "namespace "+s.Namespace)
	}
	return s.Path + " (" + strings.Join(how, ", ") + ")"
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
