package sqlite

import (
	"context"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// A walk switches the writer to checkpointing rarely; once it ends, an add
// must find the writer checkpointing as often as before (else some add's
// commit pays for copying a whole walk's WAL), and a single big file
// written outside a walk never switches it.
func TestWalkSettingsEndWithTheWalk(t *testing.T) {
	ctx := context.Background()
	db, _ := openTemp(t)
	checkpointEvery := func() int {
		t.Helper()
		var n int
		if err := db.writer.QueryRowContext(ctx, "PRAGMA wal_autocheckpoint").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := checkpointEvery(); got != normalCheckpointPages {
		t.Fatalf("a new store checkpoints every %d pages, want %d", got, normalCheckpointPages)
	}

	f, cs := bulkFile(0, insertRows+1, 1)
	if _, _, err := db.ReplaceFile(ctx, store.IfChanged, buildOf(f, cs)); err != nil {
		t.Fatal(err)
	}
	if got := checkpointEvery(); got != normalCheckpointPages {
		t.Fatalf("after one big file outside a walk the writer checkpoints every %d pages, want %d", got, normalCheckpointPages)
	}

	var builds []func() (store.File, []store.Chunk, error)
	for i := 1; i <= 3; i++ {
		f, cs := bulkFile(i, insertRows, 1)
		builds = append(builds, buildOf(f, cs))
	}
	if _, err := db.ReplaceFiles(ctx, store.IfChanged, builds); err != nil {
		t.Fatal(err)
	}
	if got := checkpointEvery(); got != bulkCheckpointPages {
		t.Fatalf("during a walk the writer checkpoints every %d pages, want %d", got, bulkCheckpointPages)
	}

	// The walk ends with a cancelled context (the user pressed Ctrl-C
	// just then): the settings still go back.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	_ = db.MergeKeywordIndex(cancelled)
	if got := checkpointEvery(); got != normalCheckpointPages {
		t.Fatalf("after the walk the writer checkpoints every %d pages, want %d", got, normalCheckpointPages)
	}
	var cache int
	if err := db.writer.QueryRowContext(ctx, "PRAGMA cache_size").Scan(&cache); err != nil {
		t.Fatal(err)
	}
	if cache != normalCache {
		t.Fatalf("after the walk the writer's cache_size is %d, want %d", cache, normalCache)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
