package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func newList(t *testing.T) *List {
	t.Helper()
	home := t.TempDir()
	return Open(home, filepath.Join(home, "memtomem.run"))
}

func TestRememberAndForget(t *testing.T) {
	ctx := context.Background()
	l := newList(t)
	if all, err := l.All(); err != nil || len(all) != 0 {
		t.Fatalf("a missing list: %v %v, want empty", all, err)
	}
	for _, s := range []Source{{Path: "/notes", Dir: true, Recursive: true}, {Path: "/a/wiki", Dir: true, Namespace: "work"}, {Path: "/notes", Dir: true, Recursive: true}} {
		if _, err := l.Remember(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	all, err := l.All()
	if err != nil || len(all) != 2 || all[0].Path != "/a/wiki" || all[0].Namespace != "work" || all[1].Path != "/notes" || all[0].Added.IsZero() {
		t.Fatalf("All = %+v, %v", all, err)
	}
	if changed, _ := l.Remember(ctx, all[1]); changed {
		t.Error("remembering the same source again rewrote the list")
	}
	if _, ok, err := l.Forget(ctx, "/notes"); !ok || err != nil {
		t.Fatalf("Forget: %v %v", ok, err)
	}
	if _, ok, _ := l.Forget(ctx, "/notes"); ok {
		t.Error("forgot /notes twice")
	}
	if all, _ := l.All(); len(all) != 1 || all[0].Path != "/a/wiki" {
		t.Errorf("after forget: %+v", all)
	}
}

// A list a person broke by hand is reported, never overwritten: what it
// remembers is not lost by the next mm index.
func TestBrokenListIsNotOverwritten(t *testing.T) {
	l := newList(t)
	broken := []byte(`{"version": 1, "sources": [{"path": "/notes"`)
	if err := os.WriteFile(l.Path(), broken, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := l.Remember(context.Background(), Source{Path: "/other"})
	if err == nil || !strings.Contains(err.Error(), "fix the file or delete it") {
		t.Fatalf("Remember on a broken list: %v, want an error saying what to do", err)
	}
	if got, _ := os.ReadFile(l.Path()); string(got) != string(broken) {
		t.Fatalf("the broken list was rewritten:\n%s", got)
	}
}

// Many writers at once (goroutines here; processes in cmd/mm) all land.
func TestConcurrentRememberKeepsEveryEntry(t *testing.T) {
	l := newList(t)
	var wg sync.WaitGroup
	const n = 16
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := l.Remember(context.Background(), Source{Path: fmt.Sprintf("/folder%02d", i), Dir: true}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if all, err := l.All(); err != nil || len(all) != n {
		t.Fatalf("%d of %d remembered (%v)", len(all), n, err)
	}
}

// FuzzDecode: any bytes either decode to clean absolute paths, sorted and
// unique, that survive a round trip, or give an error; never a panic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"sources":[{"path":"/notes","dir":true,"recursive":true,"added":"2026-12-01T00:00:00Z"}]}`,
		`{"version":1,"sources":[{"path":"/b"},{"path":"/a","namespace":"x"},{"path":"/b"}]}`,
		`{"version":2,"sources":[]}`, `{"sources":[{"path":"rel"}]}`, `{"sources":[{"path":"/a/../b"}]}`, `[]`, ``, `null`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		list, err := Decode(data)
		if err != nil {
			return
		}
		for i, s := range list {
			if !filepath.IsAbs(s.Path) || filepath.Clean(s.Path) != s.Path {
				t.Fatalf("decoded a bad path %q", s.Path)
			}
			if i > 0 && list[i-1].Path >= s.Path {
				t.Fatalf("not sorted and unique: %q then %q", list[i-1].Path, s.Path)
			}
		}
		out, err := json.Marshal(document{Version: formatVersion, Sources: list})
		if err != nil {
			t.Fatal(err)
		}
		again, err := Decode(out)
		if err != nil || len(again) != len(list) {
			t.Fatalf("round trip: %v, %d vs %d", err, len(again), len(list))
		}
		for i := range list {
			if again[i].Path != list[i].Path || again[i].Namespace != list[i].Namespace || again[i].Recursive != list[i].Recursive || !again[i].Added.Equal(list[i].Added) {
				t.Fatalf("round trip changed %+v into %+v", list[i], again[i])
			}
		}
	})
}
