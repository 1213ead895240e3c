package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// Under a permissive umask (022) and a strict one (077), mm keeps the store
// private: its directories 0700, the database (with its -wal and -shm),
// memory files and config 0600. A note the user made keeps its own mode.
func TestStoreIsPrivateUnderAnyUmask(t *testing.T) {
	for _, umask := range []string{"022", "077"} {
		t.Run("umask "+umask, func(t *testing.T) {
			home := filepath.Join(t.TempDir(), "home")
			shell := func(args ...string) {
				t.Helper()
				cmd := mmCommand(t, home, args...)
				// Run mm through a shell that sets the umask first.
				sh := exec.Command("/bin/sh", append([]string{"-c", "umask " + umask + " && exec \"$0\" \"$@\"", cmd.Path}, args...)...)
				sh.Env = cmd.Env
				if out, err := sh.CombinedOutput(); err != nil {
					t.Fatalf("mm %v: %v\n%s", args, err, out)
				}
			}
			shell("init", "--non-interactive")
			shell("config", "set", "search.default_top_k", "7")
			shell("add", "private memory about otters")
			note := filepath.Join(home, "memories", "mine.md")
			if err := os.WriteFile(note, []byte("## Mine\n\nA note of my own.\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			os.Chmod(note, 0o644)
			shell("add", "appended to my note", "--file", "mine.md")

			days, _ := filepath.Glob(filepath.Join(home, "memories", "20*.md"))
			if len(days) != 1 {
				t.Fatalf("day files: %v", days)
			}
			want := map[string]os.FileMode{
				home:                                0o700,
				filepath.Join(home, "memories"):     0o700,
				filepath.Join(home, "memtomem.run"): 0o700,
				filepath.Join(home, "memtomem.db"):  0o600,
				filepath.Join(home, "config.json"):  0o600,
				days[0]:                             0o600,
				note:                                0o644, // the user's own mode is kept
			}
			for _, p := range []string{"memtomem.db-wal", "memtomem.db-shm"} {
				if _, err := os.Stat(filepath.Join(home, p)); err == nil {
					want[filepath.Join(home, p)] = 0o600
				}
			}
			for p, mode := range want {
				fi, err := os.Stat(p)
				if err != nil {
					t.Errorf("%s: %v", p, err)
					continue
				}
				if fi.Mode().Perm() != mode {
					t.Errorf("%s is %v, want %v", p, fi.Mode().Perm(), mode)
				}
			}
		})
	}
}
