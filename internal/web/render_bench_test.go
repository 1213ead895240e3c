package web

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

// BenchmarkRenderSearch is the dashboard's own cost of a search page, the
// search left out: ten results of 60 words through the view and the
// page writer, as BenchmarkSearchPage's page adds them to the Service's search.
func BenchmarkRenderSearch(b *testing.B) {
	lazy := memtomem.NewLazy(func(context.Context) (*memtomem.Memory, error) { panic("not opened") })
	s, err := New(lazy, "benchmark-token-0123456789", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8767})
	if err != nil {
		b.Fatal(err)
	}
	var resp memtomem.SearchResponse
	text := strings.Repeat("deploy rollback window database migration <lock> ", 12)
	for i := range 10 {
		resp.Results = append(resp.Results, memtomem.SearchResult{Rank: i + 1, Score: 1 / float64(i+1), ScoreScale: "bm25",
			Chunk: memtomem.Chunk{ID: "0123456789abcdef", Source: "/home/me/notes/note-001.md", Hierarchy: []string{"Note"},
				Content: "## Note\n\n" + text, Namespace: "default", Tags: []string{"ops"}, CreatedAt: time.Now()}})
	}
	req := httptest.NewRequest("GET", "/search?q=deploy", nil)
	for b.Loop() {
		rec := httptest.NewRecorder()
		results := view.FromSearch("deploy", resp)
		s.ok(rec, req, "search", searchView{form: map[string]string{"q": "deploy"}, results: &results, legs: []string{"bm25"}})
		if rec.Body.Len() == 0 {
			b.Fatal("empty page")
		}
	}
}
