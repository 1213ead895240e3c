package index

import (
	"context"
	"encoding/json"
	"os"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/memfile"
	"github.com/memtomem/memtomem/internal/store"
)

// Indexing an append alone. When memfile appended entries to a file the
// store describes exactly as it was before (same hash), the new chunks are
// those of the appended bytes, chunked from the file's stored end context
// (chunk.SplitAppended, fuzzed against chunking the whole file): nothing
// is read from disk and nothing of the file's other chunks is touched. The
// store checks the hash again inside its write transaction; whenever
// anything does not line up (another process's append committed first, an
// editor's change was indexed, an older binary wrote the row), the whole
// file is indexed instead, so the shortcut can be slower but never wrong.

// fileTail is what the store keeps in store.File.Tail: the chunking context
// at the end of the file whose hash is SHA256.
type fileTail struct {
	SHA256  string        `json:"sha256"`
	Context chunk.Context `json:"context"`
	// Hidden says some chunk of the file was left out (it holds a
	// credential), so the store does not know every entry id in it.
	Hidden bool `json:"hidden,omitempty"`
}

// tailFor is the store.File.Tail of a file with hash sha whose chunking
// ended in context end (nil for a file that is not markdown: no tail);
// hidden as in fileTail.
func tailFor(sha string, end *chunk.Context, hidden bool) string {
	if end == nil {
		return ""
	}
	b, err := json.Marshal(fileTail{SHA256: sha, Context: *end, Hidden: hidden})
	if err != nil {
		return ""
	}
	return string(b)
}

// decodeTail returns the tail stored for the file with hash sha.
func decodeTail(stored, sha string) (fileTail, bool) {
	var t fileTail
	if stored == "" || json.Unmarshal([]byte(stored), &t) != nil || t.SHA256 != sha {
		return fileTail{}, false
	}
	return t, true
}

// Complete reports whether the store holds every entry id of the file at
// path as it is on disk, judged by size and modification time: the file
// has not been written since it was indexed, and none of its chunks was
// left out. It is a cheap look, not a proof (IDsAbsent is one): it lets an
// add skip reading files for an entry an earlier attempt may have written
// (an attempt that wrote the file without indexing it changed both).
func (ix *Indexer) Complete(ctx context.Context, path string) bool {
	stored, known, err := ix.Store.FileState(ctx, path)
	if err != nil || !known {
		return false
	}
	info, err := os.Stat(path)
	if err != nil || info.Size() != stored.Size || !info.ModTime().Equal(stored.ModTime) {
		return false
	}
	t, ok := decodeTail(stored.Tail, stored.SHA256)
	return ok && !t.Hidden
}

// IDsAbsent reports whether the store proves that none of ids is an entry
// of the file at path whose content hashes to sha (hex SHA-256): the store
// indexed exactly that content, left none of its chunks out, and holds no
// chunk of any of the ids. false means it cannot tell. It lets an add with
// an idempotency key append without reading the file (memfile.Writer.Absent).
func (ix *Indexer) IDsAbsent(ctx context.Context, path, sha string, ids []string) bool {
	stored, known, err := ix.Store.FileState(ctx, path)
	if err != nil || !known || stored.SHA256 != sha {
		return false
	}
	if t, ok := decodeTail(stored.Tail, sha); !ok || t.Hidden {
		return false
	}
	for _, id := range ids {
		if cs, err := ix.Store.ChunksByEntry(ctx, id); err != nil || len(cs) > 0 {
			return false
		}
	}
	return true
}

// IndexAppend indexes the entries memfile just appended to the memory file
// at path (a, from memfile.AppendEntries; nil when memfile rewrote the
// file) under opts.Namespace, adding their chunks alone when the store is
// in step with the file as it was before the append, and indexing the
// whole file otherwise. It does not embed the new chunks (EmbedFile does):
// it is meant to run under the file's lock, and a provider is called
// outside every lock.
func (ix *Indexer) IndexAppend(ctx context.Context, path string, a *memfile.Appended, opts FileOptions) (FileResult, error) {
	res, ok, err := ix.indexAppended(ctx, path, a, opts.Namespace)
	if err != nil || !ok {
		opts.deferEmbed = true
		return ix.IndexFile(ctx, path, opts)
	}
	return res, nil
}

// EmbedFile embeds the chunks of path that lack a vector (no-op without a
// provider).
func (ix *Indexer) EmbedFile(ctx context.Context, path string) error {
	if ix.Embed == nil {
		return nil
	}
	return ix.Embed(ctx, path, nil)
}

func (ix *Indexer) indexAppended(ctx context.Context, path string, a *memfile.Appended, ns string) (FileResult, bool, error) {
	res := FileResult{Path: path}
	if a == nil || ns == "" {
		return res, false, nil
	}
	if canon, err := fspath.Canonical(path); err != nil || canon != path {
		return res, false, err
	}
	if reason, _ := ix.ignoreReason(path); reason != "" {
		return res, false, nil
	}
	stored, known, err := ix.Store.FileState(ctx, path)
	if err != nil || !known || stored.SHA256 != a.Before || stored.Namespace != ns {
		return res, false, err
	}
	before, ok := decodeTail(stored.Tail, a.Before)
	from := before.Context
	if !ok {
		return res, false, nil
	}
	pieces, end, ok := chunk.SplitAppended(from, a.Text, a.Line, ix.Chunking)
	if !ok {
		return res, false, nil
	}
	for _, p := range pieces {
		if p.EntryID == "" {
			return res, false, nil // not the entries of an append: chunk the file
		}
	}
	chunks, skipped := ix.storeChunks(path, pieces, a.ModTime, ns)
	f := store.File{Path: path, Size: a.Size, ModTime: a.ModTime, SHA256: a.After, Namespace: ns,
		Tail: tailFor(a.After, &end, before.Hidden || len(skipped) > 0)}
	ok, err = ix.Store.AppendChunks(ctx, a.Before, f, chunks)
	if err != nil || !ok {
		return res, false, err
	}
	res.Chunks, res.Skipped = chunks, skipped
	res.Diff.Indexed = len(chunks)
	return res, true, nil
}
