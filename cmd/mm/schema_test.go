package main

import (
	"bytes"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/memtomem/memtomem/internal/store/sqlite"
)

func schemaOf(t *testing.T, home string) (version int, migrated []string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(home, "memtomem.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query("SELECT key || '=' || value FROM meta WHERE key LIKE 'migrated_v%' ORDER BY key")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s string
		rows.Scan(&s)
		migrated = append(migrated, s)
	}
	return version, migrated
}

// Binaries of other schema versions sharing one store: additive migrations
// run online exactly once even when four processes start together; a
// binary older than the schema works, goes read-only, or refuses, as the
// newer binary's floors say — and a refused store is left byte-identical.
func TestSchemaInterplay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds several binaries")
	}
	// "v1" is this release (schema cur); the others fake the next releases.
	cur := sqlite.SchemaVersion
	v1 := buildMM(t, "v1", "", 0, 0, 0)
	v2 := buildMM(t, "v2-compatible", "", cur+1, 1, 1)
	v2ro := buildMM(t, "v2-write-incompatible", "", cur+1, 1, cur+1)
	v3 := buildMM(t, "v3-unreadable", "", cur+2, cur+2, cur+2)

	t.Run("four new binaries migrate an old store once", func(t *testing.T) {
		home := t.TempDir()
		if out, code := run(t, v1, home, "add", "written by the old release"); code != 0 {
			t.Fatalf("v1 add: %s", out)
		}
		var wg sync.WaitGroup
		outs := make([]string, 4)
		codes := make([]int, 4)
		for i := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				outs[i], codes[i] = run(t, v2, home, "add", "written by new release "+itoa(i))
			}()
		}
		wg.Wait()
		for i := range 4 {
			if codes[i] != 0 {
				t.Errorf("v2 add %d: exit %d: %s", i, codes[i], outs[i])
			}
		}
		version, migrated := schemaOf(t, home)
		next := fmt.Sprintf("migrated_v%d=", cur+1)
		if version != cur+1 || len(migrated) != cur+1 || !strings.HasPrefix(migrated[cur], next) {
			t.Errorf("schema v%d, migrations %v; want v%d with every step applied once", version, migrated, cur+1)
		}
		// The old binary still works on the newer, compatible schema.
		if out, code := run(t, v1, home, "add", "old release writes again"); code != 0 {
			t.Errorf("v1 on a compatible v2 store: %s", out)
		}
		out, _ := run(t, v1, home, "search", "release", "-k", "20")
		if strings.Count(out, "id: ") != 6 {
			t.Errorf("v1 search should see all 6 entries:\n%s", out)
		}
	})

	t.Run("write-incompatible schema makes old binaries read-only", func(t *testing.T) {
		home := t.TempDir()
		run(t, v1, home, "add", "before the upgrade")
		if out, code := run(t, v2ro, home, "add", "after the upgrade"); code != 0 {
			t.Fatalf("v2 add: %s", out)
		}
		mdBefore := readAll(t, filepath.Join(home, "memories"))
		out, code := run(t, v1, home, "add", "old binary tries to write")
		if code != 2 || !strings.Contains(out, "read-only") || !strings.Contains(out, "upgrade mm") {
			t.Errorf("v1 add on a write-incompatible store: exit %d: %s", code, out)
		}
		if !bytes.Equal(mdBefore, readAll(t, filepath.Join(home, "memories"))) {
			t.Error("a refused write still changed the markdown")
		}
		if out, code := run(t, v1, home, "search", "upgrade"); code != 0 || !strings.Contains(out, "after the upgrade") {
			t.Errorf("v1 search on a read-only store: exit %d: %s", code, out)
		}
		if out, _ := run(t, v1, home, "status"); !strings.Contains(out, "read-only") {
			t.Errorf("status should say read-only:\n%s", out)
		}
	})

	t.Run("unreadable schema is refused and left byte-identical", func(t *testing.T) {
		home := t.TempDir()
		run(t, v1, home, "add", "before the big upgrade")
		if out, code := run(t, v3, home, "add", "after the big upgrade"); code != 0 {
			t.Fatalf("v3 add: %s", out)
		}
		dbPath := filepath.Join(home, "memtomem.db")
		before, _ := os.ReadFile(dbPath)
		for _, args := range [][]string{{"search", "upgrade"}, {"add", "x"}, {"status"}} {
			out, code := run(t, v1, home, args...)
			if code != 2 || !strings.Contains(out, "newer than this mm can read") {
				t.Errorf("v1 %v on a v3 store: exit %d: %s", args, code, out)
			}
		}
		after, _ := os.ReadFile(dbPath)
		if !bytes.Equal(before, after) {
			t.Error("the refused database changed")
		}
	})
}

// readAll concatenates every file under dir, for before/after comparisons.
func readAll(t *testing.T, dir string) []byte {
	t.Helper()
	var buf bytes.Buffer
	filepath.Walk(dir, func(p string, info os.FileInfo, err error) error {
		if err == nil && !info.IsDir() {
			b, _ := os.ReadFile(p)
			buf.WriteString(p)
			buf.Write(b)
		}
		return nil
	})
	return buf.Bytes()
}

// A destructive schema step never runs under other processes: a binary
// that needs one refuses to open the store and asks for mm migrate, which
// itself refuses while any process has the store open, and works once they
// are gone.
func TestExclusiveMigration(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary")
	}
	cur := sqlite.SchemaVersion
	next := buildMM(t, "next-exclusive", "", cur+1, 1, 1, "-X "+schemaPkg+".testExclusive=1")
	home := t.TempDir()
	srv := startServer(t, home) // this release, serving
	srv.mustCall("mem_add", map[string]any{"content": "written before the big upgrade"})

	out, code := run(t, next, home, "search", "upgrade")
	if code != 2 || !strings.Contains(out, "mm migrate") || !strings.Contains(out, "nothing was changed") {
		t.Fatalf("a binary needing a destructive step: exit %d\n%s", code, out)
	}
	if v, _ := schemaOf(t, home); v != cur {
		t.Errorf("schema changed to v%d without mm migrate", v)
	}
	out, code = run(t, next, home, "migrate")
	if code != 2 || !strings.Contains(out, fmt.Sprintf("pid %d", srv.cmd.Process.Pid)) {
		t.Fatalf("mm migrate while a server runs: exit %d\n%s", code, out)
	}

	srv.session.Close()
	out, code = run(t, next, home, "migrate")
	if code != 0 || !strings.Contains(out, fmt.Sprintf("from v%d to v%d", cur, cur+1)) {
		t.Fatalf("mm migrate once alone: exit %d\n%s", code, out)
	}
	out, code = run(t, next, home, "search", "upgrade")
	if code != 0 || !strings.Contains(out, "written before the big upgrade") {
		t.Errorf("after the migration: exit %d\n%s", code, out)
	}
}
