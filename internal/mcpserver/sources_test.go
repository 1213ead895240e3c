package mcpserver

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/fspath"
	"github.com/memtomem/memtomem/internal/sources"
	"github.com/memtomem/memtomem/internal/view"
)

// An agent's mem_index may index only what the user allowed (the memory
// directories and the sources the user remembered with mm index PATH), and
// never adds to those sources; mem_status shows the user's sources.
func TestMemIndexDoesNotRememberSources(t *testing.T) {
	cs, home := newSession(t)
	notes := filepath.Join(t.TempDir(), "notes")
	if err := os.MkdirAll(notes, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(notes, "n.md"), []byte("# N\n\nwombats dig burrows\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Not allowed yet: refused, with how the user allows it.
	mustFail(t, cs, "mem_index", map[string]any{"path": notes}, "run `mm index "+notes+"` yourself")
	if _, err := os.Stat(filepath.Join(home, sources.FileName)); !os.IsNotExist(err) {
		t.Fatalf("mem_index wrote %s (%v)", sources.FileName, err)
	}

	// What the user remembered (mm index PATH) is shown, and may be indexed.
	user := sources.Open(home, filepath.Join(home, "memtomem.run"))
	if _, err := user.Remember(context.Background(), sources.Source{Path: fspath.MustCanonical(notes), Dir: true, Recursive: true}); err != nil {
		t.Fatal(err)
	}
	mustCall(t, cs, "mem_index", map[string]any{"path": notes})
	if res := mustCall(t, cs, "mem_search", map[string]any{"query": "wombats"}); !strings.Contains(text(res), "burrows") {
		t.Fatalf("mem_index did not index the folder:\n%s", text(res))
	}
	var st view.Status
	res := mustCall(t, cs, "mem_status", nil)
	structured(t, res, &st)
	if len(st.Sources) != 1 || st.Sources[0].Path != fspath.MustCanonical(notes) || !strings.Contains(text(res), "sources: 1 remembered") {
		t.Fatalf("mem_status sources = %+v\n%s", st.Sources, text(res))
	}
}

// Paths outside what the user allowed are refused and nothing of them is
// indexed: system folders, the store's own home (config.json holds API
// keys), and a symlink in an allowed folder that leads out of it.
func TestMemIndexRefusesPathsTheUserDidNotAllow(t *testing.T) {
	cs, home := newSession(t)
	secret := t.TempDir()
	if err := os.WriteFile(filepath.Join(secret, "keys.md"), []byte("# Keys\n\nthe platypus password\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	mem := filepath.Join(home, "memories")
	if err := os.MkdirAll(mem, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(secret, filepath.Join(mem, "escape")); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/etc", home, filepath.Join(home, "config.json"), secret, filepath.Join(mem, "escape")} {
		mustFail(t, cs, "mem_index", map[string]any{"path": p}, "outside what agents may index")
	}
	if res := mustCall(t, cs, "mem_search", map[string]any{"query": "platypus"}); strings.Contains(text(res), "password") {
		t.Fatalf("a refused path was indexed:\n%s", text(res))
	}
}
