package index

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/memtomem/memtomem/internal/fspath"
)

// Options tune a walk over several paths.
type Options struct {
	Namespace string
	Force     bool
	// Recursive descends into subdirectories (default true at the front ends).
	Recursive bool
	// Progress, when set, is called once the file list is known (done=0) and
	// after every file.
	Progress func(done, total int, path string)
	// EmbedProgress, when set, follows the embedding of new chunks after
	// the walk.
	EmbedProgress func(done, total int)
	// Roots, when set, are the folders an agent may read (the memory
	// directories and the remembered sources): each path is read through
	// the one holding it, so a link swapped in after the caller's check
	// still cannot lead out. Empty (the user's own mm index): each directory
	// is its own root and a single file's root is its directory.
	Roots []string
}

// Stats summarise a walk.
type Stats struct {
	FilesScanned   int            `json:"files_scanned"`
	FilesIndexed   int            `json:"files_indexed"`
	FilesUnchanged int            `json:"files_unchanged"`
	FilesRemoved   int            `json:"files_removed"`
	FilesSkipped   map[string]int `json:"files_skipped"`
	ChunksIndexed  int            `json:"chunks_indexed"`
	ChunksKept     int            `json:"chunks_unchanged"`
	ChunksDeleted  int            `json:"chunks_deleted"`
	// ChunksSkipped counts the chunks left out of files that were indexed,
	// by reason ("secret: <rule-id>"); SkippedChunks says where (the first
	// MaxListedSkips of them).
	ChunksSkipped map[string]int `json:"chunks_skipped,omitempty"`
	SkippedChunks []ChunkSkip    `json:"skipped_chunks,omitempty"`
	Errors        []string       `json:"errors,omitempty"`
	Duration      time.Duration  `json:"duration_ns"`
	// Remembered lists the paths this run added to the remembered sources
	// (set by the root package for mm index PATH; the walk never sets it).
	Remembered []string `json:"remembered,omitempty"`
}

func (s *Stats) skipChunks(cs []ChunkSkip) {
	for _, c := range cs {
		if s.ChunksSkipped == nil {
			s.ChunksSkipped = map[string]int{}
		}
		s.ChunksSkipped[c.Reason]++
		if len(s.SkippedChunks) < MaxListedSkips {
			s.SkippedChunks = append(s.SkippedChunks, c)
		}
	}
}

func (s *Stats) skip(reason string) {
	if s.FilesSkipped == nil {
		s.FilesSkipped = map[string]int{}
	}
	s.FilesSkipped[reason]++
}

// Add sums another run's figures into s (several walks reported as one);
// the list of skipped chunks stays within MaxListedSkips.
func (s *Stats) Add(o Stats) {
	s.FilesScanned += o.FilesScanned
	s.FilesIndexed += o.FilesIndexed
	s.FilesUnchanged += o.FilesUnchanged
	s.FilesRemoved += o.FilesRemoved
	s.ChunksIndexed += o.ChunksIndexed
	s.ChunksKept += o.ChunksKept
	s.ChunksDeleted += o.ChunksDeleted
	s.FilesSkipped = addCounts(s.FilesSkipped, o.FilesSkipped)
	s.ChunksSkipped = addCounts(s.ChunksSkipped, o.ChunksSkipped)
	s.SkippedChunks = append(s.SkippedChunks, o.SkippedChunks[:min(len(o.SkippedChunks), max(0, MaxListedSkips-len(s.SkippedChunks)))]...)
	s.Errors = append(s.Errors, o.Errors...)
	s.Duration += o.Duration
}

func addCounts(to, from map[string]int) map[string]int {
	for k, v := range from {
		if to == nil {
			to = map[string]int{}
		}
		to[k] += v
	}
	return to
}

