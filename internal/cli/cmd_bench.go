package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/spf13/cobra"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/eval"
	"github.com/memtomem/memtomem/internal/heapfloor"
)

// benchReport is what mm bench measured, one entry per corpus size.
type benchReport struct {
	Embedding string      `json:"embedding"`
	Queries   int         `json:"queries"`
	Sizes     []benchSize `json:"sizes"`
	// Servers is the many-sessions figure, with --servers.
	Servers *benchServers `json:"servers,omitempty"`
}

// benchSize holds the figures for one generated corpus.
type benchSize struct {
	// Backend is the store measured: sqlite, or postgres with --scratch-url.
	Backend string `json:"backend"`
	Chunks  int    `json:"chunks"`
	Files   int    `json:"files"`
	// Keyword indexing: the walk, chunking and FTS insert, without vectors.
	IndexSeconds      float64 `json:"index_seconds"`
	IndexChunksPerSec float64 `json:"index_chunks_per_sec"`
	// Embedding the corpus, only with a provider configured.
	EmbedSeconds float64 `json:"embed_seconds,omitempty"`
	BM25P50Ms    float64 `json:"bm25_p50_ms"`
	BM25P99Ms    float64 `json:"bm25_p99_ms"`
	HybridP50Ms  float64 `json:"hybrid_p50_ms,omitempty"`
	HybridP99Ms  float64 `json:"hybrid_p99_ms,omitempty"`
	// Adds go through mem_add's path into a day file that already holds
	// entries.
	AddP50Ms float64 `json:"add_p50_ms"`
	AddP99Ms float64 `json:"add_p99_ms"`
	// RSSMB is the process's resident memory after this size (Linux only);
	// the Go runtime keeps freed memory a while, so a later size includes
	// what an earlier one left.
	RSSMB float64 `json:"rss_mb,omitempty"`
}

func (a *app) benchCommand() *cobra.Command {
	var (
		sizes   string
		n       int
		queries int
		asJSON  bool
		scratch string
		servers int
		flight  int
	)
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure indexing, search and add speed on this machine, in a throwaway store",
		Long: `For each size, generate a corpus of that many chunks (markdown notes over a
Zipf-distributed vocabulary of 6000 words, so 3-word queries are selective
like real text) in a throwaway store in a temporary directory (never yours),
and report: keyword indexing chunks/s, BM25 search p50/p99, hybrid search
p50/p99 (when an embedding provider is configured; its cost is included),
add p50/p99 into a day file that already holds entries, and the process's
resident memory (Linux). --queries is the number of searches of each kind
and of adds per size. -n N is the older form of --sizes N.

--scratch-url measures each size on SQLite and then on PostgreSQL in that
database, side by side in one run (required when storage.backend is
postgres). The database is emptied before and after, and refused if it
holds anything but what mm eval and mm bench leave behind.

--servers N then measures many sessions at once, as when several editors
each run their own mm serve: N mm serve processes (this binary) on one more
throwaway home (SQLite), each with --in-flight adds in flight into the same day
file, --queries adds per server, every add followed by a search for it.
It reports adds/s, add p50/p99 (and p99 without each worker's first add,
which creates the day file) and busy answers retried. The servers get
none of your MEMTOMEM_* settings and no embedding provider.`,
		Example: `  mm bench
  mm bench --servers 8
  mm bench --sizes 1k,10k,100k
  mm bench --sizes 5000 --queries 500 --json
  mm bench --sizes 5k --scratch-url postgres://mm@db/mm_scratch`,
		Args: args(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			// The servers' client shares the cores with them: it must not
			// spend them collecting garbage either.
			heapfloor.Keep(serveHeapFloor)
			if cmd.Flags().Changed("memories") {
				if cmd.Flags().Changed("sizes") {
					return usagef("give either --sizes or -n, not both (-n N is the same as --sizes N)")
				}
				if n < 1 || n > maxBenchSize {
					return usagef("-n must be between 1 and %d", maxBenchSize)
				}
				sizes = fmt.Sprint(n)
			}
			list, err := parseSizes(sizes)
			if err != nil {
				return err
			}
			if queries < 1 || queries > 100_000 {
				return usagef("--queries must be between 1 and 100000 (got %d)", queries)
			}
			if servers < 0 || servers > maxBenchServers {
				return usagef("--servers must be between 0 and %d (got %d)", maxBenchServers, servers)
			}
			if flight < 1 || flight > 64 {
				return usagef("--in-flight must be between 1 and 64 (got %d)", flight)
			}
			cfg, err := a.loadConfig()
			if err != nil {
				return err
			}
			if err := checkScratchURL(cfg, scratch, "bench"); err != nil {
				return err
			}
			backends := []string{""} // SQLite in a temporary directory
			if scratch != "" {
				backends = append(backends, scratch)
			}
			rep := benchReport{Queries: queries}
			for _, size := range list {
				for _, pg := range backends {
					res, emb, err := runBench(cmd.Context(), cfg, size, queries, pg, a.stderr, asJSON)
					if err != nil {
						return err
					}
					rep.Embedding = emb
					rep.Sizes = append(rep.Sizes, res)
					if !asJSON {
						printBenchSize(a.stdout, res, queries)
					}
				}
			}
			if servers > 0 {
				if !asJSON {
					fmt.Fprintf(a.stderr, "bench: starting %d servers\n", servers)
				}
				res, err := runBenchServers(cmd.Context(), servers, flight, queries*servers)
				if err != nil {
					return err
				}
				rep.Servers = &res
				if !asJSON {
					printBenchServers(a.stdout, res)
				}
			}
			if asJSON {
				return writeJSON(a.stdout, rep)
			}
			fmt.Fprintf(a.stdout, "embedding: %s\n", rep.Embedding)
			return nil
		},
	}
	cmd.Flags().StringVar(&sizes, "sizes", "1k,10k", "corpus sizes in chunks, comma-separated (1k = 1000; 100k takes half a minute or more; at most 1m)")
	cmd.Flags().IntVarP(&n, "memories", "n", 0, "one corpus of N chunks (the same as --sizes N)")
	cmd.Flags().IntVar(&queries, "queries", 200, "searches of each kind, and adds, per size")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print every figure per size as JSON")
	cmd.Flags().StringVar(&scratch, "scratch-url", "", scratchFlagHelp)
	cmd.Flags().IntVar(&servers, "servers", 0, "also measure this many mm serve processes adding to one day file at once (0: not measured)")
	cmd.Flags().IntVar(&flight, "in-flight", 4, "adds each server has in flight at a time, with --servers")
	return cmd
}

