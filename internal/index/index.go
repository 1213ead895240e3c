// Package index keeps the store in step with files on disk: it walks paths,
// hashes files, chunks the changed ones and replaces their chunks in the store,
// keeping the ids of chunks whose text did not change.
package index

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/dayfile"
	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/memfile"
	"github.com/memtomem/memtomem/internal/store"
)

// DefaultNamespace is where chunks go when nothing else names one and the
// Indexer has no DefaultNamespace of its own.
const DefaultNamespace = dayfile.Default

// Indexer indexes files into a Store.
type Indexer struct {
	Store    store.Store
	Chunking chunk.Options
	// MaxFileBytes skips larger files, except memory files: those hold
	// acknowledged memories and are indexed whatever their size (day files
	// roll over long before they get large).
	MaxFileBytes int64
	Exclude      []string
	// MemoryDirs are the folders memtomem writes memories to. Day files
	// there keep the namespace their name records (see package dayfile),
	// and a file in one is never skipped as binary or for size: one bad
	// byte there must not hide the other memories of its file (the byte is
	// replaced in the index instead).
	MemoryDirs []string
	// StoreHome is the store's own home: nothing in it is indexed but the
	// memory directories inside it. StoreFiles are the store's own files
	// and folders wherever they are (config.json, the database, the
	// coordination folder, sources.json): never indexed, not even from a
	// memory directory. See ignore.go.
	StoreHome  string
	StoreFiles []string
	// DefaultNamespace is the namespace of files that name none and match
	// no rule ("" = DefaultNamespace).
	DefaultNamespace string
	// NamespaceFor maps a path to a namespace from configuration rules; ""
	// means no rule matched.
	NamespaceFor func(path string) string
	// Heal, when set, is called before a file in a memory directory is
	// indexed, to put back memories an outside program's save dropped
	// (memfile.Writer.Heal); a caller that has just written the file through
	// memfile says so with FileOptions.Written and skips it.
	Heal func(ctx context.Context, path string) error
	// Embed, when set, computes the missing vectors of one file's chunks
	// (source "" = of every chunk) after they were written. It runs outside
	// every lock and transaction; its failure leaves the chunks keyword-
	// searchable and is reported, never fatal.
	Embed func(ctx context.Context, source string, progress func(done, total int)) error
	// scanned remembers which chunk texts were scanned for credentials.
	scanned scanCache
	// noSecretScan leaves chunks unscanned: only for the benchmark that
	// measures what the scan costs.
	noSecretScan bool
}

// Skip reasons, reported in Stats so users see why a file was left out.
const (
	SkipBinary   = "binary"
	SkipTooLarge = "too large"
	SkipSecret   = "may hold secrets"
	SkipExcluded = "excluded"
	SkipType     = "not a text type"
	// SkipSymlinkOut: a symlinked file whose target lies outside the folder
	// being indexed, or a file whose path led out of the folder it was
	// allowed under when it was opened (a link swapped in after the checks).
	SkipSymlinkOut = "symlink out of the folder"
)

// SkipError says why one file was left out of the index.
type SkipError struct {
	Path   string
	Reason string // one of the Skip* constants
	Detail string
}

func (e *SkipError) Error() string { return e.Path + ": skipped: " + e.Detail }

// FileResult is what indexing one file did.
type FileResult struct {
	Path      string
	Unchanged bool // the file hash matched: nothing was read into the store
	Diff      store.Diff
	Chunks    []store.Chunk // the file's chunks as stored (only when re-indexed)
	// EmbedErr is why the file's new chunks got no vectors (nil if they did
	// or no embedder is configured).
	EmbedErr error
	// Skipped are the chunks left out because they hold a credential (only
	// when re-indexed); the rest of the file is indexed.
	Skipped []ChunkSkip
}

// ChunkSkip is one chunk left out of the index, and why.
type ChunkSkip struct {
	Path   string `json:"path"`
	Line   int    `json:"line"`   // 1-based line of the file where the credential is
	Reason string `json:"reason"` // "secret: <rule-id>"
}

func (c ChunkSkip) String() string { return fmt.Sprintf("%s:%d: %s", c.Path, c.Line, c.Reason) }

// FileOptions tune IndexFile.
type FileOptions struct {
	// Namespace overrides every other source of the file's namespace.
	Namespace string
	// Force re-chunks even if the file hash is unchanged.
	Force bool
	// Written says the caller has just written the file through memfile,
	// which already did what Indexer.Heal would do.
	Written bool
	// deferEmbed leaves embedding to the caller (a walk embeds once at the
	// end, in large batches).
	deferEmbed bool
	// keep, when set, is asked inside the write transaction whether the
	// path is still one to index; false forgets it (a walk uses it for files
	// it did not find, which may since have been created).
	keep func(path string) bool
	// checked says the caller (a walk) has applied the ignore rules already.
	checked bool
	// root, when set, is the folder the file was allowed under (a walk's
	// root, an agent's allowed root): the read goes through it.
	root *fspath.Beneath
}