// IndexPaths indexes files and directories. A path that does not exist is an
// error before anything is touched; a file that fails to index is reported in
// Stats.Errors and the walk goes on.
func (ix *Indexer) IndexPaths(ctx context.Context, paths []string, opts Options) (Stats, error) {
	start := time.Now()
	var st Stats
	type root struct {
		path    string
		isDir   bool
		beneath *fspath.Beneath // every read of the path's files goes through it
	}
	var roots []root
	for _, p := range paths {
		c, err := fspath.Canonical(p)
		if err != nil {
			return st, err
		}
		info, err := os.Stat(c)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return st, fmt.Errorf("%s: no such file or directory", p)
			}
			return st, err
		}
		if err := ix.dropSpelling(ctx, p, c, info.IsDir()); err != nil {
			return st, err
		}
		if beforeOpen != nil {
			beforeOpen(c)
		}
		b, err := openRoot(c, info.IsDir(), opts.Roots)
		if err != nil {
			return st, err
		}
		defer b.Close()
		roots = append(roots, root{c, info.IsDir(), b})
	}

	var files []string
	var under []*fspath.Beneath // the root each of files is read through
	seen := map[string]bool{}
	named := map[string]bool{} // files given by name: IndexFile applies the ignore rules
	for _, r := range roots {
		if !r.isDir {
			if isSecretName(filepath.Base(r.path)) {
				st.skip(SkipSecret)
				continue
			}
			if !seen[r.path] {
				seen[r.path] = true
				named[r.path] = true
				files = append(files, r.path)
				under = append(under, r.beneath)
			}
			continue
		}
		ignores := ix.newIgnoreWalk()
		if s, pruned := ignores.prunes(r.path); pruned {
			// The folder itself is ignored (mm index ~/.ssh, or a folder a
			// .gitignore above it leaves out); what was indexed there
			// before is forgotten below.
			st.skip(s.left)
			continue
		}
		err := filepath.WalkDir(r.path, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				st.Errors = append(st.Errors, err.Error())
				return nil
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			if d.IsDir() {
				if p == r.path {
					return nil
				}
				if !opts.Recursive || ix.skipsDir(p) {
					return filepath.SkipDir
				}
				// An ignored folder is not descended into at all: a
				// gitignored node_modules costs one check, not a walk.
				if s, pruned := ignores.prunes(p); pruned {
					st.skip(s.left)
					return filepath.SkipDir
				}
				return nil
			}
			key := p // the root is canonical and the walk follows no links
			if d.Type()&fs.ModeSymlink != 0 {
				// Symlinked files are indexed under their target (one file,
				// one path, however many links lead to it); links to
				// directories are not followed, which rules out loops.
				target, err := fspath.Canonical(p)
				if err != nil {
					return nil
				}
				if !fspath.Within(r.path, target) {
					// A link never leads out of the folder being indexed: a
					// link planted in a notes or memory folder must not make
					// /etc/passwd or ~/.ssh searchable. This check only keeps
					// the listing tidy; what enforces it is the read through
					// r.beneath, which no link swapped in since can escape.
					st.skip(SkipSymlinkOut)
					return nil
				}
				if info, err := os.Stat(target); err != nil || !info.Mode().IsRegular() {
					return nil
				}
				key = target
			} else if !d.Type().IsRegular() {
				return nil
			}
			reason := ix.fileSkipReason(p)
			if reason == "" {
				reason, _ = ignores.file(p)
			}
			if reason == "" && key != p {
				reason, _ = ignores.file(key)
			}
			if reason != "" {
				st.skip(reason)
			} else if !seen[key] {
				seen[key] = true
				files = append(files, key)
				under = append(under, r.beneath)
			}
			return nil
		})
		if err != nil {
			return st, err
		}
	}

	if opts.Progress != nil {
		opts.Progress(0, len(files), "")
	}
	fileOpts := func(i int) FileOptions {
		return FileOptions{Namespace: opts.Namespace, Force: opts.Force, deferEmbed: true, checked: !named[files[i]], root: under[i]}
	}
	pr := ix.prepareAhead(ctx, files, fileOpts)
	defer pr.stop()
	b := walkBatch{ix: ix, pr: pr, opts: fileOpts, done: func(i int, res FileResult, err error) {
		var skipped *SkipError
		// A file that became binary or too large, or was deleted since the
		// listing, was forgotten by IndexFile.
		st.ChunksDeleted += res.Diff.Deleted
		if res.Diff.Forgotten {
			st.FilesRemoved++
		}
		switch {
		case errors.As(err, &skipped):
			st.skip(skipped.Reason)
		case errors.Is(err, fs.ErrNotExist):
		case err != nil:
			st.Errors = append(st.Errors, err.Error())
		case res.Unchanged:
			st.FilesUnchanged++
		default:
			st.FilesIndexed++
			st.ChunksIndexed += res.Diff.Indexed
			st.ChunksKept += res.Diff.Unchanged
			st.skipChunks(res.Skipped)
		}
		if opts.Progress != nil {
			opts.Progress(i+1, len(files), files[i])
		}
	}}
	for i, f := range files {
		p := pr.wait(i)
		if beforeFile != nil {
			beforeFile(ctx, f)
		}
		// Between files: a cancelled call or a shutdown stops here, with
		// every file before this one committed. The batch in hand was read
		// and is written first: its transaction is as short as any other,
		// and bounded by the store's write wait.
		if err := ctx.Err(); err != nil {
			b.flush(context.WithoutCancel(ctx))
			return st, err
		}
		st.FilesScanned++
		if b.add(i, p) {
			b.flush(ctx)
		}
	}
	b.flush(ctx)

	// Files the store knows under a walked directory that the walk did not
	// find were deleted, or are now excluded: drop their chunks. Whether the
	// file is still gone is asked again inside the write transaction, since
	// another process may have created and indexed it after the listing.
	for _, r := range roots {
		if !r.isDir {
			continue
		}
		known, err := ix.Store.Files(ctx, r.path+string(filepath.Separator))
		if err != nil {
			return st, err
		}
		keep := func(p string) bool { return ix.walkFinds(r.path, p, opts.Recursive) }
		for _, f := range known {
			if seen[f.Path] {
				continue
			}
			if !opts.Recursive && filepath.Dir(f.Path) != r.path {
				continue
			}
			res, err := ix.IndexFile(ctx, f.Path, FileOptions{deferEmbed: true, keep: keep, root: r.beneath})
			var skipped *SkipError
			if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.As(err, &skipped) {
				return st, err
			}
			if res.Diff.Forgotten {
				st.FilesRemoved++
			}
			st.ChunksDeleted += res.Diff.Deleted
			st.ChunksIndexed += res.Diff.Indexed
		}
	}
	if st.ChunksIndexed > 0 {
		// Best effort: a failure leaves the index correct, and a later
		// walk or FTS5's own merging tidies it.
		_ = ix.Store.MergeKeywordIndex(ctx)
	}
	// Always: besides this walk's new chunks, this backfills chunks an
	// earlier run or another process could not embed (provider down).
	if ix.Embed != nil {
		if err := ix.Embed(ctx, "", opts.EmbedProgress); err != nil {
			st.Errors = append(st.Errors, "embedding: "+err.Error()+" (the chunks are indexed for keyword search; run mm index again to retry)")
		}
	}
	st.Duration = time.Since(start)
	return st, nil
}

