package index

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/secret/secrettest"
)

// A credential keeps its section out of the index and is reported with
// the rule and the line; the file's other sections are indexed.
func TestChunkWithSecretSkipped(t *testing.T) {
	ix := newIndexer(t)
	ix.MaxFileBytes = 1 << 20
	dir := t.TempDir()
	tok := secrettest.GitHubToken(1)
	write(t, filepath.Join(dir, "notes.md"), "# Notes\n\n## Deploy\n\nThe deploy runs from CI on every tag.\n\n"+
		"## Access\n\nexport GH_TOKEN="+tok+"\n\n## Backups\n\nBackups run nightly to the second disk.\n")
	st, err := ix.IndexPaths(context.Background(), []string{dir}, Options{Recursive: true})
	if err != nil {
		t.Fatal(err)
	}
	if st.FilesIndexed != 1 || st.ChunksSkipped[SkipSecretRule+"github-pat"] != 1 || len(st.SkippedChunks) != 1 {
		t.Fatalf("stats: %+v", st)
	}
	if s := st.SkippedChunks[0]; s.Line != 9 || filepath.Base(s.Path) != "notes.md" || s.Reason != "secret: github-pat" {
		t.Fatalf("skipped %v, want notes.md:9 secret: github-pat", s)
	}
	res, err := ix.IndexFile(context.Background(), filepath.Join(dir, "notes.md"), FileOptions{Force: true})
	if err != nil {
		t.Fatal(err)
	}
	var all []string
	for _, c := range res.Chunks {
		all = append(all, c.Content)
	}
	text := strings.Join(all, "\n")
	if strings.Contains(text, tok) || !strings.Contains(text, "deploy runs from CI") || !strings.Contains(text, "Backups run nightly") {
		t.Fatalf("indexed chunks:\n%s", text)
	}
}

// BenchmarkIndexSecretScan indexes 200 notes (600 chunks) of keyword-rich
// text into a fresh store, with and without the secret scan: the scan's
// share of keyword indexing.
//
//	go test -run - -bench IndexSecretScan -count 5 ./internal/index/
func BenchmarkIndexSecretScan(b *testing.B) {
	dir := b.TempDir()
	for i := range 200 {
		var sb strings.Builder
		fmt.Fprintf(&sb, "# Note %d\n\n", i)
		for s := range 3 {
			fmt.Fprintf(&sb, "## Section %d\n\n", s)
			sb.WriteString(strings.Repeat(fmt.Sprintf("We rotate the API key of service %d monthly and keep the token out of the logs; the deploy reads its password from the vault. ", i*3+s), 5))
			sb.WriteString("\n\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("n%03d.md", i)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	for _, scan := range []bool{false, true} {
		b.Run(fmt.Sprintf("scan=%v", scan), func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				ix := indexerOn(b, filepath.Join(b.TempDir(), "m.db"))
				ix.MaxFileBytes = 1 << 20
				ix.noSecretScan = !scan
				b.StartTimer()
				st, err := ix.IndexPaths(context.Background(), []string{dir}, Options{Recursive: true})
				if err != nil || st.FilesIndexed != 200 || len(st.ChunksSkipped) != 0 {
					b.Fatalf("%+v %v", st, err)
				}
			}
		})
	}
}