func printBenchSize(w io.Writer, r benchSize, queries int) {
	fmt.Fprintf(w, "%s chunks (%d files), %s:\n", sizeLabel(r.Chunks), r.Files, r.Backend)
	fmt.Fprintf(w, "  index:  %.0f chunks/s keyword-only (%.2f s)\n", r.IndexChunksPerSec, r.IndexSeconds)
	if r.EmbedSeconds > 0 {
		fmt.Fprintf(w, "  embed:  %.2f s\n", r.EmbedSeconds)
	}
	fmt.Fprintf(w, "  bm25:   %d queries, p50 %.2f ms, p99 %.2f ms\n", queries, r.BM25P50Ms, r.BM25P99Ms)
	if r.HybridP50Ms > 0 {
		fmt.Fprintf(w, "  hybrid: %d queries, p50 %.2f ms, p99 %.2f ms\n", queries, r.HybridP50Ms, r.HybridP99Ms)
	}
	fmt.Fprintf(w, "  add:    %d memories, p50 %.2f ms, p99 %.2f ms\n", queries, r.AddP50Ms, r.AddP99Ms)
	if r.RSSMB > 0 {
		fmt.Fprintf(w, "  rss:    %.0f MB\n", r.RSSMB)
	}
}

// runBench measures one corpus size in its own temporary store. Indexing
// runs keyword-only (the provider is switched on afterwards and the corpus
// embedded separately) so chunks/s measures the indexer, not the provider.
// With pg set, the store is PostgreSQL in that scratch database.
func runBench(ctx context.Context, user config.Config, size, queries int, pg string, stderr io.Writer, quiet bool) (benchSize, string, error) {
	res := benchSize{Chunks: size, Backend: "sqlite"}
	tmp, err := os.MkdirTemp("", "mm-bench-*")
	if err != nil {
		return res, "", err
	}
	defer os.RemoveAll(tmp)
	// The corpus lies beside the store's home, not in it: the indexer
	// skips a store's own files.
	cfg := config.Default(filepath.Join(tmp, "home"))
	cfg.Search = user.Search
	if pg != "" {
		loc := eval.Scratch(pg, user.Storage.PasswordFile)
		cfg.Storage.Backend, cfg.Storage.URL, cfg.Storage.PasswordFile, cfg.Storage.Host = loc.Backend, loc.URL, loc.PasswordFile, loc.Host
		res.Backend = "postgres"
		if err := eval.ClearScratch(ctx, loc); err != nil {
			return res, "", err
		}
		// Runs after the store is closed (deferred below), and empties
		// only what this run wrote.
		defer eval.ClearScratch(context.WithoutCancel(ctx), loc)
	}
	c := newCorpus()
	dir := filepath.Join(tmp, "corpus")
	if res.Files, err = c.write(dir, size); err != nil {
		return res, "", fmt.Errorf("bench: writing the corpus: %w", err)
	}

	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		return res, "", err
	}
	bar := newProgress(stderr, "bench "+sizeLabel(size)+": index", quiet)
	st, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{dir}, Recursive: true,
		Progress: func(done, total int, _ string) { bar.Set(done, total) }})
	bar.Finish()
	m.Close()
	if err != nil {
		return res, "", err
	}
	if len(st.Errors) > 0 {
		return res, "", fmt.Errorf("bench: indexing the corpus: %s", st.Errors[0])
	}
	if st.ChunksIndexed == 0 || st.Duration <= 0 {
		return res, "", fmt.Errorf("bench: the generated corpus in %s indexed no chunks (skipped: %v)", dir, st.FilesSkipped)
	}
	res.Chunks = st.ChunksIndexed
	res.IndexSeconds = st.Duration.Seconds()
	res.IndexChunksPerSec = float64(st.ChunksIndexed) / st.Duration.Seconds()

	cfg.Embedding = user.Embedding
	if m, err = memtomem.Open(ctx, cfg); err != nil {
		return res, "", err
	}
	defer m.Close()
	hybrid := user.Embedding.Provider != "" && user.Embedding.Provider != "none"
	if hybrid {
		bar := newProgress(stderr, "bench "+sizeLabel(size)+": embed", quiet)
		start := time.Now()
		if _, err := m.ApplyCurrentEmbedding(ctx, bar.Set); err != nil {
			return res, "", fmt.Errorf("bench: embedding the corpus: %w", err)
		}
		bar.Finish()
		res.EmbedSeconds = time.Since(start).Seconds()
	}

	zero := 0.0
	bm25, err := timeSearches(ctx, m, c, queries, &zero)
	if err != nil {
		return res, "", err
	}
	res.BM25P50Ms, res.BM25P99Ms = percentiles(bm25)
	if hybrid {
		both, err := timeSearches(ctx, m, c, queries, nil)
		if err != nil {
			return res, "", err
		}
		res.HybridP50Ms, res.HybridP99Ms = percentiles(both)
	}

	// A day file that already holds entries, as on any working day.
	for range 20 {
		if _, err := m.Add(ctx, memtomem.AddRequest{Content: c.sentence(40), Title: c.sentence(3)}); err != nil {
			return res, "", err
		}
	}
	add := make([]time.Duration, 0, queries)
	for range queries {
		req := memtomem.AddRequest{Content: c.sentence(40), Title: c.sentence(3)}
		start := time.Now()
		if _, err := m.Add(ctx, req); err != nil {
			return res, "", err
		}
		add = append(add, time.Since(start))
	}
	res.AddP50Ms, res.AddP99Ms = percentiles(add)
	res.RSSMB = rssMB()

	emb, err := m.Embedding(ctx)
	if err != nil {
		return res, "", err
	}
	return res, emb.Summary(), nil
}

// timeSearches runs queries 3-word searches; denseWeight 0 makes them
// BM25-only, nil leaves the configured hybrid weights.
func timeSearches(ctx context.Context, m *memtomem.Memory, c *corpus, queries int, denseWeight *float64) ([]time.Duration, error) {
	out := make([]time.Duration, 0, queries)
	for range queries {
		req := memtomem.SearchRequest{Query: c.query(), DenseWeight: denseWeight}
		start := time.Now()
		if _, err := m.Search(ctx, req); err != nil {
			return nil, err
		}
		out = append(out, time.Since(start))
	}
	return out, nil
}

// millis is d in milliseconds, to the microsecond, as the reports give times.
func millis(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// percentiles returns p50 and p99 in milliseconds.
func percentiles(d []time.Duration) (float64, float64) {
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return millis(d[len(d)/2]), millis(d[len(d)*99/100])
}
