// Package store defines the storage seam: the Store interface every backend
// implements (SQLite now, PostgreSQL later) and the types that cross it.
//
// The store is a cache of the markdown files: everything in it can be rebuilt
// by re-indexing, so its operations are shaped around replacing the chunks of
// one file at a time, idempotently.
package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/project"
)

// Chunk is one searchable piece of an indexed file.
type Chunk struct {
	ID          string    `json:"chunk_id"`
	Source      string    `json:"source"` // absolute path of the file
	Hierarchy   []string  `json:"hierarchy"`
	Content     string    `json:"content"`
	StartLine   int       `json:"start_line"`
	EndLine     int       `json:"end_line"`
	ContentHash string    `json:"content_hash"`
	Namespace   string    `json:"namespace"`
	Tags        []string  `json:"tags"`
	EntryID     string    `json:"entry_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// File is what the store remembers about an indexed file, to skip it cheaply
// when it has not changed.
type File struct {
	Path      string
	Size      int64
	ModTime   time.Time
	SHA256    string
	Namespace string
	IndexedAt time.Time
	// Tail is what the index needs to add chunks for text appended to the
	// file without reading it again (opaque to the store; "" when unknown
	// or when the backend cannot keep it).
	Tail string
	// Gone, set by a ReplaceFile build function, says the path is no longer
	// indexable (deleted, or now skipped or excluded): the store forgets it
	// in the same transaction that checked.
	Gone bool
}

// Filter narrows a search or listing. Every field is optional; filters are
// applied inside the query, before top-k is cut, so a filtered search still
// fills its k results when enough matches exist.
type Filter struct {
	// Namespaces are exact names or globs ("work:*", see Glob); empty
	// means every namespace except archived ones.
	Namespaces []string
	// IncludeArchive shows archive:* namespaces even when Namespaces is empty.
	IncludeArchive bool
	// Tags keeps chunks carrying any of these tags.
	Tags []string
	// SourceGlob keeps chunks whose source path matches (see Glob).
	SourceGlob string
	// Since and Until bound the chunk's created time (zero = unbounded).
	Since, Until time.Time
	// Project is the namespace of the project the caller works in
	// ("project:lark"): when Namespaces is empty, other projects'
	// namespaces (project:*) are hidden, so a project sees its own
	// memories and every namespace that belongs to no project.
	Project string
}

// ProjectPrefix starts the namespaces of projects (project:lark); one
// project's default searches do not see another's. The project package
// owns the name.
const ProjectPrefix = project.Prefix

// HidesOtherProjects reports whether the filter keeps project:* chunks out
// but those of f.Project.
func (f Filter) HidesOtherProjects() bool {
	return f.Project != "" && len(f.Namespaces) == 0
}

// ScaleBM25 is the scale of Okapi BM25 scores (k1 = 1.2, b = 0.75, as
// SQLite's FTS5 computes them), higher is better and unbounded.
const ScaleBM25 = "bm25"

// HeadingWeight is how many times a word of a chunk's heading path counts
// in BM25's term frequency, against once for a word of its text: a heading
// names what its section is about, so a query word there says more than
// the same word in passing. Measured on SciFact train with each document's
// title as its heading (docs/benchmarks.md, "Keyword ranking"): 1 gives
// nDCG@10 0.6890, 2 0.6935, 3 0.6971, 4 0.6959, 5 0.6951. Both backends
// use it (SQLite as bm25()'s column weight, PostgreSQL in its postings),
// so that their scores stay equal. A whole number, because PostgreSQL
// stores frequencies as integers.
const HeadingWeight = 3

// ArchivePrefix starts the namespaces that searches and listings hide unless
// asked for (archive:2025, archive:old-project).
const ArchivePrefix = "archive:"

// DefaultView reports whether the filter's only conditions are the
// default ones, hiding archived chunks and other projects' (when a
// Project is set): a backend may then read the few hidden rows instead of
// the many kept, or skip filtering when there are none.
func (f Filter) DefaultView() bool {
	return len(f.Namespaces) == 0 && len(f.Tags) == 0 && f.SourceGlob == "" && f.Since.IsZero() && f.Until.IsZero()
}

// HidesArchive reports whether archive:* namespaces are out of the results:
// unless IncludeArchive is set or a selector names them ("archive:*",
// "archive:2025"); a bare "*" still hides them, because archiving means
// "out of the way".
func (f Filter) HidesArchive() bool {
	if f.IncludeArchive {
		return false
	}
	for _, p := range f.Namespaces {
		if strings.HasPrefix(p, "archive") {
			return false
		}
	}
	return true
}

// KeywordQuery is a BM25 search: the chunks holding any of the phrases,
// ranked by how much of the query they hold.
type KeywordQuery struct {
	// Phrases are OR-ed. Each is a run of lowercase words (as the search
	// package tokenizes them) that must appear together; a single word is
	// a phrase of one.
	Phrases []Phrase
	Filter  Filter
	Limit   int
}

// Phrase is one alternative of a keyword query.
type Phrase struct {
	Words []string
	// Prefix lets the last word match as a prefix ("deplo" finds
	// "deployment").
	Prefix bool
}

// Hit is a chunk with its score, higher is better: for the keyword leg on the
// backend's KeywordScale, for the dense leg the cosine similarity.
type Hit struct {
	Chunk
	Score float64
}

// ListQuery pages through chunks newest first.
type ListQuery struct {
	Filter Filter
	Limit  int
	Offset int
	// Source restricts the listing to one file.
	Source string
}

// CountOf names what a Counts query counts chunks by.
type CountOf int

const (
	// ByTag counts chunks per tag.
	ByTag CountOf = iota
	// ByNamespace counts chunks per namespace.
	ByNamespace
)

// CountQuery pages through the chunk counts per tag or per namespace, in
// name order (stable across pages while the store does not change).
type CountQuery struct {
	Of     CountOf
	Limit  int
	Offset int
}

// NameCount is one tag's or namespace's chunk count.
type NameCount struct {
	Name   string
	Chunks int
}

// CountPage is one page of counts and how many names there are in all.
type CountPage struct {
	Counts []NameCount
	Total  int
}

// Diff counts what a ReplaceFile changed.
type Diff struct {
	Indexed   int // chunks inserted
	Unchanged int // chunks kept with their ids
	Deleted   int // chunks removed
	// Forgotten is set when a Gone file was known and is now dropped.
	Forgotten bool
}

// Replaced is what ReplaceFiles did to one file: what ReplaceFile would
// have returned for it.
type Replaced struct {
	Diff   Diff
	Chunks []Chunk
	Err    error
}

// StatsTop is how many namespaces and tags Stats lists at most (the ones
// with the most chunks): a store may hold any number of either, and a
// status must stay small. Counts pages through all of them.
const StatsTop = 100

// Stats summarises the store for status displays.
type Stats struct {
	Files  int
	Chunks int
	// Namespaces and Tags map the StatsTop names with the most chunks to
	// their counts; NamespaceCount and TagCount count them all.
	Namespaces     map[string]int
	Tags           map[string]int
	NamespaceCount int
	TagCount       int
	SchemaVersion  int
	DBBytes        int64
}

// ReplaceMode says whether ReplaceFile may skip an unchanged file.
type ReplaceMode int

const (
	// IfChanged skips the write when the stored file hash already matches.
	IfChanged ReplaceMode = iota
	// Always rewrites the chunks (mm index --force).
	Always
)

// ChunkVector is the embedding of one chunk's text. ContentHash guards
// against storing a vector for text that changed while it was computed.
type ChunkVector struct {
	ChunkID     string
	ContentHash string
	Vector      []float32
}

// DenseQuery is a vector search within one generation.
type DenseQuery struct {
	Generation string
	Vector     []float32
	Filter     Filter
	Limit      int
}

// VectorStats counts chunks with and without a vector of one generation.
type VectorStats struct {
	Generation  string         `json:"generation"`
	WithVector  int            `json:"with_vector"`
	Missing     int            `json:"missing"`
	Generations map[string]int `json:"generations"` // vectors stored per generation
}

// ErrNotFound is returned for an unknown chunk id.
var ErrNotFound = errors.New("not found")

// Store is the storage seam. Implementations must be safe for concurrent use
// by many goroutines and by many processes sharing one database.
type Store interface {
	// FileState returns what is stored about path, ok=false if nothing.
	FileState(ctx context.Context, path string) (f File, ok bool, err error)
	// ReplaceFile makes the stored chunks of one file equal to what build
	// returns, in one write transaction. build runs inside the transaction,
	// so it sees the file as it is once this process holds the write lock:
	// whichever process commits last has read the newest content. Every
	// chunk gets its derived id (AssignIDs): an unchanged chunk keeps its
	// row, a store rebuilt from the same files has the same ids. Removed
	// chunks are deleted before new ones are inserted. The chunks are
	// returned with their ids. If build fails, nothing is written and its error is returned.
	// With IfChanged, a file whose stored hash and namespace already match
	// what build returns is left alone (another process indexed this exact
	// content meanwhile) and no chunks are returned. A build that returns a
	// File with Gone set makes the file and its chunks be forgotten: that
	// is how a deleted file leaves the index without racing a process that
	// recreates it.
	ReplaceFile(ctx context.Context, mode ReplaceMode, build func() (File, []Chunk, error)) (Diff, []Chunk, error)
	// AppendChunks adds the chunks of text appended to a file, and moves the
	// file's row to f, if the stored file's hash is still before (and its
	// namespace f's); otherwise it writes nothing and reports false, and the
	// caller indexes the whole file. The chunks get their ids as ReplaceFile
	// would give them, so they must belong to entries new to the file.
	AppendChunks(ctx context.Context, before string, f File, chunks []Chunk) (bool, error)
	// ReplaceFiles is ReplaceFile for several files in one write
	// transaction (a walk's batch): the builds run inside it, in order, each
	// exactly as ReplaceFile's, so each file is still read once this
	// process holds the write lock. A build that fails leaves only its own
	// file unwritten (Replaced.Err). The results are in the order of builds;
	// err is set only when nothing could be written (the context ended).
	ReplaceFiles(ctx context.Context, mode ReplaceMode, builds []func() (File, []Chunk, error)) ([]Replaced, error)
	// MergeKeywordIndex tidies the keyword index after a bulk write (a
	// walk), so that searches stay as fast as after many small writes; a
	// backend with nothing to tidy does nothing. It may take a few short
	// write transactions.
	MergeKeywordIndex(ctx context.Context) error
	// DeleteFile forgets a file and its chunks whatever is on disk. To
	// follow a file that was deleted, use ReplaceFile with a Gone build,
	// which checks the disk inside the transaction.
	DeleteFile(ctx context.Context, path string) (int, error)
	// Files lists stored files whose path starts with prefix ("" = all).
	Files(ctx context.Context, prefix string) ([]File, error)
	// KeywordSearch runs a keyword query, best first.
	KeywordSearch(ctx context.Context, q KeywordQuery) ([]Hit, error)
	// KeywordScale names the scale of KeywordSearch's scores, shown with
	// every keyword-only result so nobody compares scores of different
	// rankings: ScaleBM25, or the backend's own name for another ranking.
	KeywordScale() string
	// Chunk returns one chunk by id (ErrNotFound if unknown).
	Chunk(ctx context.Context, id string) (Chunk, error)
	// ChunksByEntry returns the chunks of the memory entry with this id, in
	// file order (none if no such entry is indexed).
	ChunksByEntry(ctx context.Context, entryID string) ([]Chunk, error)
	// RenameNamespace moves every file and chunk from one namespace to
	// another and reports how many chunks moved.
	RenameNamespace(ctx context.Context, from, to string) (int, error)
	// List returns chunks newest first.
	List(ctx context.Context, q ListQuery) ([]Chunk, error)
	// Stats summarises the store.
	Stats(ctx context.Context) (Stats, error)
	// Counts returns one page of chunk counts per tag or namespace; the
	// backend pages in the query, without loading every name.
	Counts(ctx context.Context, q CountQuery) (CountPage, error)
	// CountChunks counts the chunks a List of q would page through (its
	// Limit and Offset are ignored).
	CountChunks(ctx context.Context, q ListQuery) (int, error)
	// Reset deletes every chunk and file record (the markdown is untouched).
	Reset(ctx context.Context) error
	// PutVectors stores vectors of a generation. A vector whose chunk no
	// longer exists, or whose text hash no longer matches, is skipped.
	PutVectors(ctx context.Context, generation string, vecs []ChunkVector) (stored int, err error)
	// DenseSearch ranks chunks by cosine similarity to q.Vector among those
	// with a vector of q.Generation; filters apply before the limit. Hit.Score
	// is the cosine similarity.
	DenseSearch(ctx context.Context, q DenseQuery) ([]Hit, error)
	// Vectors returns the stored vectors of the given chunks (for MMR).
	Vectors(ctx context.Context, generation string, chunkIDs []string) (map[string][]float32, error)
	// ChunksWithoutVectors lists up to limit chunks lacking a vector of
	// generation (restricted to one file when source is not empty) that lie
	// past the position after, and the position to pass next. Positions are
	// opaque to callers; 0 is the start. Paging by position, not by asking
	// for "the first missing" again, is what keeps a backfill linear: each
	// call reads only chunks no earlier call read.
	ChunksWithoutVectors(ctx context.Context, generation, source string, after int64, limit int) (chunks []Chunk, next int64, err error)
	// VectorStats counts vectors for generation and per stored generation.
	VectorStats(ctx context.Context, generation string) (VectorStats, error)
	// DropVectors deletes every vector whose generation is not keep ("" drops all).
	DropVectors(ctx context.Context, keep string) (int, error)
	// Meta reads and SetMeta writes a store-wide setting (e.g. the
	// embedding generation the stored vectors belong to).
	Meta(ctx context.Context, key string) (string, bool, error)
	SetMeta(ctx context.Context, key, value string) error
	// Check runs the backend's integrity check.
	Check(ctx context.Context) error
	Close() error
}