// IndexFile brings the index in line with one path as it is on disk. The
// file is hashed first, and skipped if unchanged; otherwise it is read and
// chunked inside the store's write transaction, so the process that commits
// last has always read the newest content: two processes appending to one
// day file at once cannot leave either entry out of the index.
//
// A path that is gone, or is now skipped (binary, too large, a secret), is
// forgotten by the same transaction that found it so: deciding outside the
// transaction would race a process that recreates the file and indexes it
// in between. The error then wraps fs.ErrNotExist or is a *SkipError, and
// the result's Diff says what was dropped.
func (ix *Indexer) IndexFile(ctx context.Context, path string, opts FileOptions) (FileResult, error) {
	p := ix.prepare(ctx, path, opts)
	if p.done {
		return p.res, p.err
	}
	diff, chunks, err := ix.Store.ReplaceFile(ctx, p.mode, p.build)
	return ix.finish(ctx, p, opts, diff, chunks, err)
}

// dropSpelling forgets what the store holds under a spelling of a path
// other than its canonical one: a copy indexed by a version that keyed
// files as they were spelled (the ghost of a symlinked home). A spelling is
// never a valid key, so this looks at the store only, not at the disk; for
// a directory, every file stored below that spelling goes.
func (ix *Indexer) dropSpelling(ctx context.Context, spelled, canon string, dir bool) error {
	abs, err := filepath.Abs(spelled)
	if err != nil || abs == canon {
		return nil
	}
	if _, known, err := ix.Store.FileState(ctx, abs); err != nil {
		return err
	} else if known {
		if _, err := ix.Store.DeleteFile(ctx, abs); err != nil {
			return err
		}
	}
	if !dir {
		return nil
	}
	below, err := ix.Store.Files(ctx, abs+string(filepath.Separator))
	if err != nil {
		return err
	}
	for _, f := range below {
		if _, err := ix.Store.DeleteFile(ctx, f.Path); err != nil {
			return err
		}
	}
	return nil
}

// errNotWalked marks a file that a walk would no longer find (its
// directory or name is now excluded); it was forgotten, which is no error.
var errNotWalked = errors.New("no longer walked")

// namespace picks the file's namespace: an explicit choice wins, then what
// the file states itself (frontmatter, or a day file's name), then what it
// was indexed under before, then the configuration's rules. What a file
// states comes before the store's memory of it so that a re-index and a
// rebuild from scratch (mm reset) always agree.
func (ix *Indexer) namespace(path, explicit string, fm chunk.Frontmatter, stored store.File, known bool) string {
	if explicit != "" {
		return explicit
	}
	if ns := ix.statedNamespace(path, fm); ns != "" {
		return ns
	}
	if known && stored.Namespace != "" {
		return stored.Namespace
	}
	return ix.configuredNamespace(path)
}

// FileNamespace is the namespace a file gets from its content and name and
// the configuration, ignoring what the store remembers: where an entry
// added to it will be found after any re-index.
func (ix *Indexer) FileNamespace(path string, content []byte) string {
	fm, _, _ := chunk.ParseFrontmatter(content)
	if ns := ix.statedNamespace(path, fm); ns != "" {
		return ns
	}
	return ix.configuredNamespace(path)
}

// statedNamespace is the namespace the file records itself: its
// frontmatter "namespace:", else, for a day file in a memory directory, the
// one its name encodes. "" when it records none.
func (ix *Indexer) statedNamespace(path string, fm chunk.Frontmatter) string {
	if ns := fm.Namespace(); ns != "" {
		return ns
	}
	if ix.InMemoryDir(path) {
		if info, ok := dayfile.Parse(filepath.Base(path)); ok {
			return info.Namespace()
		}
	}
	return ""
}

func (ix *Indexer) configuredNamespace(path string) string {
	if ix.NamespaceFor != nil {
		if ns := ix.NamespaceFor(path); ns != "" {
			return ns
		}
	}
	if ix.DefaultNamespace != "" {
		return ix.DefaultNamespace
	}
	return DefaultNamespace
}

// InMemoryDir reports whether a canonical path lies inside one of the
// (canonical) memory directories.
func (ix *Indexer) InMemoryDir(path string) bool {
	_, ok := ix.memoryDirOf(path)
	return ok
}

// memoryDirOf returns the memory directory holding a canonical path.
func (ix *Indexer) memoryDirOf(path string) (string, bool) {
	for _, d := range ix.MemoryDirs {
		if fspath.Within(d, path) {
			return d, true
		}
	}
	return "", false
}

// beforeOpen, when set (tests only), runs between the checks on a path
// and its open: the instant a swapped-in symlink would slip through a
// check-then-open-by-name.
var beforeOpen func(path string)

