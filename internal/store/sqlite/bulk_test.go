package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/memtomem/memtomem/internal/store"
)

// bulkFile is file i of a test corpus: n chunks, some tagged, some shared
// by every version (they keep their rows when the file is rewritten).
func bulkFile(i, n, version int) (store.File, []store.Chunk) {
	f := store.File{Path: fmt.Sprintf("/notes/f%03d.md", i), Namespace: "default", SHA256: fmt.Sprint(i, "/", version)}
	var cs []store.Chunk
	for k := range n {
		text := fmt.Sprintf("file%d chunk%d common words here", i, k)
		if k%3 == 0 {
			text += fmt.Sprintf(" version%d", version) // changes with the version
		}
		c := chunk(text)
		c.StartLine, c.EndLine = 4*k+1, 4*k+3
		if k%4 == 0 {
			c.Tags = []string{"tag" + fmt.Sprint(k%7), "every"}
		}
		cs = append(cs, c)
	}
	return f, cs
}

func buildOf(f store.File, cs []store.Chunk) func() (store.File, []store.Chunk, error) {
	return func() (store.File, []store.Chunk, error) { return f, append([]store.Chunk(nil), cs...), nil }
}

// dump is everything a reader sees of the chunks: rows, tags, and what a
// keyword search finds; with rowids when asked.
func dump(t *testing.T, db *DB, rowids bool) string {
	t.Helper()
	var sb strings.Builder
	rows, err := db.reader.Query(`SELECT c.rowid, c.id, c.source, c.content, c.start_line, c.tags,
		(SELECT group_concat(tag) FROM (SELECT tag FROM chunk_tags WHERE chunk_rowid = c.rowid ORDER BY tag))
		FROM chunks c ORDER BY c.source, c.start_line, c.id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var rowid, start int64
		var id, source, content, tags string
		var tagRows sql.NullString
		if err := rows.Scan(&rowid, &id, &source, &content, &start, &tags, &tagRows); err != nil {
			t.Fatal(err)
		}
		if !rowids {
			rowid = 0
		}
		fmt.Fprintln(&sb, rowid, id, source, content, start, tags, tagRows.String)
	}
	for _, q := range []string{`"common"`, `"version1"`, `"version2"`, `"chunk7"`} {
		hits, err := db.KeywordSearch(context.Background(), store.KeywordQuery{Phrases: phrases(q), Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, h := range hits {
			ids = append(ids, fmt.Sprintf("%s:%.9f", h.ID, h.Score))
		}
		slices.Sort(ids) // equal scores come in rowid order
		fmt.Fprintln(&sb, q, ids)
	}
	return sb.String()
}

// A batch stores exactly what the same files written one transaction each
// store: the same rows under the same ids, the same tags, the same search
// results; also when files are rewritten (rows kept, moved, deleted and
// added) and across several INSERT statements. Into a fresh store even the
// rowids are the same. (On a rewrite they may differ: a batch deletes the
// rows of all its files before it inserts, and SQLite gives a new row one
// past the largest rowid left, as it always does.)
func TestReplaceFilesAsReplaceFile(t *testing.T) {
	ctx := context.Background()
	one, _ := openTemp(t)
	many, _ := openTemp(t)
	sizes := []int{3, insertRows + 7, 0, 1}
	for version := 1; version <= 2; version++ {
		var builds []func() (store.File, []store.Chunk, error)
		var diffs []store.Diff
		for i, n := range sizes {
			f, cs := bulkFile(i, n+version%2, version)
			d, _, err := one.ReplaceFile(ctx, store.IfChanged, buildOf(f, cs))
			if err != nil {
				t.Fatal(err)
			}
			diffs = append(diffs, d)
			builds = append(builds, buildOf(f, cs))
		}
		rs, err := many.ReplaceFiles(ctx, store.IfChanged, builds)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rs {
			if r.Err != nil || r.Diff != diffs[i] || len(r.Chunks) != sizes[i]+version%2 {
				t.Fatalf("version %d file %d: %+v, want diff %+v", version, i, r, diffs[i])
			}
		}
		if a, b := dump(t, one, version == 1), dump(t, many, version == 1); a != b {
			t.Fatalf("version %d: one file per transaction stored\n%s\na batch stored\n%s", version, a, b)
		}
	}
	if err := many.Check(ctx); err != nil {
		t.Fatal(err)
	}
}

// A file whose build fails is left as it was; the rest of the batch is
// written.
func TestReplaceFilesBuildError(t *testing.T) {
	db, _ := openTemp(t)
	f0, c0 := bulkFile(0, 2, 1)
	f2, c2 := bulkFile(2, 2, 1)
	boom := errors.New("cannot read")
	rs, err := db.ReplaceFiles(context.Background(), store.IfChanged, []func() (store.File, []store.Chunk, error){
		buildOf(f0, c0),
		func() (store.File, []store.Chunk, error) { return store.File{}, nil, boom },
		buildOf(f2, c2),
	})
	if err != nil || !errors.Is(rs[1].Err, boom) || rs[0].Diff.Indexed != 2 || rs[2].Diff.Indexed != 2 {
		t.Fatalf("ReplaceFiles: %+v %v", rs, err)
	}
	files, _ := db.Files(context.Background(), "")
	if len(files) != 2 || files[0].Path != f0.Path || files[1].Path != f2.Path {
		t.Errorf("stored files %+v, want the two that built", files)
	}
}

// A statement that fails for one file (here a trigger standing in for a
// constraint, or a disk that refuses one write) does not lose the other
// files of the batch: each gets the result it would get on its own.
func TestReplaceFilesStatementError(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	if _, err := db.writer.ExecContext(ctx, `CREATE TEMP TRIGGER refuse BEFORE INSERT ON files
		WHEN new.path = '/notes/f001.md' BEGIN SELECT RAISE(ABORT, 'refused'); END`); err != nil {
		t.Fatal(err)
	}
	var builds []func() (store.File, []store.Chunk, error)
	for i := range 3 {
		builds = append(builds, buildOf(bulkFile(i, 5, 1)))
	}
	rs, err := db.ReplaceFiles(ctx, store.IfChanged, builds)
	if err != nil || rs[1].Err == nil || !strings.Contains(rs[1].Err.Error(), "refused") || rs[0].Err != nil || rs[2].Err != nil {
		t.Fatalf("ReplaceFiles: %+v %v", rs, err)
	}
	hits, _ := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{"common"}}}, Limit: 100})
	if len(hits) != 10 || rs[0].Diff.Indexed != 5 || rs[2].Diff.Indexed != 5 {
		t.Errorf("%d chunks searchable, diffs %+v %+v; want files 0 and 2 (10 chunks)", len(hits), rs[0].Diff, rs[2].Diff)
	}
}

// The same file twice in one batch ends as its second version, once.
func TestReplaceFilesSameFileTwice(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	rs, err := db.ReplaceFiles(ctx, store.IfChanged, []func() (store.File, []store.Chunk, error){
		buildOf(bulkFile(0, 4, 1)), buildOf(bulkFile(0, 4, 2)),
	})
	if err != nil || rs[1].Diff.Unchanged != 2 || rs[1].Diff.Deleted != 2 || rs[1].Diff.Indexed != 2 {
		t.Fatalf("ReplaceFiles: %+v %v", rs, err)
	}
	n, _ := db.CountChunks(ctx, store.ListQuery{})
	hits, _ := db.KeywordSearch(ctx, store.KeywordQuery{Phrases: []store.Phrase{{Words: []string{"version1"}}}, Limit: 10})
	if n != 4 || len(hits) != 0 {
		t.Errorf("%d chunks stored, %d of version 1 found; want 4 and none", n, len(hits))
	}
}

// Merging the keyword index after a bulk write changes no search result.
func TestMergeKeywordIndex(t *testing.T) {
	db, _ := openTemp(t)
	ctx := context.Background()
	for round := range 6 {
		var builds []func() (store.File, []store.Chunk, error)
		for i := range 4 {
			builds = append(builds, buildOf(bulkFile(round*4+i, 30, 1)))
		}
		if _, err := db.ReplaceFiles(ctx, store.IfChanged, builds); err != nil {
			t.Fatal(err)
		}
	}
	before := dump(t, db, true)
	if err := db.MergeKeywordIndex(ctx); err != nil {
		t.Fatal(err)
	}
	if after := dump(t, db, true); after != before {
		t.Fatalf("the merge changed what is found:\nbefore\n%s\nafter\n%s", before, after)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatal(err)
	}
}
