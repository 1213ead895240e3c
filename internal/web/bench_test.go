package web_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/config"
	"github.com/memtomem/memtomem/internal/web"
)

// BenchmarkSearchPage measures the dashboard's search page on a store of
// 10,000 chunks (100 files of 100 sections): "service" is the Service's
// Search alone, "page" the whole request (guard, search, view, page)
// as the browser gets it, so the difference is what the dashboard adds.
//
//	go test -run '^$' -bench BenchmarkSearchPage -count 6 ./internal/web/
func BenchmarkSearchPage(b *testing.B) {
	ctx := context.Background()
	cfg := config.Default(b.TempDir())
	notes := filepath.Join(b.TempDir(), "notes")
	writeNotes(b, notes, 100, 100)
	m, err := memtomem.Open(ctx, cfg)
	if err != nil {
		b.Fatal(err)
	}
	lazy := memtomem.NewLazy(func(context.Context) (*memtomem.Memory, error) { return m, nil })
	defer lazy.Close()
	st, err := m.Index(ctx, memtomem.IndexRequest{Paths: []string{notes}, Recursive: true})
	if err != nil {
		b.Fatal(err)
	}
	status, _ := m.Status(ctx)
	if status.Chunks < 10000 {
		b.Fatalf("indexed %d chunks (%+v), want 10,000", status.Chunks, st)
	}
	const token = "benchmark-token-0123456789"
	srv, err := web.New(lazy, token, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8767})
	if err != nil {
		b.Fatal(err)
	}
	queries := []string{"deploy rollback window", "database migration lock", "cache eviction latency", "token rotation schedule"}
	b.Run("service", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if _, err := m.Search(ctx, memtomem.SearchRequest{Query: queries[i%len(queries)]}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("page", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			req := httptest.NewRequest("GET", "/search?q="+strings.ReplaceAll(queries[i%len(queries)], " ", "+"), nil)
			req.Host = "127.0.0.1:8767"
			req.Header.Set("Authorization", "Bearer "+token)
			rec := httptest.NewRecorder()
			srv.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `class="score"`) {
				b.Fatalf("search page: %d, no results:\n%.2000s", rec.Code, rec.Body.String())
			}
		}
	})
}

// writeNotes writes files×sections heading sections of about 60 words
// (one chunk each) from a small fixed vocabulary, deterministically.
func writeNotes(b *testing.B, dir string, files, sections int) {
	b.Helper()
	words := strings.Fields(`deploy rollback window database migration lock cache eviction latency token rotation
		schedule service router health check queue worker retry backoff index shard replica leader election
		config flag release canary metric alert page runbook incident review owner budget quota disk memory
		thread pool timeout socket client server request response header body schema version upgrade`)
	r := rand.New(rand.NewPCG(1, 2))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	for f := range files {
		var sb strings.Builder
		for s := range sections {
			fmt.Fprintf(&sb, "## Note %d.%d\n\n", f, s)
			for w := range 60 {
				if w > 0 {
					sb.WriteByte(' ')
				}
				sb.WriteString(words[r.IntN(len(words))])
			}
			sb.WriteString(".\n\n")
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("note-%03d.md", f)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
}
