package mcpserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/sources"
)

// An agent's mem_index indexes a folder but never adds it to the sources
// the user remembered (which are to become the roots an agent may read);
// mem_status shows the user's sources.
func TestMemIndexDoesNotRememberSources(t *testing.T) {
	cs, home := newSession(t)
	notes := filepath.Join(t.TempDir(), "notes")
	if err := os.MkdirAll(notes, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notes, "n.md"), []byte("# N\n\nwombats dig burrows\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mustCall(t, cs, "mem_index", map[string]any{"path": notes})
	if res := mustCall(t, cs, "mem_search", map[string]any{"query": "wombats"}); !strings.Contains(text(res), "burrows") {
		t.Fatalf("mem_index did not index the folder:\n%s", text(res))
	}
	var st StatusOutput
	structured(t, mustCall(t, cs, "mem_status", nil), &st)
	if len(st.Sources) != 0 {
		t.Fatalf("mem_index added to the remembered sources: %+v", st.Sources)
	}
	if _, err := os.Stat(filepath.Join(home, sources.FileName)); !os.IsNotExist(err) {
		t.Fatalf("mem_index wrote %s (%v)", sources.FileName, err)
	}

	// What the user remembered (mm index PATH) is shown.
	user := sources.Open(home, filepath.Join(home, "memtomem.run"))
	if _, err := user.Remember(context.Background(), sources.Source{Path: fspath.MustCanonical(notes), Dir: true, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	res := mustCall(t, cs, "mem_status", nil)
	structured(t, res, &st)
	if len(st.Sources) != 1 || st.Sources[0].Path != fspath.MustCanonical(notes) || !strings.Contains(text(res), "sources: 1 remembered") {
		t.Fatalf("mem_status sources = %+v\n%s", st.Sources, text(res))
	}
}
