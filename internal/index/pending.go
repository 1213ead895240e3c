package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/store"
)

// pendingFile is one file IndexFile has looked at outside the write
// transaction. Either it is done (an unchanged file, or one gone that the
// store never had: res and err are the result), or build is to run inside
// a write transaction and finish turns what it wrote into the result. A
// walk prepares files on other cores and writes several per transaction.
type pendingFile struct {
	path string
	done bool
	res  FileResult
	err  error
	mode store.ReplaceMode
	// build reads the file inside the transaction (see IndexFile).
	build func() (store.File, []store.Chunk, error)
	// gone and leftOut are what the last run of build decided.
	gone    error
	leftOut []ChunkSkip
	// pre is the file as read and chunked before the transaction: build
	// uses its chunks when what it reads inside hashes the same.
	pre *chunked
}

// chunked is a file's content split, scanned and made into the chunks to
// store.
type chunked struct {
	sha     string
	ns      string
	modTime time.Time
	chunks  []store.Chunk
	leftOut []ChunkSkip
	tail    string // store.File.Tail of this content
	size    int64  // bytes of content the chunks hold, to bound what is held ahead
}

// prepare does what IndexFile does before its write transaction: the
// ignore rules, healing a memory file, the unchanged check, and the
// reading, chunking and secret scan of a changed file, so that inside the
// transaction only the read and a hash remain (when the file did not
// change in between; if it did, build chunks what it read).
func (ix *Indexer) prepare(ctx context.Context, path string, opts FileOptions) *pendingFile {
	// The store keys a file by its canonical path only: a file reached
	// through a symlinked home or folder must not be stored twice.
	canon, err := fspath.Canonical(path)
	if err != nil {
		return &pendingFile{path: path, done: true, err: err}
	}
	if err := ix.dropSpelling(ctx, path, canon, false); err != nil {
		return &pendingFile{path: canon, done: true, err: err}
	}
	path = canon
	p := &pendingFile{path: path, res: FileResult{Path: path}}
	finished := func(err error) *pendingFile {
		p.done, p.err = true, err
		return p
	}
	// A file the ignore rules leave out never enters the index, whoever
	// names it (mm index, mem_index, the watcher), and leaves it if it was
	// indexed before the rule. A walk's forget check (keep) applies them
	// itself.
	var ignored error
	if !opts.checked && opts.keep == nil {
		if reason, detail := ix.ignoreReason(path); reason != "" {
			ignored = &SkipError{path, reason, reason + ": " + detail}
		}
	}
	if ix.Heal != nil && !opts.Written && opts.keep == nil && ignored == nil && ix.InMemoryDir(path) {
		if err := ix.Heal(ctx, path); err != nil {
			return finished(fmt.Errorf("index %s: %w", path, err))
		}
	}
	stored, known, err := ix.Store.FileState(ctx, path)
	if err != nil {
		return finished(err)
	}
	if ignored != nil && !known {
		return finished(ignored)
	}
	if opts.keep == nil && ignored == nil {
		// The common cases need no write transaction: an unchanged file, and
		// a missing or skipped one the store never had.
		content, info, err := ix.readFile(opts.root, path)
		var skipped *SkipError
		switch {
		case err == nil:
			fm, _, _ := chunk.ParseFrontmatter(content)
			ns := ix.namespace(path, opts.Namespace, fm, stored, known)
			sha := hashBytes(content)
			if known && !opts.Force && stored.SHA256 == sha && stored.Namespace == ns {
				p.res.Unchanged = true
				return finished(nil)
			}
			// Chunk and scan outside the write transaction.
			pre := &chunked{sha: sha, ns: ns, modTime: info.ModTime(), size: int64(len(content))}
			var end *chunk.Context
			pre.chunks, pre.leftOut, end = ix.chunks(path, content, info, ns)
			pre.tail = tailFor(sha, end, len(pre.leftOut) > 0)
			p.pre = pre
		case !known && (errors.Is(err, fs.ErrNotExist) || errors.As(err, &skipped)):
			return finished(err)
		}
	}
	p.mode = store.IfChanged
	if opts.Force {
		p.mode = store.Always
	}
	p.build = func() (store.File, []store.Chunk, error) {
		p.gone, p.leftOut = nil, nil
		if ignored != nil {
			p.gone = ignored
			return store.File{Path: path, Gone: true}, nil, nil
		}
		if opts.keep != nil && !opts.keep(path) {
			p.gone = errNotWalked
			return store.File{Path: path, Gone: true}, nil, nil
		}
		content, info, err := ix.readFile(opts.root, path)
		var skipped *SkipError
		switch {
		case errors.Is(err, fs.ErrNotExist) || errors.As(err, &skipped):
			p.gone = err
			return store.File{Path: path, Gone: true}, nil, nil
		case err != nil:
			return store.File{}, nil, err
		}
		sha := hashBytes(content)
		if pre := p.pre; pre != nil && pre.sha == sha && pre.modTime.Equal(info.ModTime()) {
			// What was chunked is what is on disk now: the same content
			// gives the same namespace and chunks. (A copy: the store
			// fills in ids, and a retried transaction builds again.)
			p.leftOut = pre.leftOut
			return store.File{Path: path, Size: info.Size(), ModTime: info.ModTime(), SHA256: sha, Namespace: pre.ns, Tail: pre.tail}, slices.Clone(pre.chunks), nil
		}
		fm, _, _ := chunk.ParseFrontmatter(content)
		ns := ix.namespace(path, opts.Namespace, fm, stored, known)
		f := store.File{Path: path, Size: info.Size(), ModTime: info.ModTime(), SHA256: sha, Namespace: ns}
		var cs []store.Chunk
		var end *chunk.Context
		cs, p.leftOut, end = ix.chunks(path, content, info, ns)
		f.Tail = tailFor(sha, end, len(p.leftOut) > 0)
		return f, cs, nil
	}
	return p
}

// finish makes IndexFile's result from what p's transaction wrote, and
// embeds the new chunks unless the caller does that later.
func (ix *Indexer) finish(ctx context.Context, p *pendingFile, opts FileOptions, diff store.Diff, chunks []store.Chunk, err error) (FileResult, error) {
	res := p.res
	res.Diff = diff
	switch {
	case err != nil:
		return res, fmt.Errorf("index %s: %w", p.path, err)
	case p.gone == errNotWalked:
		return res, nil
	case p.gone != nil:
		return res, p.gone
	}
	res.Chunks, res.Skipped = chunks, p.leftOut
	if ix.Embed != nil && !opts.deferEmbed && (diff.Indexed > 0 || opts.Force) {
		res.EmbedErr = ix.Embed(ctx, p.path, nil)
	}
	return res, nil
}
