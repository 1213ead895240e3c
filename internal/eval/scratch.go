package eval

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/memtomem/memtomem/internal/store"
)

// ScratchHost is the host name throwaway stores are written under on a
// shared backend, so that what mm eval and mm bench leave in a scratch
// database is told apart from a team's memories.
const ScratchHost = "mm-scratch"

// Scratch is the throwaway store in the PostgreSQL database at url.
func Scratch(url, passwordFile string) store.Location {
	return store.Location{Backend: "postgres", URL: url, PasswordFile: passwordFile, Host: ScratchHost}
}

// ErrNotScratch refuses to empty a store that holds more than mm eval and
// mm bench leave behind.
var ErrNotScratch = errors.New("not a scratch store")

// ClearScratch empties the throwaway store at loc before a run. A store
// there that holds anything else — another host's files, files that are
// not a corpus of mm eval or mm bench — is refused untouched: a scratch
// URL mistyped as the team's must not cost the team its index.
func ClearScratch(ctx context.Context, loc store.Location) error {
	v, err := store.StoredVersion(ctx, loc)
	if err != nil {
		return err
	}
	if v > 0 {
		db, err := store.Open(ctx, loc, store.OpenOptions{ReadOnly: true})
		if err != nil {
			return err
		}
		st, err := db.Stats(ctx)
		var files []store.File
		if err == nil {
			files, err = db.Files(ctx, "")
		}
		where := db.Where()
		db.Close()
		if err != nil {
			return err
		}
		for _, f := range files {
			if !scratchPath(f.Path) {
				return fmt.Errorf("%w: %s holds memories (%d files, e.g. %s); mm eval and mm bench empty the store they run in: give them a database of their own (createdb mm_scratch)", ErrNotScratch, where, st.Files, f.Path)
			}
		}
		if st.Files != len(files) {
			return fmt.Errorf("%w: %s holds other hosts' memories (%d files); mm eval and mm bench empty the store they run in: give them a database of their own (createdb mm_scratch)", ErrNotScratch, where, st.Files)
		}
	}
	return store.Destroy(ctx, loc)
}

// scratchPath is a file of an mm eval corpus ("/") or of an mm bench run
// (its temporary directory).
func scratchPath(p string) bool { return p == "/" || strings.Contains(p, "/mm-bench-") }
