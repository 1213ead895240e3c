package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/words"
)

// splitWords splits a query's text as SQLite's index does (the unicode61
// tokenizer with diacritics removed, CJK runs as bigrams; internal/words):
// runs of letters and digits, lowercased, accents dropped ("Café" →
// "cafe"). The keyword index takes words.Index of the same folded text
// (indexText), so PostgreSQL's own parser, which would keep "blue-green"
// whole or read "v1.2" as a version, never decides what a word is.
func splitWords(text string) []string {
	return words.Split(words.Fold(text))
}

// indexText is what the keyword index holds of a chunk: its heading path,
// text and file name (the three columns of SQLite's index), as words. The
// heading's words come apart from the rest, so that they can be marked
// (weight A in the tsvector) and count headingWeight times in a word's
// frequency, as FTS5's column weights count them.
func indexText(hierarchy []string, content, source string) (heading, body string, count int) {
	base := source
	if i := strings.LastIndexByte(base, '/'); i >= 0 {
		base = base[i+1:]
	}
	hs := words.Index(words.Fold(strings.Join(hierarchy, " ")))
	bs := words.Index(words.Fold(content + "\n" + base))
	return strings.Join(hs, " "), strings.Join(bs, " "), len(hs) + len(bs)
}

// reindexCJK (schema v5) gives every chunk whose text holds CJK or Hangul
// its words as this binary splits them. The regular expression is a cheap
// superset (any character from U+1100 up); words.HasCJK decides.
func reindexCJK(ctx context.Context, tx pgx.Tx) error {
	return rewriteWords(ctx, tx,
		`content ~ '[ᄀ-\U0010FFFF]' OR array_to_string(hierarchy, ' ') ~ '[ᄀ-\U0010FFFF]' OR source ~ '[ᄀ-\U0010FFFF]'`,
		func(c indexedChunk) bool {
			return words.HasCJK(c.content) || words.HasCJK(strings.Join(c.hierarchy, " ")) || words.HasCJK(c.source)
		})
}

// indexedChunk is what a chunk's keyword text is made from (indexText).
type indexedChunk struct {
	rid             int64
	hierarchy       []string
	content, source string
}

// rewriteWords gives the chunks that where selects, and keep (nil: all)
// confirms, their keyword text and length as insertChunk writes them now;
// the term statistics' trigger follows. Schema steps that change how the
// index reads text use it for the chunks stored before them.
func rewriteWords(ctx context.Context, tx pgx.Tx, where string, keep func(indexedChunk) bool) error {
	rows, err := tx.Query(ctx, `SELECT rid, hierarchy, content, source FROM chunks WHERE `+where)
	if err != nil {
		return err
	}
	chunks, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (indexedChunk, error) {
		var c indexedChunk
		err := row.Scan(&c.rid, &c.hierarchy, &c.content, &c.source)
		return c, err
	})
	if err != nil {
		return err
	}
	for _, c := range chunks {
		if keep != nil && !keep(c) {
			continue
		}
		heading, body, count := indexText(c.hierarchy, c.content, c.source)
		if _, err := tx.Exec(ctx, `UPDATE chunks SET words = `+wordsSQL("$1", "$2")+`, word_count = $3 WHERE rid = $4`,
			heading, body, count, c.rid); err != nil {
			return fmt.Errorf("reindex chunk %d: %w", c.rid, err)
		}
	}
	return nil
}
