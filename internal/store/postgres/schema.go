package postgres

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"github.com/memtomem/memtomem/internal/store"
)

// A migration moves the schema up one version, in one transaction, under
// an advisory lock every migrating process takes: servers starting together
// on several hosts run each step exactly once. The floors mean what they
// mean for SQLite (internal/store/sqlite/schema.go): the oldest schema a
// binary must know to read, and to write, after the step.
type migration struct {
	version               int
	readFloor, writeFloor int
	stmts                 []string
	exclusive             bool // destructive: only from mm migrate, with the store to itself
	// fill, when set, runs after stmts in the step's transaction: a
	// rewrite of rows that needs Go (the keyword index's word splitting).
	fill func(ctx context.Context, tx pgx.Tx) error
}

// textConfig is the text search configuration of the keyword index. The
// text reaches PostgreSQL already split into words (tokens.go), so the
// parser's job is trivial; every word is stemmed by the Snowball English
// stemmer (close to the Porter stemmer of SQLite's index), and no word is
// dropped as a stop word: the query side decides which words count.
const textConfig = schemaName + ".mm_english"

var migrations = []migration{
	{version: 1, readFloor: 1, writeFloor: 1, stmts: []string{
		`CREATE SCHEMA IF NOT EXISTS ` + schemaName,
		`CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL)`,
		`INSERT INTO meta(key, value) VALUES ('application', 'memtomem'), ('store_id', gen_random_uuid()::text),
			('schema_version', '0'), ('read_floor', '1'), ('write_floor', '1')`,
		`CREATE TEXT SEARCH DICTIONARY mm_english_stem (TEMPLATE = snowball, Language = english)`,
		`CREATE TEXT SEARCH CONFIGURATION mm_english (COPY = pg_catalog.simple)`,
		`ALTER TEXT SEARCH CONFIGURATION mm_english ALTER MAPPING FOR asciiword, word, numword,
			asciihword, hword, numhword, hword_asciipart, hword_part, hword_numpart WITH mm_english_stem`,
		`CREATE TABLE files (
			host text NOT NULL,
			path text NOT NULL,
			size bigint NOT NULL,
			mtime_ns bigint NOT NULL,
			sha256 text NOT NULL,
			namespace text NOT NULL,
			indexed_at bigint NOT NULL,
			tail text NOT NULL DEFAULT '',
			PRIMARY KEY (host, path)
		)`,
		`CREATE TABLE chunks (
			rid bigserial PRIMARY KEY,
			id text NOT NULL UNIQUE,
			host text NOT NULL,
			source text NOT NULL,
			hierarchy text[] NOT NULL,
			content text NOT NULL,
			start_line integer NOT NULL,
			end_line integer NOT NULL,
			content_hash text NOT NULL,
			namespace text NOT NULL,
			tags text[] NOT NULL,
			entry_id text NOT NULL,
			created_at bigint NOT NULL,
			updated_at bigint NOT NULL,
			words tsvector NOT NULL,
			word_count integer NOT NULL
		)`,
		`CREATE INDEX chunks_source ON chunks(host, source, start_line)`,
		`CREATE INDEX chunks_created ON chunks(created_at)`,
		`CREATE INDEX chunks_namespace ON chunks(namespace)`,
		`CREATE INDEX chunks_entry ON chunks(entry_id) WHERE entry_id <> ''`,
		`CREATE INDEX chunks_words ON chunks USING gin(words)`,
		`CREATE INDEX chunks_tags ON chunks USING gin(tags)`,
		`CREATE TABLE chunk_vectors (
			chunk_rid bigint PRIMARY KEY REFERENCES chunks(rid) ON DELETE CASCADE,
			generation text NOT NULL,
			content_hash text NOT NULL,
			vec bytea NOT NULL
		)`,
		`CREATE INDEX chunk_vectors_generation ON chunk_vectors(generation)`,
		`CREATE TABLE instances (
			id text PRIMARY KEY,
			host text NOT NULL,
			pid integer NOT NULL,
			version text NOT NULL,
			transport text NOT NULL,
			command text NOT NULL,
			started_at timestamptz NOT NULL,
			beat_at timestamptz NOT NULL
		)`,
	}},
	// v2: term statistics for BM25 (termstats.go). The triggers keep them
	// whoever writes, so a v1 binary still reads and writes a v2 store.
	{version: 2, readFloor: 1, writeFloor: 1, stmts: termStatsSteps},
	// v3: chunk lengths in the postings (termstats.go); the trigger fills
	// them whoever writes, so older binaries still read and write.
	{version: 3, readFloor: 1, writeFloor: 1, stmts: termLenSteps},
	// v4: heading words weigh store.HeadingWeight in the postings
	// (termstats.go); older binaries still read and write.
	{version: 4, readFloor: 1, writeFloor: 1, stmts: headingSteps, fill: markHeadings},
	// v5: CJK and Hangul runs indexed as bigrams (internal/words): the
	// chunks holding such text get their words again. Older binaries would
	// go on indexing those runs whole, where no v5 query finds them, so
	// they may read but not write. And the project chunks get a partial
	// index, for the default view's check that none is hidden (keepSQL).
	{version: 5, readFloor: 1, writeFloor: 5, fill: reindexCJK, stmts: []string{
		`CREATE INDEX chunks_projects ON chunks(namespace) WHERE starts_with(namespace, 'project:')`,
	}},
}

