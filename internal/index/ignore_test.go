package index

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/memtomem/memtomem/internal/chunk"
	"github.com/memtomem/memtomem/internal/store/sqlite"
)

// indexed lists the stored files relative to dir.
func indexed(t *testing.T, ix *Indexer, dir string) []string {
	t.Helper()
	files, err := ix.Store.Files(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, f := range files {
		rel, err := filepath.Rel(dir, f.Path)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, filepath.ToSlash(rel))
	}
	slices.Sort(out)
	return out
}

func indexDir(t *testing.T, ix *Indexer, dir string) Stats {
	t.Helper()
	st, err := ix.IndexPaths(context.Background(), []string{dir}, Options{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// canonTemp is a temporary directory by its canonical path (macOS /var is
// a link), as the store keys files.
func canonTemp(t *testing.T) string {
	t.Helper()
	d, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// The gitignore semantics people rely on: nested files, negation,
// anchored and directory-only patterns, a .mmignore read after the
// .gitignore of its folder, and the .gitignore files of the repository
// above the folder indexed.
func TestIgnoreFilesAsGitReadsThem(t *testing.T) {
	ix := newIndexer(t)
	repo := canonTemp(t)
	if err := os.MkdirAll(filepath.Join(repo, ".git", "info"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(repo, ".git", "info", "exclude"), "excluded.md\n")
	write(t, filepath.Join(repo, ".gitignore"), "# comment\n*.secret.md\n/top.md\nbuild/\nnotes/private/\n")
	write(t, filepath.Join(repo, "notes", ".gitignore"), "!keep.secret.md\n")
	write(t, filepath.Join(repo, "notes", ".mmignore"), "!wanted.secret.md\nscratch.md\n")
	for _, f := range []string{
		"top.md", "excluded.md", "a.secret.md", "build/out.md",
		"notes/top.md", "notes/build.md", "notes/keep.secret.md", "notes/wanted.secret.md",
		"notes/other.secret.md", "notes/scratch.md", "notes/private/p.md", "notes/sub/build/b.md",
	} {
		write(t, filepath.Join(repo, f), "# "+f+"\n\ntext of "+f)
	}

	// Indexing a folder inside the repository applies the repository's
	// .gitignore too.
	st := indexDir(t, ix, filepath.Join(repo, "notes"))
	want := []string{"notes/build.md", "notes/keep.secret.md", "notes/top.md", "notes/wanted.secret.md"}
	if got := indexed(t, ix, repo); !slices.Equal(got, want) {
		t.Errorf("indexed %v, want %v (skipped %v)", got, want, st.FilesSkipped)
	}
	if st.FilesSkipped[SkipGitignore] != 3 || st.FilesSkipped[SkipMmignore] != 1 {
		t.Errorf("skip reasons %v: want 3 %q (a secret, private/, sub/build/) and 1 %q", st.FilesSkipped, SkipGitignore, SkipMmignore)
	}

	st = indexDir(t, ix, repo)
	want = append([]string{}, want...)
	if got := indexed(t, ix, repo); !slices.Equal(got, want) {
		t.Errorf("whole repository: indexed %v, want %v (skipped %v)", got, want, st.FilesSkipped)
	}
	if st.FilesSkipped[SkipGitExclude] != 1 {
		t.Errorf("skip reasons %v: want one %q", st.FilesSkipped, SkipGitExclude)
	}

	// A file named on its own is judged by the same rules.
	_, err := ix.IndexFile(context.Background(), filepath.Join(repo, "notes", "private", "p.md"), FileOptions{})
	var skipped *SkipError
	if !errors.As(err, &skipped) || skipped.Reason != SkipGitignore {
		t.Errorf("a file in a gitignored folder, named: %v, want skipped %q", err, SkipGitignore)
	}
}

// A nested repository starts afresh, as in git: the outer .gitignore does
// not reach into it, while an outer .mmignore does.
func TestNestedRepositoryHasItsOwnGitignore(t *testing.T) {
	ix := newIndexer(t)
	dir := canonTemp(t)
	write(t, filepath.Join(dir, ".gitignore"), "draft.md\n")
	write(t, filepath.Join(dir, ".mmignore"), "scratch.md\n")
	write(t, filepath.Join(dir, "inner", ".git", "HEAD"), "ref: refs/heads/main\n")
	for _, f := range []string{"draft.md", "inner/draft.md", "inner/scratch.md"} {
		write(t, filepath.Join(dir, f), "# "+f+"\n\ntext")
	}
	indexDir(t, ix, dir)
	if got, want := indexed(t, ix, dir), []string{"inner/draft.md"}; !slices.Equal(got, want) {
		t.Errorf("indexed %v, want %v", got, want)
	}
}

// A credential location is left out however it is reached, and no ignore
// file brings it back: their content is not trusted.
func TestCredentialLocationsCannotBeReincluded(t *testing.T) {
	ix := newIndexer(t)
	home := canonTemp(t)
	write(t, filepath.Join(home, ".mmignore"), "!.ssh/\n!.ssh/**\n!.aws/\n!.aws/**\n!.config/gh/**\n!.docker/config.json\n")
	files := []string{".ssh/config.md", ".aws/credentials.md", ".config/gh/hosts.yml", ".docker/config.json", ".kube/config.yaml", "notes.md"}
	for _, f := range files {
		write(t, filepath.Join(home, f), "# "+f+"\n\ntoken ghp_exampleexample")
	}
	st := indexDir(t, ix, home)
	if got, want := indexed(t, ix, home), []string{"notes.md"}; !slices.Equal(got, want) {
		t.Errorf("indexed %v, want %v", got, want)
	}
	if st.FilesSkipped[SkipCredentials] != 5 {
		t.Errorf("skipped %v, want 5 %q", st.FilesSkipped, SkipCredentials)
	}
	// Named on their own: a folder, and a file.
	st, err := ix.IndexPaths(context.Background(), []string{filepath.Join(home, ".ssh"), filepath.Join(home, ".docker", "config.json")}, Options{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.FilesSkipped[SkipCredentials] != 2 || st.FilesIndexed != 0 {
		t.Errorf("named credential locations: %+v, want both skipped as %q", st, SkipCredentials)
	}
}

// The store's own home is left out but for its memory directories, and its
// configuration is left out even where a memory directory covers it.
func TestStoreHomeLeftOutButMemories(t *testing.T) {
	ix := newIndexer(t)
	top := canonTemp(t)
	home := filepath.Join(top, "mmhome")
	ix.StoreHome = home
	ix.StoreFiles = []string{filepath.Join(home, "config.json")}
	ix.MemoryDirs = []string{filepath.Join(home, "memories")}
	write(t, filepath.Join(home, "config.json"), `{"embedding": {"api_key": "sk-secret"}}`)
	write(t, filepath.Join(home, "notes.md"), "# stray\n\nnot a memory")
	write(t, filepath.Join(home, "memories", "2026-01-01.md"), "# memory\n\nremembered")
	write(t, filepath.Join(top, ".gitignore"), "mmhome/\nmemories/\n") // memories are indexed anyway
	st := indexDir(t, ix, top)
	if got, want := indexed(t, ix, top), []string{"mmhome/memories/2026-01-01.md"}; !slices.Equal(got, want) {
		t.Errorf("indexed %v, want %v (skipped %v)", got, want, st.FilesSkipped)
	}
	if st.FilesSkipped[SkipStoreFiles] != 2 {
		t.Errorf("skipped %v, want 2 %q", st.FilesSkipped, SkipStoreFiles)
	}
}

// A file indexed before an ignore rule covered it is forgotten by the next
// walk, and by a change event for it.
func TestIgnoredLaterIsForgotten(t *testing.T) {
	ix := newIndexer(t)
	dir := canonTemp(t)
	write(t, filepath.Join(dir, "a.md"), "# a\n\nalpha")
	write(t, filepath.Join(dir, "sub", "b.md"), "# b\n\nbravo")
	write(t, filepath.Join(dir, "c.md"), "# c\n\ncharlie")
	indexDir(t, ix, dir)
	if got := indexed(t, ix, dir); len(got) != 3 {
		t.Fatalf("indexed %v, want all three", got)
	}
	write(t, filepath.Join(dir, ".mmignore"), "sub/\na.md\n")
	st := indexDir(t, ix, dir)
	if got, want := indexed(t, ix, dir), []string{"c.md"}; !slices.Equal(got, want) {
		t.Errorf("after the ignore rule: indexed %v, want %v (stats %+v)", got, want, st)
	}
	if found(t, ix, "alpha") || found(t, ix, "bravo") || st.FilesRemoved != 2 {
		t.Errorf("ignored content is still found, or not reported removed (%+v)", st)
	}
	// The watcher indexes a changed file through IndexFile, which drops it
	// once it is ignored.
	write(t, filepath.Join(dir, ".mmignore"), "sub/\na.md\nc.md\n")
	write(t, filepath.Join(dir, "c.md"), "# c\n\ncharlie changed")
	if err := ix.syncPath(context.Background(), filepath.Join(dir, "c.md"), []string{dir}); err != nil {
		t.Fatal(err)
	}
	if found(t, ix, "charlie") {
		t.Error("a changed ignored file stays indexed on the watcher's path")
	}
}

// An ignore file that cannot be read as one leaves its folder out rather
// than letting through what it might have ignored.
func TestOversizedIgnoreFileLeavesFolderOut(t *testing.T) {
	ix := newIndexer(t)
	dir := canonTemp(t)
	write(t, filepath.Join(dir, "ok.md"), "# ok\n\nfine")
	big := make([]byte, MaxIgnoreFileBytes+1)
	for i := range big {
		big[i] = 'x'
	}
	write(t, filepath.Join(dir, "sub", ".gitignore"), string(big))
	write(t, filepath.Join(dir, "sub", "hidden.md"), "# hidden\n\nhidden")
	st := indexDir(t, ix, dir)
	if got, want := indexed(t, ix, dir), []string{"ok.md"}; !slices.Equal(got, want) {
		t.Errorf("indexed %v, want %v", got, want)
	}
	if st.FilesSkipped[SkipIgnoreFile] != 1 {
		t.Errorf("skipped %v, want one %q", st.FilesSkipped, SkipIgnoreFile)
	}
}

// BenchmarkWalkIgnoreRules measures an unchanged re-index of 400 files in
// 40 folders, each with a .gitignore and a .mmignore, next to a gitignored
// folder of 4,000 files that must cost nothing; "none" is the same tree
// without ignore files or the ignored folder.
//
//	go test -run=^$ -bench=WalkIgnoreRules ./internal/index/
func BenchmarkWalkIgnoreRules(b *testing.B) {
	for _, withRules := range []bool{false, true} {
		name := "none"
		if withRules {
			name = "ignore-files"
		}
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			put := func(p, s string) {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					b.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
					b.Fatal(err)
				}
			}
			for d := range 40 {
				sub := filepath.Join(dir, "d"+strconv.Itoa(d))
				for f := range 10 {
					put(filepath.Join(sub, "n"+strconv.Itoa(f)+".md"), "# note\n\nsome text "+strconv.Itoa(d*10+f))
				}
				if withRules {
					put(filepath.Join(sub, ".gitignore"), "*.tmp.md\n/build/\n!keep.tmp.md\n")
					put(filepath.Join(sub, ".mmignore"), "scratch/\n")
				}
			}
			if withRules {
				put(filepath.Join(dir, ".gitignore"), "generated/\n")
				for f := range 4000 {
					put(filepath.Join(dir, "generated", "g"+strconv.Itoa(f/100), strconv.Itoa(f)+".md"), "# gen\n\ngenerated")
				}
			}
			db, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "m.db"), sqlite.Options{})
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			ix := &Indexer{Store: db, Chunking: chunk.DefaultOptions()}
			if _, err := ix.IndexPaths(context.Background(), []string{dir}, Options{Recursive: true}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				st, err := ix.IndexPaths(context.Background(), []string{dir}, Options{Recursive: true})
				if err != nil || st.FilesUnchanged != 400 {
					b.Fatalf("%+v %v", st, err)
				}
			}
		})
	}
}

// BenchmarkIgnoreReason measures the rules for one file named on its own,
// six folders deep: in a memory directory (what every mm add's re-index of
// its day file pays) and elsewhere (a watcher event, mm index FILE).
func BenchmarkIgnoreReason(b *testing.B) {
	dir := filepath.Join(b.TempDir(), "a", "b", "c", "d")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(dir, "2026-01-01.md")
	for _, mem := range []bool{true, false} {
		name, ix := "other", &Indexer{}
		if mem {
			name, ix = "memory-dir", &Indexer{MemoryDirs: []string{dir}}
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				if r, _ := ix.ignoreReason(p); r != "" {
					b.Fatal(r)
				}
			}
		})
	}
}

// A memory directory's files are judged without reading ignore files, by
// the same fixed lists the walk applies to them.
func TestMemoryDirFastPathAgreesWithWalk(t *testing.T) {
	ix := newIndexer(t)
	top := canonTemp(t)
	ix.MemoryDirs = []string{filepath.Join(top, "mem"), filepath.Join(top, ".config", "gh", "mem")}
	write(t, filepath.Join(top, ".gitignore"), "mem/\n*.md\n")
	for _, p := range []string{"mem/a.md", ".config/gh/mem/b.md"} {
		write(t, filepath.Join(top, p), "# x\n\ny")
		full := filepath.Join(top, p)
		fast, _ := ix.ignoreReason(full)
		walk, _ := ix.newIgnoreWalk().file(full)
		if fast != walk {
			t.Errorf("%s: %q on its own, %q in a walk", p, fast, walk)
		}
	}
	if r, _ := ix.ignoreReason(filepath.Join(top, "mem", "a.md")); r != "" {
		t.Errorf("a memory file in a gitignored folder: %q, want indexed", r)
	}
}
