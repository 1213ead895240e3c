package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A walk reads and chunks files ahead of its write transaction; a file
// that changes in between is indexed as it is when the transaction runs,
// and one that became unreadable fails alone: the rest of its batch is
// indexed and the walk reports it.
func TestWalkBatchSeesLatestContent(t *testing.T) {
	ix := newIndexer(t)
	ctx := context.Background()
	dir := t.TempDir()
	for i := range 5 {
		write(t, filepath.Join(dir, fmt.Sprintf("n%d.md", i)), fmt.Sprintf("# N%d\n\nfirst%d version", i, i))
	}
	ix.Store = &hookStore{Store: ix.Store, before: func() {
		write(t, filepath.Join(dir, "n1.md"), "# N1\n\nsecond1 version")
		os.Remove(filepath.Join(dir, "n3.md"))
		os.Mkdir(filepath.Join(dir, "n3.md"), 0o755)
	}}
	var progress []int
	st, err := ix.IndexPaths(ctx, []string{dir}, Options{Recursive: true, Progress: func(done, total int, _ string) { progress = append(progress, done) }})
	if err != nil {
		t.Fatal(err)
	}
	if st.FilesIndexed != 4 || len(st.Errors) != 1 || !strings.Contains(st.Errors[0], "n3.md") {
		t.Fatalf("stats: %+v", st)
	}
	if found(t, ix, "first1") || !found(t, ix, "second1") || !found(t, ix, "first0") || !found(t, ix, "first4") {
		t.Errorf("the index does not hold the files as they were at the write: %v", sources(t, ix))
	}
	if fmt.Sprint(progress) != "[0 1 2 3 4 5]" {
		t.Errorf("progress %v, want every file in order", progress)
	}
}
