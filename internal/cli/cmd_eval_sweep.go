package cli

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/eval"
)

// sweepFlags are mm eval's grid flags.
type sweepFlags struct {
	on     bool
	ratios []string // floats, parsed by check: pflag prints float defaults as 0.250000
	rrfK   []int
	decays []string
	guards []string
	grid   eval.Grid
	metric string
	write  bool
}

func (s *sweepFlags) register(f interface {
	BoolVar(*bool, string, bool, string)
	IntSliceVar(*[]int, string, []int, string)
	StringSliceVar(*[]string, string, []string, string)
	StringVar(*string, string, string, string)
}) {
	g := eval.DefaultGrid()
	f.BoolVar(&s.on, "sweep", false, "run every query under each setting of a grid and print the best setting")
	f.StringSliceVar(&s.ratios, "ratio", floats(g.Ratios), "with --sweep: dense_weight/bm25_weight ratios to try (bm25_weight stays 1)")
	f.IntSliceVar(&s.rrfK, "rrf-k", g.RRFK, "with --sweep: rrf_k values to try")
	f.StringSliceVar(&s.decays, "decay", floats(g.Decays), "with --sweep: decay_half_life_days values to try (0 is off)")
	f.StringSliceVar(&s.guards, "guard", g.Guards, "with --sweep: fusion_guard values to try (agreement, off)")
	f.StringVar(&s.metric, "metric", "ndcg@10", "with --sweep: the figure the best setting is chosen by ("+strings.Join(eval.SweepMetrics, ", ")+"); ties go to the higher ndcg@10, or recall@10 when that is the metric")
	f.BoolVar(&s.write, "write", false, "with --sweep: write the best setting into the config file (as mm config set does)")
}

func floats(v []float64) []string {
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = strconv.FormatFloat(x, 'g', -1, 64)
	}
	return out
}

// sweepReport is mm eval --sweep --json: every row's figures.
type sweepReport struct {
	Metric       string     `json:"metric"`
	Best         int        `json:"best"` // index into rows
	Docs         int        `json:"docs"`
	IndexSeconds float64    `json:"index_seconds"`
	Rows         []sweepRow `json:"rows"`
	Written      []string   `json:"written,omitempty"` // config keys --write set
	ConfigFile   string     `json:"config_file,omitempty"`
}

type sweepRow struct {
	eval.Setting
	eval.Metrics
	SearchSeconds float64 `json:"search_seconds"`
	QueryP50Ms    float64 `json:"query_p50_ms"`
	QueryP90Ms    float64 `json:"query_p90_ms"`
	QueryP99Ms    float64 `json:"query_p99_ms"`
}

// check refuses grid flags without --sweep and a bad metric, before
// anything is indexed.
func (s *sweepFlags) check(cmd *cobra.Command) error {
	if !s.on {
		for _, name := range []string{"ratio", "rrf-k", "decay", "guard", "metric", "write"} {
			if cmd.Flags().Changed(name) {
				return usagef("--%s needs --sweep", name)
			}
		}
		return nil
	}
	s.grid = eval.Grid{RRFK: s.rrfK, Guards: s.guards}
	for _, l := range []struct {
		flag string
		in   []string
		out  *[]float64
	}{{"ratio", s.ratios, &s.grid.Ratios}, {"decay", s.decays, &s.grid.Decays}} {
		for _, v := range l.in {
			x, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return usagef("--%s %q: want numbers separated by commas, e.g. 0.5,1,2", l.flag, v)
			}
			*l.out = append(*l.out, x)
		}
	}
	if !slices.Contains(eval.SweepMetrics, s.metric) {
		return usagef("--metric %q: want one of %s", s.metric, strings.Join(eval.SweepMetrics, ", "))
	}
	if cmd.Flags().Changed("bm25-weight") || cmd.Flags().Changed("dense-weight") {
		return usagef("--sweep tries weights itself: give them as --ratio (dense_weight/bm25_weight) instead of --bm25-weight/--dense-weight")
	}
	return nil
}

// runSweep runs the grid and reports; opts is the run mm eval would do.
func (a *app) runSweep(cmd *cobra.Command, s *sweepFlags, ds *eval.Dataset, opts eval.RunOptions, asJSON bool) error {
	settings, err := s.grid.Settings(opts.Embedder != nil)
	if err != nil {
		return usageError{err}
	}
	bar := newProgress(a.stderr, fmt.Sprintf("%d settings", len(settings)), asJSON)
	opts.Progress = bar.Func()
	rows, st, err := eval.Sweep(cmd.Context(), ds, opts, settings)
	bar.Finish()
	if err != nil {
		return err
	}
	best := eval.Best(rows, s.metric)
	rep := sweepReport{Metric: s.metric, Best: best, Docs: st.Docs, IndexSeconds: st.IndexDuration.Seconds()}
	for _, r := range rows {
		rep.Rows = append(rep.Rows, sweepRow{Setting: r.Setting, Metrics: r.Metrics, SearchSeconds: r.Stats.SearchDuration.Seconds(),
			QueryP50Ms: millis(r.Stats.QueryPercentile(50)), QueryP90Ms: millis(r.Stats.QueryPercentile(90)), QueryP99Ms: millis(r.Stats.QueryPercentile(99))})
	}
	if s.write && best >= 0 {
		home, err := a.homeDir()
		if err != nil {
			return err
		}
		for _, kv := range rows[best].ConfigValues() {
			if err := config.Set(home, kv[0], kv[1]); err != nil {
				return fmt.Errorf("write %s: %w", kv[0], err)
			}
			rep.Written = append(rep.Written, kv[0])
		}
		rep.ConfigFile = config.Path(home)
	}
	if asJSON {
		return writeJSON(a.stdout, rep)
	}
	w := tabwriter.NewWriter(a.stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	hybrid := opts.Embedder != nil
	if hybrid {
		fmt.Fprint(w, "ratio\trrf_k\tguard\t")
	}
	fmt.Fprint(w, "decay\tnDCG@10\tR@10\tR@100\tMRR@10\tp50 ms\t\t\n")
	for i, r := range rep.Rows {
		mark := ""
		if i == best {
			mark = "*"
		}
		if hybrid {
			if r.Hybrid {
				fmt.Fprintf(w, "%g\t%d\t%s\t", r.DenseWeight, r.RRFK, r.FusionGuard)
			} else {
				fmt.Fprint(w, "0 (keywords)\t-\t-\t")
			}
		}
		fmt.Fprintf(w, "%g\t%.4f\t%.4f\t%.4f\t%.4f\t%.2f\t%s\t\n", r.DecayHalfLifeDays, r.NDCG10, r.Recall10, r.Recall100, r.MRR10, r.QueryP50Ms, mark)
	}
	w.Flush()
	b := rows[best]
	v, _ := eval.MetricValue(b.Metrics, s.metric)
	var kvs []string
	for _, kv := range b.ConfigValues() {
		kvs = append(kvs, kv[0]+"="+kv[1])
	}
	fmt.Fprintf(a.stdout, "\nbest by %s (%.4f, %d docs, %d queries): %s\n", s.metric, v, st.Docs, b.Queries, strings.Join(kvs, " "))
	if s.write {
		fmt.Fprintf(a.stdout, "written to %s\n", rep.ConfigFile)
	} else {
		fmt.Fprintf(a.stdout, "apply it with --write, or mm config set KEY VALUE\n")
	}
	return nil
}
