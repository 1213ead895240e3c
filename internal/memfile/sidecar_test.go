package memfile

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/crashpoint"
)

// FuzzSidecarTorn plays a sidecar rewrite cut short at every length: the
// file then holds the start of the new content followed by the rest of
// the old. It must read as the old payload (nothing new landed), as the
// new one (all of it landed), or as absent: never as a mix, which for a
// journal could glue one entry's head to another's tail.
func FuzzSidecarTorn(f *testing.F) {
	f.Add([]byte(`{"v":2}`+"\n"+`{"id":"a","text":"one"}`+"\n"), []byte(`{"v":2}`+"\n"), uint16(20))
	f.Add([]byte("short"), []byte("a longer payload than the old one"), uint16(40))
	f.Add([]byte("same length A"), []byte("same length B"), uint16(36))
	f.Fuzz(func(t *testing.T, oldPayload, newPayload []byte, cut uint16) {
		old, nw := frameSidecar(oldPayload), frameSidecar(newPayload)
		k := int(cut) % (len(nw) + 1)
		torn := append([]byte(nil), nw[:k]...)
		if len(old) > k {
			torn = append(torn, old[k:]...)
		}
		got, err := unframeSidecar(torn)
		switch {
		case err != nil:
			if k == len(nw) && len(old) <= len(nw) {
				t.Fatalf("the whole new content (%q) reads as torn", torn)
			}
		case bytes.Equal(got, oldPayload), bytes.Equal(got, newPayload):
		default:
			t.Fatalf("cut at %d of %q over %q read as %q: neither old nor new", k, nw, old, got)
		}
		if k == len(nw) && !bytes.Equal(got, newPayload) {
			t.Fatalf("the whole new content read as %q, want %q", got, newPayload)
		}
	})
}

// A sidecar rewritten shorter is cut to its new length, and one written
// by an earlier version (no frame) still reads.
func TestSidecarRewriteAndLegacy(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "j")
	if err := writeBeneath(path, []byte(strings.Repeat("x", 500))); err != nil {
		t.Fatal(err)
	}
	if err := writeBeneath(path, []byte("short")); err != nil {
		t.Fatal(err)
	}
	if got, err := readBeneath(dir, "j"); err != nil || string(got) != "short" {
		t.Fatalf("read %q, %v; want short", got, err)
	}
	if fi, _ := os.Stat(path); fi.Size() != int64(sidecarFrameLen+len("short")) {
		t.Errorf("file is %d bytes after a shorter rewrite: the old tail was kept", fi.Size())
	}
	os.WriteFile(path, []byte(`{"v":2}`+"\n"), 0o600)
	if got, err := readBeneath(dir, "j"); err != nil || string(got) != `{"v":2}`+"\n" {
		t.Fatalf("legacy sidecar read %q, %v", got, err)
	}
}

// An append lets go of the file's lock before it syncs: another writer
// appends meanwhile, and each entry lands once, in the order written.
func TestAppendSyncsAfterTheLock(t *testing.T) {
	w := newWriter(t)
	path := filepath.Join(t.TempDir(), "day.md")
	ctx := context.Background()
	if _, _, err := w.Append(ctx, path, Entry{Body: "first"}); err != nil {
		t.Fatal(err)
	}
	fired := false
	var inner error
	SetCrashHookForTest(func(point string) {
		if point != crashpoint.BeforeSync || fired {
			return
		}
		fired = true
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		_, _, inner = w.Append(ctx, path, Entry{Body: "third, while the second syncs"})
	})
	defer SetCrashHookForTest(nil)
	if _, _, err := w.Append(ctx, path, Entry{Body: "second"}); err != nil {
		t.Fatal(err)
	}
	if !fired {
		t.Fatal("the second add took no fast append (no before-sync point)")
	}
	if inner != nil {
		t.Fatalf("an add while another synced: %v (the lock was still held)", inner)
	}
	var bodies []string
	for _, e := range Parse([]byte(readFile(t, path))) {
		bodies = append(bodies, e.Body)
	}
	if want := []string{"first", "second", "third, while the second syncs"}; strings.Join(bodies, "|") != strings.Join(want, "|") {
		t.Errorf("file holds %q, want %q", bodies, want)
	}
}
