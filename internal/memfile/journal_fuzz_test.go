package memfile

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memtomem/memtomem/internal/coord"
)

// FuzzJournal plays random sequences of memtomem writes and a person's
// editor (reading a snapshot, then saving it, possibly with an entry of it
// deleted and a line of their own written above the entries, in place or by
// rename) against one
// file, then heals it, and checks the promise of the journal:
//   - every entry memtomem acknowledged is in the file exactly once, unless
//     memtomem deleted it or a save made from a snapshot that held it left it
//     out (the person deleted it; bringing it back anyway is allowed);
//   - an entry memtomem deleted comes back only if a save put it back (the
//     person's snapshot predates the delete: what the editor keeps, stays);
//   - the person's last save is kept.
func FuzzJournal(f *testing.F) {
	f.Add([]byte{0, 0, 1, 0, 2, 0, 4})
	f.Add([]byte{0, 1, 0, 0, 2, 5, 0, 3, 1, 1, 0, 2, 9, 4})
	f.Add([]byte{0, 0, 0, 1, 3, 2, 2, 0, 1, 2, 7, 0})
	f.Fuzz(func(t *testing.T, ops []byte) {
		if len(ops) > 60 {
			ops = ops[:60]
		}
		old := settleQuiet
		settleQuiet = 0
		defer func() { settleQuiet = old }()
		ctx := context.Background()
		w := &Writer{Locks: coord.NewFileLocks(t.TempDir())}
		path := filepath.Join(t.TempDir(), "day.md")

		alive := map[string]bool{}   // acknowledged and not deleted by memtomem
		dropped := map[string]bool{} // left out on purpose by a save that saw them
		saved := map[string]bool{}   // in some save of the person's
		var snapshot []byte
		haveSnapshot := false
		lastMark, prevMark := "", ""
		n := 0
		for i := 0; i < len(ops); i++ {
			switch ops[i] % 5 {
			case 0: // memtomem appends
				n++
				e, _, err := w.Append(ctx, path, Entry{Body: fmt.Sprintf("memory %d", n)})
				if err != nil {
					t.Fatalf("append: %v", err)
				}
				alive[e.ID] = true
				delete(dropped, e.ID)
			case 1: // the person opens the file
				snapshot, _ = os.ReadFile(path)
				haveSnapshot = true
			case 2: // the person saves what they opened
				if !haveSnapshot {
					continue
				}
				content := string(snapshot)
				entries := Parse(snapshot)
				if i+1 < len(ops) && len(entries) > 0 && ops[i+1]%2 == 1 {
					victim := entries[int(ops[i+1])%len(entries)]
					lines := strings.SplitAfter(content, "\n")
					content = strings.Join(lines[:victim.StartLine-1], "") + strings.Join(lines[victim.EndLine:], "")
					dropped[victim.ID] = true
				}
				for _, e := range Parse([]byte(content)) {
					saved[e.ID] = true
				}
				n++
				lastMark = fmt.Sprintf("typed by hand %d", n)
				// Above the first entry, where no entry's delete reaches.
				content = lastMark + "\n\n" + strings.TrimPrefix(content, prevMark+"\n\n")
				prevMark = lastMark
				if _, err := os.Stat(path); err != nil || i+1 < len(ops) && ops[i+1]%3 == 0 {
					saveByRename(t, path, content)
				} else {
					saveInPlace(t, path, content)
				}
				i++
			case 3: // memtomem deletes an entry
				entries := Parse(mustRead(path))
				if len(entries) == 0 || i+1 >= len(ops) {
					continue
				}
				victim := entries[int(ops[i+1])%len(entries)]
				i++
				if _, err := w.Delete(ctx, path, Selector{ID: victim.ID}); err != nil {
					t.Fatalf("delete: %v", err)
				}
				delete(alive, victim.ID)
			case 4:
				if err := w.Heal(ctx, path); err != nil {
					t.Fatalf("heal: %v", err)
				}
			}
			time.Sleep(time.Microsecond) // distinct times for the journal
		}
		if err := w.Heal(ctx, path); err != nil {
			t.Fatalf("heal: %v", err)
		}
		final := mustRead(path)
		count := map[string]int{}
		for _, e := range Parse(final) {
			count[e.ID]++
		}
		for id := range alive {
			if count[id] == 0 && !dropped[id] {
				t.Errorf("acknowledged entry %s is gone\nops %v\nfile:\n%s", id, ops, final)
			}
		}
		for id, c := range count {
			if c > 1 {
				t.Errorf("entry %s is in the file %d times\nfile:\n%s", id, c, final)
			}
			if !alive[id] && !dropped[id] && !saved[id] {
				t.Errorf("entry %s was deleted through memtomem but is back\nops %v\nfile:\n%s", id, ops, final)
			}
		}
		if lastMark != "" && !strings.Contains(string(final), lastMark) {
			t.Errorf("the person's last save (%q) is gone\nops %v\nfile:\n%s", lastMark, ops, final)
		}
	})
}

func mustRead(path string) []byte {
	b, _ := os.ReadFile(path)
	return b
}
