package sqlite

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// foreignFile writes another program's SQLite database and returns its bytes.
func foreignFile(t *testing.T) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "other.db")
	conn, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec("CREATE TABLE ledger (id INTEGER PRIMARY KEY, amount REAL); INSERT INTO ledger (amount) VALUES (1.5)"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A write through a handle whose file was replaced (renamed over, copied
// over in place, or deleted) is refused before anything is written, and the
// file now at the path is left byte-identical, also when the handle closes.
func TestWriteRefusedAfterFileReplaced(t *testing.T) {
	f := store.File{Path: "/notes/a.md", Namespace: "default", SHA256: "1"}
	for _, how := range []string{"rename", "in-place", "delete"} {
		t.Run(how, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "m.db")
			db, err := Open(context.Background(), path, Options{WriteLock: path + ".lock"})
			if err != nil {
				t.Fatal(err)
			}
			if _, _, err := replace(db, f, chunk("before the swap")); err != nil {
				t.Fatal(err)
			}
			want := foreignFile(t)
			switch how {
			case "rename":
				if err := os.WriteFile(path+".new", want, 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Rename(path+".new", path); err != nil {
					t.Fatal(err)
				}
			case "in-place":
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
			case "delete":
				if err := os.Remove(path); err != nil {
					t.Fatal(err)
				}
				want = nil
			}
			_, _, err = replace(db, f, chunk("after the swap"))
			if !errors.Is(err, store.ErrReplaced) {
				t.Errorf("write after the file was replaced: %v, want store.ErrReplaced", err)
			}
			if err := db.Verify(); !errors.Is(err, store.ErrReplaced) {
				t.Errorf("Verify: %v", err)
			}
			db.Close()
			got, err := os.ReadFile(path)
			if want == nil {
				if !errors.Is(err, os.ErrNotExist) {
					t.Errorf("a deleted database was re-created (%v)", err)
				}
				return
			}
			if !bytes.Equal(got, want) {
				t.Error("the file swapped in was modified")
			}
		})
	}
}

// An untouched database passes the check, before and after writes.
func TestCheckFileAcceptsOwnFile(t *testing.T) {
	db, _ := openTemp(t)
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := replace(db, store.File{Path: "/a.md", Namespace: "default", SHA256: "1"}, chunk("x")); err != nil {
		t.Fatal(err)
	}
	if err := db.Verify(); err != nil {
		t.Fatal(err)
	}
}
