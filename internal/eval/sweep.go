package eval

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/search"
	"github.com/memtomem/memtomem/internal/store"
)

// MaxSweepSettings bounds a sweep's grid: every setting runs every query,
// so the grid multiplies the run's search time.
const MaxSweepSettings = 64

// Grid is what a sweep varies. Ratios are dense_weight/bm25_weight (the
// keyword weight stays 1); Ratios, RRFK and Guards apply only with an
// embedder, since keyword-only search does no fusion.
type Grid struct {
	Ratios []float64
	RRFK   []int
	Decays []float64
	Guards []string
}

// DefaultGrid is the grid mm eval --sweep runs when none is given:
// keywords alone (ratio 0, so a model that does not help shows as such) and
// ratios around equal weight, a sharp and the usual rrf_k, decay off and at
// a month and half a year, and the fusion guard on and off (3 + 4·2·3·2 =
// 51 settings with a provider, 3 without).
func DefaultGrid() Grid {
	return Grid{Ratios: []float64{0, 0.25, 0.5, 1, 2}, RRFK: []int{20, 60}, Decays: []float64{0, 30, 180},
		Guards: []string{search.GuardAgreement, search.GuardOff}}
}

// Setting is one point of the grid, as the search configuration names it.
type Setting struct {
	BM25Weight        float64 `json:"bm25_weight"`
	DenseWeight       float64 `json:"dense_weight"`
	RRFK              int     `json:"rrf_k"`
	DecayHalfLifeDays float64 `json:"decay_half_life_days"`
	FusionGuard       string  `json:"fusion_guard"`
	// Hybrid is false for keyword-only settings, where only the decay
	// applies; DenseOff says that this setting is what makes it so (ratio
	// 0 with a provider), rather than the lack of a provider.
	Hybrid   bool `json:"hybrid"`
	DenseOff bool `json:"dense_off"`
}

// ConfigValues are the search.* keys and values that make s the
// configuration's default, in the text form mm config set takes.
func (s Setting) ConfigValues() [][2]string {
	out := [][2]string{{"search.decay_half_life_days", strconv.FormatFloat(s.DecayHalfLifeDays, 'g', -1, 64)}}
	if s.Hybrid {
		out = append(out,
			[2]string{"search.bm25_weight", strconv.FormatFloat(s.BM25Weight, 'g', -1, 64)},
			[2]string{"search.dense_weight", strconv.FormatFloat(s.DenseWeight, 'g', -1, 64)},
			[2]string{"search.rrf_k", strconv.Itoa(s.RRFK)},
			[2]string{"search.fusion_guard", s.FusionGuard})
	}
	if s.DenseOff {
		// Keywords alone won: the dense leg is turned off, the other
		// fusion keys are left as they were.
		out = append(out, [2]string{"search.dense_weight", "0"})
	}
	return out
}

// Settings expands g into its settings (hybrid says whether fusion
// applies), refusing values the search would refuse and grids larger than
// MaxSweepSettings.
func (g Grid) Settings(hybrid bool) ([]Setting, error) {
	for _, r := range g.Ratios {
		if r < 0 {
			return nil, fmt.Errorf("a dense/bm25 weight ratio must be >= 0, got %g", r)
		}
	}
	for _, k := range g.RRFK {
		if k < 1 {
			return nil, fmt.Errorf("rrf_k must be at least 1, got %d", k)
		}
	}
	for _, d := range g.Decays {
		if d < 0 {
			return nil, fmt.Errorf("a decay half-life must be >= 0 days (0 is off), got %g", d)
		}
	}
	for _, m := range g.Guards {
		if !slices.Contains(config.FusionGuards, m) {
			return nil, fmt.Errorf("fusion guard %q: want one of %v", m, config.FusionGuards)
		}
	}
	ratios, ks, guards := g.Ratios, g.RRFK, g.Guards
	if !hybrid {
		ratios, ks, guards = []float64{0}, []int{config.DefaultRRFK}, []string{search.GuardAgreement}
	}
	// Ratio 0 is keywords alone, where rrf_k and the guard do not apply:
	// one row per decay.
	zero, nonzero := false, 0
	for _, r := range slices.Compact(slices.Sorted(slices.Values(ratios))) {
		if r == 0 {
			zero = true
		} else {
			nonzero++
		}
	}
	n := nonzero * len(ks) * len(g.Decays) * len(guards)
	if zero {
		n += len(g.Decays)
	}
	if n == 0 || len(ks) == 0 || len(guards) == 0 {
		return nil, fmt.Errorf("the grid is empty: every list needs at least one value")
	}
	if n > MaxSweepSettings {
		return nil, fmt.Errorf("the grid has %d settings (%d ratios × %d rrf_k × %d decays × %d guards), more than %d: give fewer values",
			n, len(ratios), len(ks), len(g.Decays), len(guards), MaxSweepSettings)
	}
	var out []Setting
	seen := map[Setting]bool{}
	for _, r := range ratios {
		for _, k := range ks {
			for _, d := range g.Decays {
				for _, m := range guards {
					s := Setting{BM25Weight: 1, DenseWeight: r, RRFK: k, DecayHalfLifeDays: d, FusionGuard: m, Hybrid: hybrid}
					if r == 0 {
						s.RRFK, s.FusionGuard, s.Hybrid, s.DenseOff = ks[0], guards[0], false, hybrid
					}
					if !seen[s] {
						seen[s] = true
						out = append(out, s)
					}
				}
			}
		}
	}
	return out, nil
}

