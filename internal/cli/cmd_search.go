package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

type searchOptions struct {
	topK              int
	namespace, source string
	since, until      string
	tags              []string
	json              bool
	// Fusion overrides; only flags given on the command line apply.
	bm25Weight, denseWeight float64
	decayDays, mmrLambda    float64
}

func (a *app) searchCommand() *cobra.Command {
	var o searchOptions
	cmd := &cobra.Command{
		Use:   "search QUERY",
		Short: "Search memories and indexed files",
		Long: `Search with BM25 over headings, text and file names. Words are stemmed,
stopwords are dropped, the last word also matches as a prefix, and "quoted
text" or hyphenated-words match as phrases. Filters apply before the top k
are cut.`,
		Example: `  mm search blue-green
  mm search "rollback plan" -k 5 --namespace work,ops --tags deploy
  mm search retry --source '*/notes/*' --since 7d --json`,
		Args: args(cobra.MinimumNArgs(1)),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withMemory(cmd.Context(), func(m *memtomem.Memory) error {
				return a.runSearch(cmd.Context(), m, o, strings.Join(args, " "), memtomem.SearchRequest{
					BM25Weight:        changed(cmd, "bm25-weight", o.bm25Weight),
					DenseWeight:       changed(cmd, "dense-weight", o.denseWeight),
					DecayHalfLifeDays: changed(cmd, "decay-half-life", o.decayDays),
					MMRLambda:         changed(cmd, "mmr-lambda", o.mmrLambda),
				})
			})
		},
	}
	f := cmd.Flags()
	f.IntVarP(&o.topK, "top-k", "k", 0, "number of results, 1-100 (default: search.default_top_k)")
	f.StringVar(&o.namespace, "namespace", "", "namespaces: name, comma list, or glob (archive:* is hidden unless named)")
	f.StringSliceVar(&o.tags, "tags", nil, "keep results with any of these tags")
	f.StringVar(&o.source, "source", "", "keep results whose file path matches this glob or contains this text")
	f.StringVar(&o.since, "since", "", "created at or after: date, RFC 3339 time, or age (7d, 36h)")
	f.StringVar(&o.until, "until", "", "created before: date, RFC 3339 time, or age")
	f.BoolVar(&o.json, "json", false, "print results as JSON")
	f.Float64Var(&o.bm25Weight, "bm25-weight", 0, "weight of the keyword leg in fusion (default: search.bm25_weight; 0 drops it)")
	f.Float64Var(&o.denseWeight, "dense-weight", 0, "weight of the vector leg in fusion (default: search.dense_weight; 0 drops it)")
	f.Float64Var(&o.decayDays, "decay-half-life", 0, "halve scores per this many days of age (default: search.decay_half_life_days)")
	f.Float64Var(&o.mmrLambda, "mmr-lambda", 0, "diversity re-ranking, 0-1 (default: search.mmr_lambda; needs vectors)")
	return cmd
}

// changed returns a pointer to v when the flag was given, so an explicit 0
// ("drop this leg") differs from "use the configured default".
func changed(cmd *cobra.Command, name string, v float64) *float64 {
	if cmd.Flags().Changed(name) {
		return &v
	}
	return nil
}

func parseRange(since, until string) (time.Time, time.Time, error) {
	now := time.Now()
	s, err := memtomem.ParseTime(since, now)
	if err != nil {
		return s, s, usagef("--since: %v", err)
	}
	u, err := memtomem.ParseTime(until, now)
	if err != nil {
		return s, u, usagef("--until: %v", err)
	}
	return s, u, nil
}

func (a *app) runSearch(ctx context.Context, m *memtomem.Memory, o searchOptions, query string, req memtomem.SearchRequest) error {
	since, until, err := parseRange(o.since, o.until)
	if err != nil {
		return err
	}
	req.Query, req.TopK, req.Namespace, req.Tags, req.Source = query, o.topK, o.namespace, o.tags, o.source
	req.Since, req.Until = since, until
	resp, err := m.Search(ctx, req)
	if err != nil {
		return err
	}
	if o.json {
		return writeJSON(a.stdout, view.FromSearch(query, resp))
	}
	if len(resp.Results) == 0 {
		fmt.Fprintf(a.stdout, "No results for %q.\n", query)
	}
	for _, r := range resp.Results {
		// %.4g: BM25 on a tiny store scores around 1e-6, which %.2f shows as 0.00.
		fmt.Fprintf(a.stdout, "[%d] %.4g %s | %s\n", r.Rank, r.Score, r.ScoreScale, location(r.Chunk))
		fmt.Fprintf(a.stdout, "%s\n    id: %s  [%s]%s\n\n", indent(r.Content, "    ", 400), r.ID, r.Namespace, tagSuffix(r.Tags))
	}
	for _, h := range resp.Hints {
		fmt.Fprintln(a.stdout, "hint: "+h)
	}
	return nil
}
