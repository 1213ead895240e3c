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
	for {
		chunks, err := st.ChunksWithoutVectors(ctx, gen, source, embedBatch)
		if err != nil {
			return err
		}
		if len(chunks) == 0 {
			return nil
		}
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
		stored, err := st.PutVectors(ctx, gen, cv)
		if err != nil {
			return err
		}
		if stored == 0 {
			// Every chunk of the batch changed under us; their new text is
			// embedded by the writer that changed it. Stop rather than spin.
			return nil
		}
		done += len(chunks)
		if progress != nil {
			progress(done, max(total, done))
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
