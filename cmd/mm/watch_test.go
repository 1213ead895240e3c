package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/coord"
)

// Exactly one server watches the memory directory; a file edited by hand
// becomes searchable from every server, and when the watching server is
// killed another takes the role over within seconds.
func TestWatcherFailover(t *testing.T) {
	home := t.TempDir()
	roleLock := filepath.Join(home, "memtomem.run", "role-indexer.lock")
	roleHeld := func() bool {
		l, ok, err := coord.TryLock(roleLock, true)
		if err != nil || !ok {
			return err == nil
		}
		l.Unlock()
		return false
	}

	a := startServer(t, home)
	a.mustCall("mem_status", nil) // opens the store: a campaigns, alone, and wins
	eventually(t, "server A to take the indexer role", roleHeld)
	b := startServer(t, home)
	b.mustCall("mem_status", nil)

	finds := func(s *server, word, want string) func() bool {
		return func() bool {
			ok, err := s.found(word, want, 10)
			return ok && err == nil
		}
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(home, "memories", name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("by-hand.md", "# Airships\n\nThe zeppelin hangar is in Friedrichshafen.\n")
	eventually(t, "the hand-written file to be indexed by A's watcher", finds(b, "zeppelin", "Friedrichshafen"))

	a.cmd.Process.Kill() // the leader dies without cleaning up
	a.session.Wait()
	a.session.Close()
	write("by-hand-2.md", "# Airships\n\nA dirigible needs a mooring mast.\n")
	eventually(t, "B to take over the watcher and index the new file", finds(b, "dirigible", "mooring mast"))
	if !roleHeld() {
		t.Error("nobody holds the indexer role after the take-over")
	}
}
