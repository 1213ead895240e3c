package index

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/fsnotify/fsnotify"
)

// WatchOptions tune Watch.
type WatchOptions struct {
	// Debounce waits for a burst of events on a file to settle (an editor's
	// save is often several writes and a rename) before indexing it once.
	Debounce time.Duration
	// Reconcile is how often a full incremental scan runs, to catch what
	// events miss (changes while no process watched, overflowed queues).
	Reconcile time.Duration
	// OnError receives errors that do not stop watching.
	OnError func(error)
	// OnIndexed is called after each batch with the paths handled (tests
	// and logging).
	OnIndexed func(paths []string)
}

// Watch keeps dirs indexed until ctx is done: it indexes changed files
// shortly after they change and runs a reconcile scan at start and every
// opts.Reconcile. Only one process per store should run it (the elected
// indexer); the others index their own writes synchronously.
func (ix *Indexer) Watch(ctx context.Context, dirs []string, opts WatchOptions) error {
	if opts.Debounce <= 0 {
		opts.Debounce = 300 * time.Millisecond
	}
	if opts.Reconcile <= 0 {
		opts.Reconcile = 5 * time.Minute
	}
	report := func(err error) {
		if err != nil && opts.OnError != nil && ctx.Err() == nil {
			opts.OnError(err)
		}
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	defer w.Close()
	for _, d := range dirs {
		report(ix.addTree(w, d))
	}
	reconcile := func() {
		var existing []string
		for _, d := range dirs {
			if _, err := os.Stat(d); err == nil {
				existing = append(existing, d)
			}
		}
		if len(existing) == 0 {
			return
		}
		st, err := ix.IndexPaths(ctx, existing, Options{Recursive: true})
		report(err)
		for _, e := range st.Errors {
			report(errors.New(e))
		}
	}
	reconcile()

	pending := map[string]bool{}
	debounce := time.NewTimer(time.Hour)
	debounce.Stop()
	ticker := time.NewTicker(opts.Reconcile)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Create) {
				// Lstat: a link to a directory is not watched (nor walked),
				// or a link planted in a memory folder would feed the index
				// from wherever it points.
				if info, err := os.Lstat(ev.Name); err == nil && info.IsDir() {
					report(ix.addTree(w, ev.Name))
					// Files may have landed before the watch was added.
					pending[ev.Name] = true
					debounce.Reset(opts.Debounce)
					continue
				}
			}
			if !watchable(ev.Name) {
				continue
			}
			pending[ev.Name] = true
			debounce.Reset(opts.Debounce)
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			// An overflow means events were lost: a full scan recovers.
			report(err)
			reconcile()
		case <-debounce.C:
			paths := make([]string, 0, len(pending))
			for p := range pending {
				paths = append(paths, p)
			}
			pending = map[string]bool{}
			for _, p := range paths {
				report(ix.syncPath(ctx, p, dirs))
			}
			if opts.OnIndexed != nil {
				opts.OnIndexed(paths)
			}
		case <-ticker.C:
			reconcile()
		}
	}
}

// syncPath indexes a changed file or directory, or forgets a removed one.
// Removal goes through IndexFile too, which checks inside the write
// transaction that the file is still gone: the event may be stale by the
// time it is handled, with the file already recreated by another process.
// Reads go through the watched directory holding path (one of dirs), so a
// link there leads nowhere outside it: it is skipped, and forgotten if it
// was indexed.
func (ix *Indexer) syncPath(ctx context.Context, path string, dirs []string) error {
	info, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := ignoreGone(ix.IndexFile(ctx, path, FileOptions{})); err != nil {
			return err
		}
		// A removed directory: forget everything below it.
		files, err := ix.Store.Files(ctx, path+string(filepath.Separator))
		if err != nil {
			return err
		}
		for _, f := range files {
			if err := ignoreGone(ix.IndexFile(ctx, f.Path, FileOptions{})); err != nil {
				return err
			}
		}
		return nil
	}
	if err != nil {
		return err
	}
	if info.IsDir() {
		_, err := ix.IndexPaths(ctx, []string{path}, Options{Recursive: true, Roots: dirs})
		return err
	}
	b, err := openRoot(path, false, dirs)
	if err != nil {
		return err
	}
	defer b.Close()
	return ignoreGone(ix.IndexFile(ctx, path, FileOptions{root: b}))
}

// ignoreGone drops the errors that only say a file left the index (it was
// deleted, or is now skipped); IndexFile has already forgotten it.
func ignoreGone(_ FileResult, err error) error {
	var skipped *SkipError
	if errors.Is(err, fs.ErrNotExist) || errors.As(err, &skipped) {
		return nil
	}
	return err
}

// watchable filters events down to files a walk would index: no dot files
// (which includes Mutate's temp files), no editor backups, known types.
func watchable(path string) bool {
	name := filepath.Base(path)
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, "~") || isSecretName(name) {
		return false
	}
	for _, part := range strings.Split(filepath.Dir(path), string(filepath.Separator)) {
		if skippedDirs[part] {
			return false
		}
	}
	return indexedExts[strings.ToLower(filepath.Ext(name))]
}

// addTree watches root and the folders below it that a walk would enter
// (an ignored folder is not watched; a file event that slips through is
// still judged by IndexFile).
func (ix *Indexer) addTree(w *fsnotify.Watcher, root string) error {
	ignores := ix.newIgnoreWalk()
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root {
				return err
			}
			return nil
		}
		if !d.IsDir() {
			return nil
		}
		if p != root && (skippedDirs[d.Name()] || strings.HasPrefix(d.Name(), ".")) {
			return filepath.SkipDir
		}
		if _, pruned := ignores.prunes(p); pruned {
			return filepath.SkipDir
		}
		return w.Add(p)
	})
}
