package sqlite

import (
	"database/sql"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
	"github.com/memtomem/memtomem/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) store.Location {
			dir := t.TempDir()
			return store.Location{Backend: Name, Path: filepath.Join(dir, "m.db"), RunDir: dir}
		},
		SetSchema: func(t *testing.T, loc store.Location, version, readFloor, writeFloor int) {
			raw, err := sql.Open("sqlite", loc.Path)
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			for _, s := range []string{
				"PRAGMA user_version = " + strconv.Itoa(version),
				"UPDATE meta SET value = '" + strconv.Itoa(readFloor) + "' WHERE key = 'read_floor'",
				"UPDATE meta SET value = '" + strconv.Itoa(writeFloor) + "' WHERE key = 'write_floor'",
			} {
				if _, err := raw.Exec(s); err != nil {
					t.Fatal(err)
				}
			}
		},
		Snapshot: func(t *testing.T, loc store.Location) string {
			b, err := os.ReadFile(loc.Path)
			if err != nil {
				t.Fatal(err)
			}
			return string(b)
		},
	})
}

// The suite's helpers serve this package's own tests too.
var (
	chunk    = storetest.Chunk
	replace  = storetest.Replace
	put      = storetest.Put
	dense    = storetest.Dense
	hitTexts = storetest.Texts
	vecAt    = storetest.VecAt
	e1       = storetest.E1
)

const gen = storetest.Gen
