package index

import (
	"context"
	"strings"

	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/store"
)

// embedBatch bounds how many chunks go to the provider per round trip and
// into one vector write transaction.
const embedBatch = 64

// embedFetch is how many chunks lacking a vector are looked up at once.
const embedFetch = 1024

// EmbedMissing computes vectors of generation gen for chunks that lack one
// (of one file, or of the whole store when source is ""). The provider is
// called outside every lock and transaction; PutVectors then keeps only
// vectors whose chunk text is unchanged, so a chunk edited meanwhile is
// simply embedded by whoever changed it.
func EmbedMissing(ctx context.Context, st store.Store, e embed.Embedder, gen, source string, progress func(done, total int)) error {
	total := -1
	if progress != nil {
		vs, err := st.VectorStats(ctx, gen)
		if err != nil {
			return err
		}
		total = vs.Missing
		progress(0, total)
	}
	done := 0
	// The position moves past every chunk fetched, stored or not: a chunk
	// whose text changed under us got a new row (ReplaceFile inserts one),
	// which lies further on and is fetched in its turn, and nothing is
	// read twice, so the walk is linear and cannot spin.
	var at int64
	for {
		// Finding chunks without a vector reads the chunk rows, so fetch
		// many at a time and embed them in provider-sized batches.
		pending, next, err := st.ChunksWithoutVectors(ctx, gen, source, at, embedFetch)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			return nil
		}
		at = next
		for len(pending) > 0 {
			// Between provider calls: a cancelled index stops embedding too;
			// what was stored stays, the rest is embedded by the next run.
			if err := ctx.Err(); err != nil {
				return err
			}
			chunks := pending[:min(embedBatch, len(pending))]
			pending = pending[len(chunks):]
			texts := make([]string, len(chunks))
			for i, c := range chunks {
				texts[i] = EmbedText(c)
			}
			vecs, err := e.Embed(ctx, texts)
			if err != nil {
				return err
			}
			cv := make([]store.ChunkVector, len(chunks))
			for i, c := range chunks {
				cv[i] = store.ChunkVector{ChunkID: c.ID, ContentHash: c.ContentHash, Vector: vecs[i]}
			}
			if _, err := st.PutVectors(ctx, gen, cv); err != nil {
				return err
			}
			done += len(chunks)
			if progress != nil {
				progress(done, max(total, done))
			}
		}
	}
}

// EmbedText is what a chunk is embedded as: its heading path gives the
// model the context a bare paragraph lacks.
func EmbedText(c store.Chunk) string {
	if len(c.Hierarchy) == 0 {
		return c.Content
	}
	return strings.Join(c.Hierarchy, " > ") + "\n" + c.Content
}
