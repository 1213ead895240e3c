package memfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// AppendTaking decides its entries only once it holds the file's lock: an
// entry queued while it waited goes in with the others, in take's order.
func TestAppendTakingTakesUnderTheLock(t *testing.T) {
	w := newWriter(t)
	path := filepath.Join(t.TempDir(), "day.md")
	unlock, err := w.Locks.Lock(ctx, path) // another writer holds the file
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	queue := []Entry{{Title: "first", Body: "queued before the wait"}}
	var released, taken atomic.Bool
	type result struct {
		res AppendResult
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := w.AppendTaking(ctx, path, nil, func() []Entry {
			if !released.Load() {
				t.Error("take ran while another writer held the file's lock")
			}
			taken.Store(true)
			mu.Lock()
			defer mu.Unlock()
			return append([]Entry(nil), queue...)
		}, nil)
		done <- result{res, err}
	}()
	time.Sleep(20 * time.Millisecond) // let it wait (the checks do not depend on it)
	mu.Lock()
	queue = append(queue, Entry{Title: "second", Body: "queued during the wait"})
	mu.Unlock()
	if taken.Load() {
		t.Fatal("take ran before the lock was free")
	}
	released.Store(true)
	unlock()
	r := <-done
	if r.err != nil {
		t.Fatal(r.err)
	}
	if len(r.res.Got) != 2 || r.res.Got[0].Title != "first" || r.res.Got[1].Title != "second" || !r.res.Added[0] || !r.res.Added[1] {
		t.Fatalf("got %+v, added %v", r.res.Got, r.res.Added)
	}
	got := Parse([]byte(readFile(t, path)))
	if len(got) != 2 || got[0].Body != "queued before the wait" || got[1].Body != "queued during the wait" {
		t.Errorf("file holds %+v", got)
	}
}

// A header goes in only before the first entry of a missing or blank file,
// in the same write; a file that holds text keeps its beginning.
func TestAppendTakingHeader(t *testing.T) {
	header := []byte("---\nnamespace: \"team\"\n---\n")
	for _, tc := range []struct {
		name, old string
		exists    bool
		header    bool
	}{
		{"missing file", "", false, true},
		{"empty file", "", true, true},
		{"blank file", "\n \n", true, true},
		{"file with text", "# Notes\n", true, false},
		{"header alone", string(header), true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWriter(t)
			path := filepath.Join(t.TempDir(), "day.md")
			if tc.exists {
				if err := os.WriteFile(path, []byte(tc.old), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			for i := range 3 {
				e := Entry{Title: "entry", Body: strings.Repeat("text ", 20) + string(rune('a'+i))}
				if _, err := w.AppendTaking(ctx, path, header, func() []Entry { return []Entry{e} }, nil); err != nil {
					t.Fatal(err)
				}
			}
			s := readFile(t, path)
			want := 0
			if tc.header || strings.Contains(tc.old, "namespace") {
				want = 1
			}
			if n := strings.Count(s, "namespace: "); n != want {
				t.Errorf("%d namespace lines, want %d: %q", n, want, s)
			}
			begin := strings.TrimSpace(tc.old)
			if tc.header {
				begin = string(header)
			}
			if !strings.HasPrefix(s, begin) {
				t.Errorf("file begins %q, want %q", s[:min(len(s), 40)], begin)
			}
			if got := Parse([]byte(s)); len(got) != 3 {
				t.Errorf("%d entries, want 3: %q", len(got), s)
			}
		})
	}
}

// An invalid entry among those taken fails the call; nothing is written.
func TestAppendTakingInvalidEntryWritesNothing(t *testing.T) {
	w := newWriter(t)
	path := filepath.Join(t.TempDir(), "day.md")
	_, err := w.AppendTaking(ctx, path, []byte("---\nnamespace: \"x\"\n---\n"), func() []Entry {
		return []Entry{{Title: "fine", Body: "good"}, {Title: "empty", Body: " \n"}}
	}, nil)
	if !errors.Is(err, ErrEmpty) {
		t.Fatalf("err %v, want ErrEmpty", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the file was created (%v)", err)
	}
}
