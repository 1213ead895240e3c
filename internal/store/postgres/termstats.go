package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/store"
)

// The term statistics BM25 needs, kept by the database itself: triggers on
// chunks maintain them in the transaction that changes a chunk, whichever
// process (or binary version, or hand-written statement) makes the change,
// so they cannot drift from the chunks they describe.
//
//   - postings: one row per (word, chunk) with the word's frequency in the
//     chunk — the inverted index BM25 scores from. A word's document
//     frequency is the count of its postings (an index range scan), so it
//     needs no counter of its own that every write would contend on.
//   - corpus: the number of chunks and of their words, one row, for N and
//     the average length.
//
// Frequencies come from the tsvector's positions, which PostgreSQL caps at
// 256 per word and 16383 per chunk: a chunk longer than that (far above the
// chunker's sizes) scores as if it ended there.
var termStatsSteps = []string{
	`CREATE TABLE postings (
		term text COLLATE "C" NOT NULL,
		rid bigint NOT NULL,
		tf integer NOT NULL,
		PRIMARY KEY (term, rid) INCLUDE (tf)
	)`,
	`CREATE TABLE corpus (
		one boolean PRIMARY KEY DEFAULT true CHECK (one),
		chunks bigint NOT NULL,
		words bigint NOT NULL
	)`,
	`INSERT INTO corpus(chunks, words) SELECT count(*), coalesce(sum(word_count), 0) FROM chunks`,
	`INSERT INTO postings(term, rid, tf)
		SELECT x.lexeme, c.rid, coalesce(array_length(x.positions, 1), 1) FROM chunks c, unnest(c.words) x`,
	`CREATE FUNCTION chunks_term_stats() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP IN ('DELETE', 'UPDATE') THEN
			-- By the primary key, word by word: an index on rid alone would
			-- cost every insert more than it saves the deletes.
			DELETE FROM memtomem.postings WHERE term = ANY(tsvector_to_array(OLD.words)) AND rid = OLD.rid;
			UPDATE memtomem.corpus SET chunks = chunks - 1, words = words - OLD.word_count;
		END IF;
		IF TG_OP IN ('INSERT', 'UPDATE') THEN
			INSERT INTO memtomem.postings(term, rid, tf)
				SELECT x.lexeme, NEW.rid, coalesce(array_length(x.positions, 1), 1) FROM unnest(NEW.words) x;
			UPDATE memtomem.corpus SET chunks = chunks + 1, words = words + NEW.word_count;
		END IF;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER chunks_term_stats AFTER INSERT OR DELETE OR UPDATE OF words, word_count, rid ON chunks
		FOR EACH ROW EXECUTE FUNCTION chunks_term_stats()`,
	`CREATE FUNCTION chunks_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		TRUNCATE memtomem.postings;
		UPDATE memtomem.corpus SET chunks = 0, words = 0;
		RETURN NULL;
	END $$`,
	`CREATE TRIGGER chunks_truncated AFTER TRUNCATE ON chunks FOR EACH STATEMENT EXECUTE FUNCTION chunks_truncated()`,
}

// termLenSteps (v3) put each chunk's length into its postings, so that
// BM25 scores a match from the postings alone: reading the length from
// chunks joined every candidate of a query to the chunks table, which was
// most of a search's time (16.5 ms of which 13 ms on 10k chunks). The
// primary key includes it, for index-only scans.
var termLenSteps = []string{
	`ALTER TABLE postings ADD COLUMN chunk_len integer NOT NULL DEFAULT 0`,
	`UPDATE postings x SET chunk_len = c.word_count FROM chunks c WHERE c.rid = x.rid`,
	`ALTER TABLE postings DROP CONSTRAINT postings_pkey`,
	`ALTER TABLE postings ADD PRIMARY KEY (term, rid) INCLUDE (tf, chunk_len)`,
	// Whether any chunk is archived, answered from an index that is empty
	// while none is (search.go, keepSQL).
	`CREATE INDEX chunks_archived ON chunks(rid) WHERE starts_with(namespace, 'archive:')`,
	`CREATE OR REPLACE FUNCTION chunks_term_stats() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP IN ('DELETE', 'UPDATE') THEN
			DELETE FROM memtomem.postings WHERE term = ANY(tsvector_to_array(OLD.words)) AND rid = OLD.rid;
			UPDATE memtomem.corpus SET chunks = chunks - 1, words = words - OLD.word_count;
		END IF;
		IF TG_OP IN ('INSERT', 'UPDATE') THEN
			INSERT INTO memtomem.postings(term, rid, tf, chunk_len)
				SELECT x.lexeme, NEW.rid, coalesce(array_length(x.positions, 1), 1), NEW.word_count FROM unnest(NEW.words) x;
			UPDATE memtomem.corpus SET chunks = chunks + 1, words = words + NEW.word_count;
		END IF;
		RETURN NULL;
	END $$`,
}

