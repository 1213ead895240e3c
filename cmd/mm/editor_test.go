//go:build integration

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

var noteRE = regexp.MustCompile(`person note v[0-9]+`)

// A person saves today's day file from a text editor, about three times a
// second (faster than any person), while
// four servers add memories to it. Half the saves write the file in place
// (truncate, a pause, then the buffer), half by temp file and rename, and
// every buffer was read a moment before it is saved, so it lacks whatever
// was added in between. Nothing acknowledged may be lost, and the person's
// last edit must be in the file.
func TestEditorSavesWhileServersAdd(t *testing.T) {
	if testing.Short() {
		t.Skip("load test")
	}
	const servers, perServer, inFlight = 4, 120, 2
	home := t.TempDir()
	srv := startServers(t, home, servers)
	_, st := srv[0].mustCall("mem_add", map[string]any{"content": "person note v0", "title": "Scratch"})
	day := st["file"].(string)

	var done atomic.Bool
	var saves, retries, lostEdits atomic.Int64
	lastVersion := make(chan int, 1)
	go func() {
		v := 0
		defer func() { lastVersion <- v }()
		for !done.Load() {
			// The person's last save must be in the file. A save that landed
			// in the instant a server replaced the file is merged back once it
			// has settled (a few hundred milliseconds at most), so look again
			// for a while before calling it lost.
			var buf []byte
			mine := fmt.Sprintf("person note v%d", v)
			for try := 0; ; try++ {
				b, err := os.ReadFile(day)
				if err != nil {
					t.Error(err)
					return
				}
				if buf = b; strings.Contains(string(buf), mine) {
					break
				}
				if try == 200 {
					lostEdits.Add(1) // the person carries on from what is there
					break
				}
				time.Sleep(10 * time.Millisecond)
			}
			time.Sleep(30 * time.Millisecond) // the person types; adds land meanwhile
			next := noteRE.ReplaceAllString(string(buf), fmt.Sprintf("person note v%d", v+1))
			if v%2 == 0 {
				f, err := os.OpenFile(day, os.O_WRONLY|os.O_TRUNC, 0)
				if err != nil {
					t.Error(err)
					return
				}
				time.Sleep(2 * time.Millisecond) // between truncate and write
				f.WriteString(next)
				f.Close()
			} else {
				tmp := filepath.Join(filepath.Dir(day), ".scratch.swp")
				os.WriteFile(tmp, []byte(next), 0o644)
				os.Rename(tmp, day)
			}
			v++
			saves.Add(1)
			time.Sleep(250 * time.Millisecond)
		}
	}()

	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []string
	for i, s := range srv {
		work := make(chan int)
		for range inFlight {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for j := range work {
					token := fmt.Sprintf("edtok%dx%d", i, j)
					if err := s.addRetrying(map[string]any{"content": "editor race " + token, "idempotency_key": token}, &retries); err != nil {
						t.Errorf("server %d add %d: %v", i, j, err)
						continue
					}
					mu.Lock()
					acked = append(acked, token)
					mu.Unlock()
				}
			}()
		}
		go func() {
			for j := range perServer {
				work <- j
			}
			close(work)
		}()
	}
	wg.Wait()
	done.Store(true)
	last := <-lastVersion
	// One more write after the person stops is what a later add does: it
	// puts back anything the last save dropped.
	srv[0].mustCall("mem_add", map[string]any{"content": "after the editor"})

	entries := diskEntries(t, home)
	lost := 0
	for _, token := range acked {
		switch n := entries["editor race "+token]; {
		case n == 0:
			lost++
		case n > 1:
			t.Errorf("%s is on disk %d times", token, n)
		}
	}
	t.Logf("%d saves by the person (%d of them lost), %d adds acknowledged (%d retried busy answers), %d of them lost",
		saves.Load(), lostEdits.Load(), len(acked), retries.Load(), lost)
	if lost > 0 {
		t.Errorf("%d acknowledged adds lost to the editor's saves", lost)
	}
	if n := lostEdits.Load(); n > 0 {
		t.Errorf("%d of the person's saves were lost", n)
	}
	if b, _ := os.ReadFile(day); !strings.Contains(string(b), fmt.Sprintf("person note v%d", last)) {
		t.Errorf("the person's last save (v%d) is not in the file", last)
	}
	for _, token := range acked[:min(len(acked), 40)] {
		if ok, err := srv[1].found(token, "editor race "+token, 1); !ok || err != nil {
			t.Errorf("%s is on disk but not found (%v)", token, err)
		}
	}
}
