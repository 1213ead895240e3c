package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
)

// benchResult is what mm bench measured.
type benchResult struct {
	Memories    int     `json:"memories"`
	AddP50Ms    float64 `json:"add_p50_ms"`
	AddP99Ms    float64 `json:"add_p99_ms"`
	Searches    int     `json:"searches"`
	SearchP50Ms float64 `json:"search_p50_ms"`
	SearchP99Ms float64 `json:"search_p99_ms"`
	Embedding   string  `json:"embedding"`
}

func (a *app) benchCommand() *cobra.Command {
	var (
		n, queries int
		asJSON     bool
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure add and search latency on this machine, in a throwaway store",
		Long: `Add generated memories to a throwaway store in a temporary directory (never
yours) and run searches against it, then report p50/p99 latencies. The
configured embedding provider is used, so this also measures its cost.`,
		Example: `  mm bench
  mm bench -n 2000 --queries 500 --json`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if n < 1 || queries < 1 {
				return usagef("-n and --queries must be at least 1")
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			res, err := runBench(cmd.Context(), cfg, n, queries, newProgress(a.stderr, "bench", asJSON))
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, res)
			}
			fmt.Fprintf(a.stdout, "embedding: %s\nadd:       %d memories, p50 %.2f ms, p99 %.2f ms\nsearch:    %d queries, p50 %.2f ms, p99 %.2f ms\n",
				res.Embedding, res.Memories, res.AddP50Ms, res.AddP99Ms, res.Searches, res.SearchP50Ms, res.SearchP99Ms)
			return nil
		},
	}
	cmd.Flags().IntVarP(&n, "memories", "n", 500, "memories to add")
	cmd.Flags().IntVar(&queries, "queries", 200, "searches to run")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the figures as JSON")
	return cmd
}

func runBench(ctx context.Context, user config.Config, n, queries int, bar *progress) (benchResult, error) {
	home, err := os.MkdirTemp("", "mm-bench-*")
	if err != nil {
		return benchResult{}, err
	}
	defer os.RemoveAll(home)
	cfg := config.Default(home)
	cfg.Embedding, cfg.Search = user.Embedding, user.Search
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		return benchResult{}, err
	}
	defer m.Close()

	rng := rand.New(rand.NewPCG(7, 11))
	words := strings.Fields(`deploy rollback database index query cache latency retry timeout schema
		migration branch review release config secret token queue worker cluster node memory disk
		network proxy certificate build test flaky benchmark profile trace metric alert incident`)
	sentence := func(k int) string {
		out := make([]string, k)
		for i := range out {
			out[i] = words[rng.IntN(len(words))]
		}
		return strings.Join(out, " ")
	}
	total := n + queries
	add := make([]time.Duration, 0, n)
	for i := range n {
		start := time.Now()
		if _, err := m.Add(ctx, memtomem.AddRequest{Content: sentence(25), Title: sentence(3)}); err != nil {
			return benchResult{}, err
		}
		add = append(add, time.Since(start))
		bar.Set(i+1, total)
	}
	search := make([]time.Duration, 0, queries)
	for i := range queries {
		start := time.Now()
		if _, err := m.Search(ctx, memtomem.SearchRequest{Query: sentence(3)}); err != nil {
			return benchResult{}, err
		}
		search = append(search, time.Since(start))
		bar.Set(n+i+1, total)
	}
	bar.Finish()
	st, err := m.Embedding(ctx)
	if err != nil {
		return benchResult{}, err
	}
	a50, a99 := percentiles(add)
	s50, s99 := percentiles(search)
	return benchResult{Memories: n, AddP50Ms: a50, AddP99Ms: a99, Searches: queries, SearchP50Ms: s50, SearchP99Ms: s99,
		Embedding: st.Summary()}, nil
}

// percentiles returns p50 and p99 in milliseconds.
func percentiles(d []time.Duration) (float64, float64) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	return ms(d[len(d)/2]), ms(d[len(d)*99/100])
}
