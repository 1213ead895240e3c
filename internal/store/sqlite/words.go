package sqlite

import (
	"database/sql/driver"

	"modernc.org/sqlite"

	"github.com/memtomem/memtomem/internal/words"
)

// wordsFunc gives the keyword index a column's text with its CJK runs
// written as bigrams (words.Spaced), so that unicode61 finds words inside
// them. The index reads chunks through the view chunks_words, and the
// triggers that keep it in step call it on old and new rows alike: a
// chunk's words are deleted exactly as they were inserted because Spaced
// is a pure function of the text.
//
// A connection without the function (the sqlite3 shell, a memtomem before
// schema v4) can read and search the store but cannot write chunks, which
// the v4 step's write floor says to memtomem binaries before they try.
const wordsFunc = "memtomem_words"

func init() {
	sqlite.MustRegisterFunction(wordsFunc, &sqlite.FunctionImpl{
		NArgs: 1, Deterministic: true,
		Scalar: func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			if s, ok := args[0].(string); ok {
				return words.Spaced(s), nil
			}
			return args[0], nil // NULL, numbers and blobs as they are
		},
	})
}

// wordsSteps (schema v4) rebuild the keyword index over chunks_words. An
// external-content FTS5 table names its content table when it is created,
// so the index is made again and filled from the view ('rebuild'): one
// pass over the chunks, inside the step's transaction.
var wordsSteps = []string{
	`DROP TRIGGER chunks_ai`,
	`DROP TRIGGER chunks_ad`,
	`DROP TRIGGER chunks_au`,
	`DROP TABLE chunks_fts`,
	`CREATE VIEW chunks_words(rid, heading, content, filename) AS
		SELECT rowid, ` + wordsFunc + `(heading), ` + wordsFunc + `(content), ` + wordsFunc + `(filename) FROM chunks`,
	`CREATE VIRTUAL TABLE chunks_fts USING fts5(
		heading, content, filename,
		content='chunks_words', content_rowid='rid',
		tokenize='porter unicode61 remove_diacritics 2'
	)`,
	`CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
		INSERT INTO chunks_fts(rowid, heading, content, filename)
			VALUES (new.rowid, ` + wordsFunc + `(new.heading), ` + wordsFunc + `(new.content), ` + wordsFunc + `(new.filename));
	END`,
	`CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
		INSERT INTO chunks_fts(chunks_fts, rowid, heading, content, filename)
			VALUES ('delete', old.rowid, ` + wordsFunc + `(old.heading), ` + wordsFunc + `(old.content), ` + wordsFunc + `(old.filename));
	END`,
	`CREATE TRIGGER chunks_au AFTER UPDATE OF heading, content, filename ON chunks BEGIN
		INSERT INTO chunks_fts(chunks_fts, rowid, heading, content, filename)
			VALUES ('delete', old.rowid, ` + wordsFunc + `(old.heading), ` + wordsFunc + `(old.content), ` + wordsFunc + `(old.filename));
		INSERT INTO chunks_fts(rowid, heading, content, filename)
			VALUES (new.rowid, ` + wordsFunc + `(new.heading), ` + wordsFunc + `(new.content), ` + wordsFunc + `(new.filename));
	END`,
	`INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild')`,
}