// headingSteps (v4) count a heading word store.HeadingWeight times in its
// posting's frequency, as SQLite's bm25() column weight does: chunks.words
// marks the heading's words with weight A (insertChunk), and the trigger
// adds HeadingWeight − 1 for each A position. A chunk's length stays its
// word count, as in FTS5. Chunks written before v4 are re-marked by
// markHeadings in the same step; an older binary still reads and writes
// (what it inserts is unmarked, so its headings count once).
var headingSteps = []string{
	`CREATE OR REPLACE FUNCTION chunks_term_stats() RETURNS trigger LANGUAGE plpgsql AS $$
	BEGIN
		IF TG_OP IN ('DELETE', 'UPDATE') THEN
			DELETE FROM memtomem.postings WHERE term = ANY(tsvector_to_array(OLD.words)) AND rid = OLD.rid;
			UPDATE memtomem.corpus SET chunks = chunks - 1, words = words - OLD.word_count;
		END IF;
		IF TG_OP IN ('INSERT', 'UPDATE') THEN
			INSERT INTO memtomem.postings(term, rid, tf, chunk_len)
				SELECT x.lexeme, NEW.rid,
					coalesce(array_length(x.positions, 1), 1) + ` + strconv.Itoa(store.HeadingWeight-1) + ` * cardinality(array_positions(x.weights, 'A')),
					NEW.word_count
				FROM unnest(NEW.words) x;
			UPDATE memtomem.corpus SET chunks = chunks + 1, words = words + NEW.word_count;
		END IF;
		RETURN NULL;
	END $$`,
}

// markHeadings rewrites the keyword text of every chunk with a heading, so
// that its heading words are marked as insertChunk marks them now.
func markHeadings(ctx context.Context, tx pgx.Tx) error {
	return rewriteWords(ctx, tx, `cardinality(hierarchy) > 0`, nil)
}

// wordsSQL is the SQL of chunks.words from the parameters holding the
// heading's words (marked A) and the rest's, as indexText splits them.
func wordsSQL(heading, body string) string {
	return `setweight(to_tsvector('` + textConfig + `', ` + heading + `), 'A') || to_tsvector('` + textConfig + `', ` + body + `)`
}

// checkTermStats is Check's half for the term statistics: they describe
// exactly the chunks there are.
func (db *DB) checkTermStats(ctx context.Context) error {
	var chunks, words, wantChunks, wantWords, postings, wantPostings int64
	err := db.pool.QueryRow(ctx, `SELECT c.chunks, c.words, s.n, s.words, (SELECT count(*) FROM postings), s.lexemes
		FROM corpus c, (SELECT count(*) AS n, coalesce(sum(word_count), 0) AS words, coalesce(sum(length(words)), 0) AS lexemes FROM chunks) s`).
		Scan(&chunks, &words, &wantChunks, &wantWords, &postings, &wantPostings)
	if err != nil {
		return friendly(err, db.where)
	}
	if chunks != wantChunks || words != wantWords {
		return fmt.Errorf("check: the keyword statistics count %d chunks of %d words, the store holds %d of %d", chunks, words, wantChunks, wantWords)
	}
	if postings != wantPostings {
		return fmt.Errorf("check: the keyword index has %d postings for the chunks' %d distinct words", postings, wantPostings)
	}
	var wrongLen int64
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM postings x JOIN chunks c ON c.rid = x.rid WHERE x.chunk_len <> c.word_count`).Scan(&wrongLen); err != nil {
		return friendly(err, db.where)
	}
	if wrongLen > 0 {
		return fmt.Errorf("check: %d postings of the keyword index carry a chunk length that is not their chunk's", wrongLen)
	}
	return nil
}
