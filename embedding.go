package memtomem

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/index"
	"github.com/memtomem/memtomem/internal/rerank"
	"github.com/memtomem/memtomem/internal/search"
)

// metaGeneration is the meta key naming the generation of the stored
// vectors. The first process with a provider claims it; a process
// configured differently leaves vectors alone and searches keywords only.
const metaGeneration = "embedding_generation"

// generation decides, for this call, whether the dense leg and vector
// writes are on: they are when a provider is configured and its generation
// is the store's. It is re-read on every call, so a process notices an
// embedding-reset made by another one.
func (m *Memory) generation(ctx context.Context) (active, off string, err error) {
	active, off, _, err = m.generationOrFailure(ctx)
	return active, off, err
}

// generationOrFailure is generation that also returns the provider failure
// behind off, when that is why the dense leg is off.
func (m *Memory) generationOrFailure(ctx context.Context) (active, off string, failed, err error) {
	if m.embedder == nil {
		return "", "", nil, nil
	}
	g := m.embedder.Generation()
	if g.Dimension == 0 {
		// Without embedding.dimension, only the provider's first answer
		// tells the generation; storing ".../0" would never match again.
		if g, err = embed.Probe(ctx, m.embedder); err != nil {
			return "", "dense search off: " + err.Error(), err, nil
		}
	}
	want := g.String()
	stored, ok, err := m.store.Meta(ctx, metaGeneration)
	if err != nil {
		return "", "", nil, wrapStore(err)
	}
	if !ok || stored == "" {
		if m.store.ReadOnlyReason() != "" {
			return "", "dense search off: the store is read-only for this mm", nil, nil
		}
		// The first generation is claimed only once the provider has
		// answered: a provider that is down or misconfigured must not
		// tie the store to vectors it never produced.
		if g, err = embed.Confirm(ctx, m.embedder); err != nil {
			return "", "dense search off: " + err.Error(), err, nil
		}
		want = g.String()
		if err := m.store.SetMeta(ctx, metaGeneration, want); err != nil {
			if de := diskError(err); de != nil {
				// Searches go on with keywords until the store can
				// record which vectors it holds.
				return "", "dense search off: " + de.Error(), nil, nil
			}
			return "", "", nil, wrapStore(err)
		}
		return want, "", nil, nil
	}
	if stored != want {
		return "", fmt.Sprintf("keyword-only: this process is configured for embeddings %s but the store's vectors are %s, and generations are never mixed; run `mm embedding-reset --mode apply-current` to re-embed with %s, or `--mode revert-to-stored` to go back", want, stored, want), nil, nil
	}
	return want, "", nil, nil
}

// searchEngine builds the engine for one search with the current generation.
func (m *Memory) searchEngine(ctx context.Context) (*search.Engine, error) {
	e := &search.Engine{Store: m.store, Defaults: search.DefaultsFor(m.cfg.Search),
		Reranker: m.reranker, RerankCandidates: rerank.Candidates(m.cfg.Rerank)}
	gen, off, failed, err := m.generationOrFailure(ctx)
	if err != nil {
		return nil, err
	}
	if gen != "" {
		e.Embedder, e.Generation = m.embedder, gen
	}
	e.DenseOff, e.DenseErr = off, failed
	return e, nil
}

// embedMissing computes vectors for chunks that lack one of the active
// generation (of one file, or of the whole store when source is ""). The
// provider is called outside every lock and transaction; PutVectors then
// stores only vectors whose chunk text is still the same.
func (m *Memory) embedMissing(ctx context.Context, source string, progress func(done, total int)) error {
	if m.embedder == nil {
		return nil
	}
	gen, off, err := m.generation(ctx)
	if err != nil || gen == "" {
		if off != "" && err == nil {
			return errors.New(off)
		}
		return err
	}
	return wrapStore(index.EmbedMissing(ctx, m.store, m.embedder, gen, source, progress))
}

// EmbeddingStatus describes the dense leg.
type EmbeddingStatus struct {
	Provider   string `json:"provider"`
	Configured string `json:"configured_generation"`
	Stored     string `json:"stored_generation"`
	Active     bool   `json:"dense_search"`
	Reason     string `json:"reason,omitempty"`
	WithVector int    `json:"chunks_with_vectors"`
	Missing    int    `json:"chunks_without_vectors"`
	// Generations counts stored vectors per generation.
	Generations map[string]int `json:"stored_vectors"`
	// Unreachable is set while the provider's circuit breaker is open:
	// searches are keyword-only until it is tried again.
	Unreachable *search.Outage `json:"provider_unreachable,omitempty"`
}