// readFile reads the file at the canonical path through a descriptor of the
// folder it was allowed under (beneath; nil = the memory directory holding
// it, else its own directory), so a component swapped for a symlink after
// every check still cannot lead the read out of that folder: such a file
// is skipped as SkipSymlinkOut. The type and size checks are on the opened
// file, not on a second lookup of the name.
func (ix *Indexer) readFile(beneath *fspath.Beneath, path string) ([]byte, os.FileInfo, error) {
	if beforeOpen != nil {
		beforeOpen(path)
	}
	if beneath == nil {
		dir := filepath.Dir(path)
		if d, ok := ix.memoryDirOf(path); ok {
			dir = d
		}
		b, err := fspath.OpenBeneath(dir)
		if err != nil {
			return nil, nil, err
		}
		defer b.Close()
		beneath = b
	}
	f, err := beneath.Open(path)
	if errors.Is(err, fspath.ErrEscapes) {
		return nil, nil, &SkipError{path, SkipSymlinkOut, "a symlink leads out of " + beneath.Dir}
	}
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s is not a regular file", path)
	}
	if ix.MaxFileBytes > 0 && info.Size() > ix.MaxFileBytes && !ix.InMemoryDir(path) {
		return nil, nil, &SkipError{path, SkipTooLarge, fmt.Sprintf("%s is over the %s limit (indexing.max_file_bytes)", humanBytes(info.Size()), humanBytes(ix.MaxFileBytes))}
	}
	content, err := io.ReadAll(f)
	if err != nil {
		return nil, nil, err
	}
	if looksBinary(content) && !ix.InMemoryDir(path) {
		return nil, nil, &SkipError{path, SkipBinary, "looks binary"}
	}
	if looksSecret(content) {
		return nil, nil, &SkipError{path, SkipSecret, "contains a private key"}
	}
	return content, info, nil
}

// chunks splits a file into the chunks to store, leaving out those that
// hold a credential (reported in skipped): a secret in one section of a
// note must not keep the note's other sections out of search, nor reach
// the index itself.
//
// For markdown, end is the chunking context at the file's end (JSON of a
// chunk.Context), which lets an append be indexed alone (append.go).
func (ix *Indexer) chunks(path string, content []byte, info os.FileInfo, ns string) (out []store.Chunk, skipped []ChunkSkip, end *chunk.Context) {
	pieces, ctx, ok := chunk.SplitContext(path, content, ix.Chunking)
	if ok {
		end = &ctx
	}
	out, skipped = ix.storeChunks(path, pieces, info.ModTime(), ns)
	return out, skipped, end
}

// storeChunks turns chunks of a file into the chunks to store, leaving out
// those that hold a credential (reported in skipped).
func (ix *Indexer) storeChunks(path string, pieces []chunk.Chunk, modTime time.Time, ns string) (out []store.Chunk, skipped []ChunkSkip) {
	out = make([]store.Chunk, 0, len(pieces))
	for _, p := range pieces {
		if found := ix.secrets(p); len(found) > 0 {
			f := found[0] // one report a chunk: its first credential
			skipped = append(skipped, ChunkSkip{Path: path, Line: p.StartLine + f.Line - 1, Reason: SkipSecretRule + f.Rule})
			continue
		}
		if p.EntryID != "" && len(p.Hierarchy) > 0 && memfile.IsAutoTitle(p.Hierarchy[len(p.Hierarchy)-1]) {
			// An untitled entry's generated heading is a timestamp and an id:
			// noise in the index and in every result that shows it.
			auto := p.Hierarchy[len(p.Hierarchy)-1]
			p.Hierarchy = p.Hierarchy[:len(p.Hierarchy)-1]
			if first, rest, ok := strings.Cut(p.Content, "\n"); ok && strings.TrimSpace(strings.TrimLeft(first, "#")) == auto {
				p.Content = strings.TrimLeft(rest, "\n")
			}
		}
		created := p.Created
		if created.IsZero() {
			created = modTime.UTC()
		}
		out = append(out, store.Chunk{
			Source:      path,
			Hierarchy:   forIndex(p.Hierarchy),
			Content:     memfile.ForIndex(p.Content),
			StartLine:   p.StartLine,
			EndLine:     p.EndLine,
			ContentHash: chunkHash(p),
			Namespace:   ns,
			Tags:        forIndex(p.Tags),
			EntryID:     p.EntryID,
			CreatedAt:   created,
		})
	}
	return out, skipped
}

// forIndex applies memfile.ForIndex to each string (nil stays nil).
func forIndex(ss []string) []string {
	var out []string
	for _, s := range ss {
		out = append(out, memfile.ForIndex(s))
	}
	return out
}

// chunkHash identifies a chunk's text and heading path; a chunk that only
// moved (an entry above it was added or deleted) keeps its hash and id.
func chunkHash(c chunk.Chunk) string {
	h := sha256.New()
	for _, s := range c.Hierarchy {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	h.Write([]byte{1})
	h.Write([]byte(c.Content))
	return hex.EncodeToString(h.Sum(nil)[:16])
}

func hashBytes(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
