package memtomem_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/memtomem/memtomem"
	"github.com/memtomem/memtomem/internal/memfile"
)

// An import writes its memories into today's day files in as few writes as
// the roll-over size allows: every memory lands once, next to what the files
// held, each file stays well-formed, and everything is searchable; an id
// given twice is written once, and importing again adds nothing.
func TestImportFillsDayFiles(t *testing.T) {
	defer memtomem.SetDayFileRollBytesForTest(4096)()
	m, cfg := openTest(t)
	ctx := context.Background()
	add(t, m, memtomem.AddRequest{Content: "a memory that was there before the import"})
	exp := importData(60)
	exp.Memories = append(exp.Memories, exp.Memories[3]) // the same id again
	res, err := m.Import(ctx, exp)
	if err != nil || res.Added != 60 || res.Skipped != 1 || len(res.Errors) != 0 {
		t.Fatalf("Import: %+v %v", res, err)
	}
	files, _ := filepath.Glob(filepath.Join(cfg.MemoryDir(), "*.md"))
	ids := map[string]int{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) > 4096+1024 {
			t.Errorf("%s is %d bytes, past the roll-over size", f, len(b))
		}
		for _, e := range memfile.Parse(b) {
			ids[e.ID]++
		}
	}
	if len(files) < 4 || len(ids) != 61 {
		t.Fatalf("%d files holding %d entries; want several parts holding 61", len(files), len(ids))
	}
	for id, n := range ids {
		if n != 1 {
			t.Errorf("entry %s is on disk %d times", id, n)
		}
	}
	for _, q := range []string{"before the import", "number 0,", "number 59,"} {
		if got := searchContents(t, m, memtomem.SearchRequest{Query: `"` + q + `"`}); len(got) == 0 {
			t.Errorf("%q is not searchable after the import", q)
		}
	}
	again, err := m.Import(ctx, exp)
	if err != nil || again.Added != 0 || again.Skipped != 61 {
		t.Errorf("second import: %+v %v", again, err)
	}
}
