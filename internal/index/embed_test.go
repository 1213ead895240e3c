package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/embed"
	"github.com/memtomem/memtomem/internal/embed/embedtest"
)

// editingEmbedder rewrites one file the first time it is called: an edit
// landing in the middle of a backfill.
type editingEmbedder struct {
	embed.Embedder
	edit func()
}

func (e *editingEmbedder) Embed(ctx context.Context, texts []string) ([][]float32, error) {
	if e.edit != nil {
		e.edit()
		e.edit = nil
	}
	return e.Embedder.Embed(ctx, texts)
}

// A backfill over more chunks than one page of missing ones reaches every
// chunk, including the new text of a file edited while it ran, and its
// progress ends at its total.
func TestEmbedMissingReachesEveryChunk(t *testing.T) {
	ctx := context.Background()
	ix := newIndexer(t)
	ix.MaxFileBytes = 1 << 20
	dir := t.TempDir()
	const files, sections = 3, 500 // 1,500 chunks: past one fetch (embedFetch)
	for f := range files {
		var sb strings.Builder
		for s := range sections {
			fmt.Fprintf(&sb, "## Topic %d-%d\n\nnote %d about item %d of file %d\n\n", f, s, s, f*sections+s, f)
		}
		write(t, filepath.Join(dir, fmt.Sprintf("f%d.md", f)), sb.String())
	}
	if st, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true}); err != nil || st.ChunksIndexed != files*sections {
		t.Fatalf("index: %+v %v", st, err)
	}

	srv := embedtest.NewOpenAIServer(t, embedtest.Concepts(8, []string{"note", "edited"}))
	base, err := embed.New(config.EmbeddingConfig{Provider: "openai", Model: "m", Dimension: 8, BaseURL: srv.URL + "/v1"}, embed.Options{})
	if err != nil {
		t.Fatal(err)
	}
	first := filepath.Join(dir, "f0.md")
	e := &editingEmbedder{Embedder: base, edit: func() {
		if err := os.WriteFile(first, []byte("## Changed\n\nedited while the backfill ran\n"), 0o644); err != nil {
			t.Error(err)
		}
		if _, err := ix.IndexFile(ctx, first, FileOptions{deferEmbed: true}); err != nil {
			t.Error(err)
		}
	}}
	gen := base.Generation().String()
	var done, total int
	if err := EmbedMissing(ctx, ix.Store, e, gen, "", func(d, n int) { done, total = d, n }); err != nil {
		t.Fatal(err)
	}
	vs, err := ix.Store.VectorStats(ctx, gen)
	if err != nil || vs.Missing != 0 || vs.WithVector != 1+(files-1)*sections {
		t.Fatalf("after the backfill: %+v %v (every chunk, the edited one too, should have a vector)", vs, err)
	}
	if done < total || done == 0 {
		t.Errorf("progress ended at %d of %d", done, total)
	}
}