// SweepRow is one setting's figures.
type SweepRow struct {
	Setting
	Metrics
	Stats RunStats `json:"-"`
}

// Sweep indexes each group of ds once (with opts.Embedder when set) and
// runs every query under every setting, in order; opts.Progress counts
// query runs over all settings. opts.BM25Weight and DenseWeight are
// ignored: the settings give the weights.
func Sweep(ctx context.Context, ds *Dataset, opts RunOptions, settings []Setting) ([]SweepRow, RunStats, error) {
	var st RunStats
	if opts.K < 10 {
		opts.K = 100
	}
	ranked := make([]map[string][]string, len(settings))
	rows := make([]SweepRow, len(settings))
	for i := range settings {
		ranked[i] = map[string][]string{}
		rows[i].Setting = settings[i]
	}
	done, total := 0, len(settings)*len(ds.Queries)
	err := eachGroup(ctx, ds, opts, &st, func(g *Dataset, db store.DB) error {
		for i, s := range settings {
			cfg := opts.Search
			cfg.RRFK, cfg.DecayHalfLifeDays, cfg.FusionGuard = s.RRFK, s.DecayHalfLifeDays, s.FusionGuard
			engine := &search.Engine{Store: db, Defaults: search.DefaultsFor(cfg),
				Reranker: opts.Reranker, RerankCandidates: opts.RerankCandidates}
			bw, dw := s.BM25Weight, s.DenseWeight
			if opts.Embedder != nil && s.Hybrid {
				engine.Embedder, engine.Generation = opts.Embedder, opts.Embedder.Generation().String()
			}
			for _, q := range g.Queries {
				if err := ctx.Err(); err != nil {
					return err
				}
				began := time.Now()
				ids, err := RankQuery(ctx, engine, q.Text, opts.K, &bw, &dw)
				took := time.Since(began)
				if err != nil {
					return fmt.Errorf("query %s: %w", q.ID, err)
				}
				rows[i].Stats.QueryTimes = append(rows[i].Stats.QueryTimes, took)
				rows[i].Stats.SearchDuration += took
				ranked[i][q.ID] = ids
				done++
				if opts.Progress != nil {
					opts.Progress(done, total)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, st, err
	}
	for i := range rows {
		rows[i].Metrics = Score(ds, ranked[i])
		st.SearchDuration += rows[i].Stats.SearchDuration
	}
	return rows, st, nil
}

// SweepMetrics name the figures a sweep can pick its best setting by, as
// --metric and the JSON name them.
var SweepMetrics = []string{"ndcg@10", "recall@10", "recall@100", "mrr@10"}

// MetricValue is the figure of m that name names (one of SweepMetrics).
func MetricValue(m Metrics, name string) (float64, bool) {
	switch name {
	case "ndcg@10":
		return m.NDCG10, true
	case "recall@10":
		return m.Recall10, true
	case "recall@100":
		return m.Recall100, true
	case "mrr@10":
		return m.MRR10, true
	}
	return 0, false
}

// Best is the index of the row with the highest metric (-1 without rows).
// Ties go to the higher nDCG@10 (to the higher Recall@10 when the metric is
// nDCG@10), then to the earlier row: a small set often ties on recall.
func Best(rows []SweepRow, metric string) int {
	tie := "ndcg@10"
	if metric == tie {
		tie = "recall@10"
	}
	best := -1
	for i, r := range rows {
		if best < 0 {
			best = i
			continue
		}
		v, _ := MetricValue(r.Metrics, metric)
		b, _ := MetricValue(rows[best].Metrics, metric)
		tv, _ := MetricValue(r.Metrics, tie)
		tb, _ := MetricValue(rows[best].Metrics, tie)
		if v > b || (v == b && tv > tb) {
			best = i
		}
	}
	return best
}