// Embedding reports the configured and stored generations and how many
// chunks lack vectors.
func (m *Memory) Embedding(ctx context.Context) (EmbeddingStatus, error) {
	if err := m.guard(ctx); err != nil {
		return EmbeddingStatus{}, err
	}
	st := EmbeddingStatus{Provider: m.cfg.Embedding.Provider}
	if m.embedder != nil {
		st.Configured = m.embedder.Generation().String()
	}
	stored, _, err := m.store.Meta(ctx, metaGeneration)
	if err != nil {
		return st, wrapStore(err)
	}
	st.Stored = stored
	gen, off, err := m.generation(ctx)
	if err != nil {
		return st, err
	}
	st.Active, st.Reason = gen != "", off
	st.Unreachable, _ = search.OutageFrom(embed.Down(m.embedder))
	if m.embedder == nil {
		st.Reason = "embedding.provider is none: keyword search only"
	}
	vs, err := m.store.VectorStats(ctx, st.Configured)
	if err != nil {
		return st, wrapStore(err)
	}
	st.Generations = vs.Generations
	if st.Configured != "" {
		st.WithVector, st.Missing = vs.WithVector, vs.Missing
	}
	return st, nil
}

// ApplyCurrentEmbedding makes the configured generation the store's: the
// vectors of every other generation are dropped and every chunk is
// embedded again (progress, when set, follows that).
func (m *Memory) ApplyCurrentEmbedding(ctx context.Context, progress func(done, total int)) (EmbeddingStatus, error) {
	if err := m.guard(ctx); err != nil {
		return EmbeddingStatus{}, err
	}
	if err := m.writable(); err != nil {
		return EmbeddingStatus{}, err
	}
	if m.embedder == nil {
		return EmbeddingStatus{}, invalidf("embedding.provider is none: configure a provider first (see docs/configuration.md), or drop vectors with mm reset")
	}
	// Switch only to a generation the provider has just produced: with
	// the provider down nothing changes, and the old vectors stay.
	g, err := embed.Confirm(ctx, m.embedder)
	if err != nil {
		return EmbeddingStatus{}, &Error{Kind: KindBusy, Err: fmt.Errorf("nothing changed, the stored vectors stay; try again once the provider answers: %w", err)}
	}
	gen := g.String()
	if err := m.store.SetMeta(ctx, metaGeneration, gen); err != nil {
		return EmbeddingStatus{}, wrapStore(err)
	}
	if _, err := m.store.DropVectors(ctx, gen); err != nil {
		return EmbeddingStatus{}, wrapStore(err)
	}
	if err := m.embedMissing(ctx, "", progress); err != nil {
		return EmbeddingStatus{}, err
	}
	return m.Embedding(ctx)
}

// RevertToStoredEmbedding rewrites config.json so this store's configured
// provider, model and dimension are the stored generation's again.
func RevertToStoredEmbedding(ctx context.Context, m *Memory) (embed.Generation, error) {
	stored, ok, err := m.store.Meta(ctx, metaGeneration)
	if err != nil {
		return embed.Generation{}, wrapStore(err)
	}
	if !ok || stored == "" {
		return embed.Generation{}, invalidf("the store has no vectors yet, so there is no generation to revert to")
	}
	g, err := parseGeneration(stored)
	if err != nil {
		return g, err
	}
	for key, value := range map[string]string{
		"embedding.provider": g.Provider, "embedding.model": g.Model, "embedding.dimension": fmt.Sprint(g.Dimension),
	} {
		if err := config.Set(m.cfg.Home, key, value); err != nil {
			return g, err
		}
	}
	return g, nil
}

func parseGeneration(s string) (embed.Generation, error) {
	i, j := strings.Index(s, "/"), strings.LastIndex(s, "/")
	if i < 0 || j <= i {
		return embed.Generation{}, fmt.Errorf("stored generation %q is malformed", s)
	}
	var dim int
	if _, err := fmt.Sscan(s[j+1:], &dim); err != nil {
		return embed.Generation{}, fmt.Errorf("stored generation %q is malformed", s)
	}
	return embed.Generation{Provider: s[:i], Model: s[i+1 : j], Dimension: dim}, nil
}

// ProbeEmbedding embeds one short text with the configured provider, for
// mm doctor: how long it took, or why it failed. No provider configured is
// ok with zero time.
func (m *Memory) ProbeEmbedding(ctx context.Context) (time.Duration, error) {
	if m.embedder == nil {
		return 0, nil
	}
	start := time.Now()
	_, err := m.embedder.Embed(ctx, []string{"memtomem doctor probe"})
	return time.Since(start), err
}

// ProbeRerank has the configured reranker score one short text, for mm
// doctor: how long it took, or why it failed. No reranker configured is
// ok with zero time.
func (m *Memory) ProbeRerank(ctx context.Context) (time.Duration, error) {
	if m.reranker == nil {
		return 0, nil
	}
	start := time.Now()
	_, err := m.reranker.Rerank(ctx, "memtomem doctor probe", []string{"memtomem doctor probe"})
	return time.Since(start), err
}