// SchemaVersion is the newest schema this binary writes (a variable so
// that tests can play a newer binary).
var SchemaVersion = migrations[len(migrations)-1].version

// migrateLock is the advisory lock key of schema steps ("mmtm").
const migrateLock = 0x6d6d746d

type querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// storedSchema reads the store's schema version and floors (0 when there is
// no store yet). A schema named memtomem that is not a memtomem store is
// ErrForeign.
func storedSchema(ctx context.Context, q querier) (version, readFloor, writeFloor int, err error) {
	var exists bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1)`, schemaName).Scan(&exists); err != nil {
		return 0, 0, 0, err
	}
	if !exists {
		return 0, 0, 0, nil
	}
	var app, v, rf, wf *string // NULL when the row is missing
	err = q.QueryRow(ctx, `SELECT
			(SELECT value FROM `+schemaName+`.meta WHERE key = 'application'),
			(SELECT value FROM `+schemaName+`.meta WHERE key = 'schema_version'),
			(SELECT value FROM `+schemaName+`.meta WHERE key = 'read_floor'),
			(SELECT value FROM `+schemaName+`.meta WHERE key = 'write_floor')`).Scan(&app, &v, &rf, &wf)
	if err != nil && !isUndefinedTable(err) {
		return 0, 0, 0, err
	}
	if err != nil || app == nil || *app != "memtomem" || v == nil || rf == nil || wf == nil {
		return 0, 0, 0, fmt.Errorf("%w: the database's schema %q belongs to something else; it was left untouched (point storage.url at another database)", store.ErrForeign, schemaName)
	}
	version, _ = strconv.Atoi(*v)
	readFloor, _ = strconv.Atoi(*rf)
	writeFloor, _ = strconv.Atoi(*wf)
	return version, readFloor, writeFloor, nil
}

// migrate brings the schema up to SchemaVersion, one step per transaction,
// and applies the floors: a store this binary can read but not write opens
// read-only, one it cannot read is refused untouched.
func (db *DB) migrate(ctx context.Context, opts store.OpenOptions) error {
	for {
		done, err := db.step(ctx, opts)
		if err != nil {
			return err
		}
		if done {
			break
		}
	}
	return db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'store_id'`).Scan(&db.storeID)
}

// step runs the next schema step, if any; done reports that none is left.
func (db *DB) step(ctx context.Context, opts store.OpenOptions) (done bool, err error) {
	tx, err := db.pool.Begin(ctx)
	if err != nil {
		return false, friendly(err, db.where)
	}
	defer tx.Rollback(ctx)
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, migrateLock); err != nil {
		return false, friendly(err, db.where)
	}
	v, readFloor, writeFloor, err := storedSchema(ctx, tx)
	if err != nil {
		return false, err
	}
	db.schema = v
	if v > 0 {
		switch {
		case SchemaVersion < readFloor:
			return false, fmt.Errorf("%w: the store in %s has schema v%d and needs an mm that reads schema v%d or newer (this one reads up to v%d); upgrade mm — the store was left untouched", store.ErrSchemaTooNew, db.where, v, readFloor, SchemaVersion)
		case SchemaVersion < writeFloor:
			db.readOnlyWhy = fmt.Sprintf("the store has schema v%d, which needs an mm that writes schema v%d or newer (this one writes v%d); upgrade mm to write, searches still work", v, writeFloor, SchemaVersion)
			return true, nil
		}
	}
	if v >= SchemaVersion || opts.ReadOnly {
		return true, nil
	}
	m := migrations[v]
	if m.exclusive && !opts.Exclusive {
		return false, fmt.Errorf("%w: schema v%d → v%d; run mm migrate once every mm using %s is closed", store.ErrNeedsExclusive, v, m.version, db.where)
	}
	for _, s := range m.stmts {
		if _, err := tx.Exec(ctx, s); err != nil {
			return false, friendly(fmt.Errorf("schema step v%d: %w", m.version, err), db.where)
		}
	}
	if m.fill != nil {
		if err := m.fill(ctx, tx); err != nil {
			return false, friendly(fmt.Errorf("schema step v%d: %w", m.version, err), db.where)
		}
	}
	if _, err := tx.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'schema_version'`, strconv.Itoa(m.version)); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'read_floor' AND value::int < $2`, strconv.Itoa(m.readFloor), m.readFloor); err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, `UPDATE meta SET value = $1 WHERE key = 'write_floor' AND value::int < $2`, strconv.Itoa(m.writeFloor), m.writeFloor); err != nil {
		return false, err
	}
	if err := tx.Commit(ctx); err != nil {
		return false, friendly(err, db.where)
	}
	db.schema = m.version
	return false, nil
}