// openRoot opens the folder the files of the canonical path c are read
// through. Unconfined, that is c itself for a directory and its directory
// for a file. Confined to allowed roots, it is opened through the allowed
// root holding c, so that c, checked by name, cannot have become a link out
// of it since: a directory is its own root opened beneath the allowed one,
// and a single file is read beneath the allowed root.
func openRoot(c string, isDir bool, allowed []string) (*fspath.Beneath, error) {
	if len(allowed) == 0 {
		if !isDir {
			c = filepath.Dir(c)
		}
		return fspath.OpenBeneath(c)
	}
	holder := ""
	for _, a := range allowed {
		if fspath.Within(a, c) && len(a) > len(holder) {
			holder = a
		}
	}
	if !isDir && holder == c {
		holder = filepath.Dir(c) // a remembered single file
	}
	if holder == "" {
		return nil, fmt.Errorf("%s %w it was allowed under (it changed while being indexed); nothing was read", c, fspath.ErrEscapes)
	}
	top, err := fspath.OpenBeneath(holder)
	if err != nil || !isDir || holder == c {
		return top, err
	}
	defer top.Close()
	return top.Sub(c)
}

// skipsDir reports whether a walk leaves out the directory at p (and all
// below it).
func (ix *Indexer) skipsDir(p string) bool {
	return skippedDirs[filepath.Base(p)] || excluded(ix.Exclude, p)
}

// fileSkipReason says why a walk leaves out the file at p, or "" if it
// indexes it.
func (ix *Indexer) fileSkipReason(p string) string {
	name := filepath.Base(p)
	switch {
	case isSecretName(name):
		return SkipSecret
	case excluded(ix.Exclude, p):
		return SkipExcluded
	case !indexedExts[strings.ToLower(filepath.Ext(name))]:
		return SkipType
	}
	return ""
}

// walkFinds reports whether a walk of root would list the file at p, by
// the same rules as the walk itself.
func (ix *Indexer) walkFinds(root, p string, recursive bool) bool {
	rel, err := filepath.Rel(root, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return false
	}
	for d := filepath.Dir(p); d != root && len(d) > len(root); d = filepath.Dir(d) {
		if !recursive || ix.skipsDir(d) {
			return false
		}
	}
	if reason, _ := ix.ignoreReason(p); reason != "" {
		return false
	}
	return ix.fileSkipReason(p) == ""
}
