package web

import (
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/view"
)

// Every page writes every value it is given as text: a hostile string in
// any field neither opens a tag nor leaves its attribute, and a link that
// is not this server's path is not a live link.
func TestPagesEscapeEveryField(t *testing.T) {
	const evil = `"'><x-evil a="1">&amp;`
	lazy := memtomem.NewLazy(nil)
	s, err := New(lazy, "test-token-0123456789abcdef", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8767})
	if err != nil {
		t.Fatal(err)
	}
	c := view.Chunk{ChunkID: evil, Source: "/n/" + evil + ".md", Namespace: evil, Hierarchy: []string{evil}, Content: "# " + evil + "\n" + evil,
		Tags: []string{evil, evil}, EntryID: evil, Created: evil}
	hostile := []pager{{Total: 3, Prev: "javascript:alert(1)", Next: "//evil.example/x"}, {Prev: `/\evil.example`, Next: "https://evil.example"}}
	search := view.Search{Query: evil, Results: []view.SearchResult{{ScoreScale: evil, Chunk: c}}, Hints: []string{evil},
		Unreachable: &memtomem.Outage{Provider: evil, Error: evil}}
	var st view.Status
	st.ReadOnly, st.Disk, st.Home, st.Database = evil, evil, evil, evil
	st.Instances = []view.Instance{{PID: 7, Version: evil, Transport: evil, Started: evil, Command: evil}}
	st.Embedding = memtomem.EmbeddingStatus{Provider: evil, Configured: evil, Stored: evil, Reason: evil, Unreachable: &memtomem.Outage{Error: evil}}
	form := map[string]string{"q": evil, "ns": evil, "tags": evil, "source": evil, "since": evil, "until": evil, "k": evil, "tag": evil}
	for _, pg := range hostile {
		pages := map[string]page{
			"login":    loginView{message: evil},
			"refused":  refusedView{status: 401, message: evil, login: true},
			"error":    errorView{status: 400, message: evil},
			"search":   searchView{form: form, results: &search, legs: []string{evil}},
			"sources":  sourcesView{files: []memtomem.IndexedFile{{Path: evil, Namespace: evil}}, sources: []memtomem.Source{{Path: evil}}, memoryDirs: []string{evil}, sourcesError: evil},
			"source":   sourceView{path: evil, chunks: []view.Chunk{c}, pager: pg},
			"chunk":    chunkView{chunk: c, entry: &memtomem.MemoryEntry{ID: evil, File: evil, Title: evil, Tags: []string{evil}, Body: evil}},
			"memories": memoriesView{chunks: []view.Chunk{c}, pager: pg, filter: form},
			"counts":   countsView{of: "namespaces", page: memtomem.CountPage{Counts: []memtomem.NameCount{{Name: evil, Chunks: 2}}, Total: 1}, pager: pg},
			"timeline": timelineView{bars: []bar{{Day: evil, Count: 1, Link: "javascript:x"}}, ticks: []tick{{Label: evil}}, ns: evil, days: 7},
			"status":   statusView{status: st},
		}
		for name, p := range pages {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest("GET", "/"+name, nil)
			req.Header.Set("Authorization", "Bearer test-token-0123456789abcdef") // logged in: nav and flash are written too
			s.render(rec, req, 200, name, p)
			out := rec.Body.String()
			if !strings.Contains(out, "</html>") {
				t.Fatalf("%s: page not written whole:\n%s", name, out)
			}
			for _, bad := range []string{"<x-evil", `"'>`, `a="1"`, `href="javascript:alert`, `href="javascript:x`, `href="//`, `href="/\`, `href="https:`} {
				if strings.Contains(out, bad) {
					t.Errorf("%s page holds %q:\n%s", name, bad, out)
				}
			}
			if !strings.Contains(out, "&lt;x-evil") && name != "timeline" && name != "refused" {
				t.Errorf("%s page does not show the value as text:\n%s", name, out)
			}
		}
	}
}

func TestLocalPath(t *testing.T) {
	for u, want := range map[string]bool{"/": true, "/chunk/a%2Fb": true, "/memories?tag=x&since=1": true,
		"": false, "chunk/x": false, "//evil.example": false, `/\evil.example`: false, "javascript:alert(1)": false, "https://x": false} {
		if localPath(u) != want {
			t.Errorf("localPath(%q) = %v, want %v", u, !want, want)
		}
	}
}
