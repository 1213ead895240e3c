package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/eval"
	"github.com/memtomem/memtomem/internal/rerank"
)

// evalReport is mm eval --json: the quality figures and what the run cost.
type evalReport struct {
	eval.Metrics
	Docs          int     `json:"docs"`
	IndexSeconds  float64 `json:"index_seconds"`
	SearchSeconds float64 `json:"search_seconds"`
	QueryP50Ms    float64 `json:"query_p50_ms"`
	QueryP90Ms    float64 `json:"query_p90_ms"`
	QueryP99Ms    float64 `json:"query_p99_ms"`
	QueryMeanMs   float64 `json:"query_mean_ms"`
}

func (a *app) evalCommand() *cobra.Command {
	var (
		split, groupBy          string
		k                       int
		asJSON                  bool
		bm25Weight, denseWeight float64
		scratch                 string
		sweep                   sweepFlags
	)
	cmd := &cobra.Command{
		Use:   "eval DIR",
		Short: "Measure retrieval quality on a BEIR-format dataset",
		Long: `Index a BEIR-format dataset (corpus.jsonl[.gz] or turns.jsonl, queries.jsonl,
qrels/<split>.tsv) into a throwaway store — never yours — run every query of
the split, and report nDCG@10, Recall@10, Recall@100 and MRR@10.

A corpus.jsonl document is one chunk (title and text). turns.jsonl holds
conversation turns ("speaker", "text", "conv", "session", "date"): they are
written as mm import writes a transcript, a memory entry per turn titled by
its speaker and date and quoting the end of the turn before, then chunked.

--group-by FIELD gives each value of FIELD its own store and restricts each
query to documents with the same value (LoCoMo: one store per conversation).

The store is SQLite in a temporary directory; --scratch-url runs it in a
PostgreSQL database instead (required when storage.backend is postgres),
which is emptied first and refused if it holds anything but what mm eval
and mm bench leave behind.

--sweep indexes once per group, then runs every query under each setting of
a grid: dense_weight/bm25_weight ratios (--ratio), rrf_k (--rrf-k), decay
half-lives in days (--decay) and the fusion guard (--guard). Without an
embedding provider only the decay applies. It prints one row per setting
(nDCG@10, R@10, R@100, MRR@10, p50 query ms) and the best setting by
--metric (ties: the higher nDCG@10, or R@10 when the metric is nDCG@10,
then the earlier row); --write puts it into the config file as mm config
set does, leaving every other key alone. A grid is at most 64 settings.
Decay changes rankings only where documents differ in age.`,
		Example: `  mm eval ../shared/eval-data/scifact --split train
  mm eval ../shared/eval-data/locomo --split dev --group-by conv --json
  mm eval ../shared/eval-data/scifact --split train --scratch-url postgres://mm@db/mm_scratch
  mm eval ./my-set --split test --sweep
  mm eval ./my-set --split test --sweep --ratio 0.5,1 --rrf-k 10,30,60 --decay 0 --metric recall@10 --write
  mm eval ./my-set --split test --sweep --json > sweep.json`,
		Args: args(cobra.ExactArgs(1)),
		RunE: func(cmd *cobra.Command, argv []string) error {
			if split == "" {
				return usagef("--split is required (the name of a file in %s/qrels, without .tsv)", argv[0])
			}
			if k < 10 {
				return usagef("-k must be at least 10 (got %d): the metrics look at the top 10 and 100", k)
			}
			if err := sweep.check(cmd); err != nil {
				return err
			}
			ds, err := eval.Load(argv[0], split)
			if err != nil {
				return usageError{err}
			}
			tmp, err := os.MkdirTemp("", "mm-eval-*")
			if err != nil {
				return err
			}
			defer os.RemoveAll(tmp)
			// The configured provider is used, so any model can be measured
			// on the shared sets; none means keyword search only.
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if err := checkScratchURL(cfg, scratch, "eval"); err != nil {
				return err
			}
			embedder, err := embed.New(cfg.Embedding, embed.OptionsFor(cfg.Embedding))
			if err != nil {
				return usageError{err}
			}
			reranker, err := rerank.New(cfg.Rerank, rerank.OptionsFor(cfg.Rerank))
			if err != nil {
				return usageError{err}
			}
			opts := eval.RunOptions{K: k, GroupBy: groupBy, Dir: tmp, Embedder: embedder,
				Reranker: reranker, RerankCandidates: rerank.Candidates(cfg.Rerank),
				Backend: cfg.Storage.Backend, Search: cfg.Search,
				BM25Weight: changed(cmd, "bm25-weight", bm25Weight), DenseWeight: changed(cmd, "dense-weight", denseWeight)}
			if scratch != "" {
				loc := eval.Scratch(scratch, cfg.Storage.PasswordFile)
				opts.Backend, opts.Store = loc.Backend, loc
				// Empties what the run left, and only that: a database
				// that was refused stays as it was.
				defer eval.ClearScratch(context.WithoutCancel(cmd.Context()), loc)
			}
			if sweep.on {
				return a.runSweep(cmd, &sweep, ds, opts, asJSON)
			}
			bar := newProgress(a.stderr, "querying", asJSON)
			opts.Progress = bar.Func()
			m, st, err := eval.Run(cmd.Context(), ds, opts)
			bar.Finish()
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, evalReport{Metrics: m, Docs: st.Docs, IndexSeconds: st.IndexDuration.Seconds(),
					SearchSeconds: st.SearchDuration.Seconds(), QueryP50Ms: millis(st.QueryPercentile(50)),
					QueryP90Ms: millis(st.QueryPercentile(90)), QueryP99Ms: millis(st.QueryPercentile(99)),
					QueryMeanMs: millis(st.SearchDuration) / float64(max(m.Queries, 1))})
			}
			fmt.Fprintf(a.stdout, "dataset:    %s (split %s, %d docs, %d queries)\n", argv[0], split, st.Docs, m.Queries)
			if embedder != nil {
				guard := cfg.Search.FusionGuard
				if guard == "" {
					guard = "agreement"
				}
				fmt.Fprintf(a.stdout, "embedding:  %s (hybrid: BM25 + dense, RRF, fusion guard %s)\n", embedder.Generation(), guard)
			} else {
				fmt.Fprintf(a.stdout, "embedding:  none (BM25 only)\n")
			}
			if reranker != nil {
				fmt.Fprintf(a.stdout, "reranker:   %s (top %d fused candidates)\n", reranker.Name(), rerank.Candidates(cfg.Rerank))
			}
			fmt.Fprintf(a.stdout, "nDCG@10:    %.4f\nRecall@10:  %.4f\nRecall@100: %.4f\nMRR@10:     %.4f\n",
				m.NDCG10, m.Recall10, m.Recall100, m.MRR10)
			if m.Unranked > 0 {
				fmt.Fprintf(a.stdout, "unranked:   %d queries ranked nothing (no searchable word or no match)\n", m.Unranked)
			}
			fmt.Fprintf(a.stdout, "indexing:   %s (%.0f docs/s)\nsearching:  %s (%.2f ms/query)\n",
				st.IndexDuration.Round(time.Millisecond), float64(st.Docs)/st.IndexDuration.Seconds(),
				st.SearchDuration.Round(time.Millisecond), float64(st.SearchDuration.Microseconds())/1000/float64(max(m.Queries, 1)))
			fmt.Fprintf(a.stdout, "per query:  p50 %.2f ms, p90 %.2f ms, p99 %.2f ms\n", millis(st.QueryPercentile(50)), millis(st.QueryPercentile(90)), millis(st.QueryPercentile(99)))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&split, "split", "", "qrels split to evaluate (required)")
	f.StringVar(&groupBy, "group-by", "", "field that partitions documents and queries into separate stores")
	f.IntVarP(&k, "top-k", "k", 100, "results retrieved per query (at least 10)")
	f.BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	f.Float64Var(&bm25Weight, "bm25-weight", 1, "weight of the keyword leg in fusion (0 drops it)")
	f.StringVar(&scratch, "scratch-url", "", scratchFlagHelp)
	f.Float64Var(&denseWeight, "dense-weight", 1, "weight of the vector leg in fusion (0 drops it; needs embedding.provider)")
	sweep.register(f)
	return cmd
}
