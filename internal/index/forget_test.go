package index

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// sharedIndexers are two indexers on one database file, as two processes
// sharing a store have.
func sharedIndexers(t *testing.T) (*Indexer, *Indexer) {
	t.Helper()
	dbPath := filepath.Join(t.TempDir(), "m.db")
	return indexerOn(t, dbPath), indexerOn(t, dbPath)
}

func found(t *testing.T, ix *Indexer, word string) bool {
	t.Helper()
	hits, err := ix.Store.KeywordSearch(context.Background(), store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{word}}}, Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	return len(hits) > 0
}

// The race behind a memory that an add had indexed and that was then not
// found: a reconcile walk listed the directory before another process
// created today's file and indexed it, and the walk then took the file for
// deleted. The walk must leave it in the index.
func TestWalkKeepsFileCreatedAfterListing(t *testing.T) {
	ix, other := sharedIndexers(t)
	ctx := context.Background()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "old.md"), "# Old\n\nalready there")
	late := filepath.Join(dir, "today.md")
	st, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true, Progress: func(done, _ int, _ string) {
		if done == 0 {
			write(t, late, "# Today\n\nwritten by another process mid-walk")
			if _, err := other.IndexFile(ctx, late, FileOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if st.FilesRemoved != 0 || len(st.Errors) > 0 {
		t.Errorf("the walk removed or failed on something: %+v", st)
	}
	if !found(t, ix, "mid") {
		t.Errorf("a file created and indexed during the walk was dropped from the index; files now: %v", sources(t, ix))
	}
}

// A file deleted between the walk's listing and its turn to be indexed is
// counted as removed, not reported as an error.
func TestWalkForgetsFileDeletedAfterListing(t *testing.T) {
	ix, _ := sharedIndexers(t)
	ctx := context.Background()
	dir := t.TempDir()
	doomed := filepath.Join(dir, "b.md")
	write(t, filepath.Join(dir, "a.md"), "# A\n\nalpha")
	write(t, doomed, "# B\n\nbravo")
	if _, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "a.md"), "# A\n\nalpha changed")
	write(t, doomed, "# B\n\nbravo changed")
	st, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true, Progress: func(done, _ int, _ string) {
		if done == 0 {
			os.Remove(doomed)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if st.FilesRemoved != 1 || len(st.Errors) > 0 || st.FilesIndexed != 1 {
		t.Errorf("want a.md indexed and b.md removed without errors: %+v", st)
	}
	if found(t, ix, "bravo") {
		t.Errorf("the deleted file is still searchable")
	}
}

// A file that is now excluded leaves the index on the next walk, while a
// file under the same root that another process created meanwhile stays.
func TestWalkForgetsExcludedFile(t *testing.T) {
	ix, _ := sharedIndexers(t)
	ctx := context.Background()
	dir := t.TempDir()
	write(t, filepath.Join(dir, "notes", "keep.md"), "# Keep\n\nkilo")
	write(t, filepath.Join(dir, "notes", "wip.md"), "# Wip\n\nwhiskey")
	if _, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true}); err != nil {
		t.Fatal(err)
	}
	ix.Exclude = append(ix.Exclude, "**/wip.md")
	st, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.FilesRemoved != 1 || found(t, ix, "whiskey") || !found(t, ix, "kilo") {
		t.Errorf("want wip.md forgotten and keep.md kept: %+v, files %v", st, sources(t, ix))
	}
}

// A removal event handled late, after another process recreated the file
// and indexed it: the watcher must not drop the new file.
func TestStaleRemovalKeepsRecreatedFile(t *testing.T) {
	ix, other := sharedIndexers(t)
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "day.md")
	write(t, path, "# Day\n\nfirst")
	if _, err := ix.IndexFile(ctx, path, FileOptions{}); err != nil {
		t.Fatal(err)
	}
	os.Remove(path)
	// The watcher has seen the file missing; before it writes, the other
	// process recreates and indexes it.
	ix.Store = &hookStore{Store: ix.Store, before: func() {
		write(t, path, "# Day\n\nrecreated")
		if _, err := other.IndexFile(ctx, path, FileOptions{}); err != nil {
			t.Fatal(err)
		}
	}}
	if err := ix.syncPath(ctx, path, []string{filepath.Dir(path)}); err != nil {
		t.Fatal(err)
	}
	if !found(t, ix, "recreated") {
		t.Errorf("a stale removal event dropped a recreated file; files now: %v", sources(t, ix))
	}
	// A removal that is not stale still forgets the file.
	os.Remove(path)
	if err := ix.syncPath(ctx, path, []string{filepath.Dir(path)}); err != nil {
		t.Fatal(err)
	}
	if slices.Contains(sources(t, ix), "day.md") {
		t.Errorf("a removed file is still indexed")
	}
}
