package sqlite

import (
	"github.com/memtomem/memtomem/internal/store"

	"context"
	"database/sql"
	"fmt"
	"github.com/memtomem/memtomem/internal/crashpoint"
	"os"
	"strconv"
)

// A migration moves the schema up one version. Every step is additive and
// runs online in its own transaction; a step that would break older binaries
// raises the floors recorded in meta, which is how those binaries learn to go
// read-only or stay away.
type migration struct {
	version    int
	readFloor  int // oldest schema version a binary must know to read after this step
	writeFloor int // oldest schema version a binary must know to write after this step
	stmts      []string
	// exclusive marks a destructive step (a rebuild, a rewrite of rows other
	// processes read) that must not run while any other process has the
	// store open: it runs only from `mm migrate`, under the lifecycle lock
	// held exclusively. Additive steps run online, as every process opens.
	exclusive bool
}

var migrations = []migration{
	{version: 1, readFloor: 1, writeFloor: 1, stmts: []string{
		`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`,
		`CREATE TABLE files (
			path TEXT PRIMARY KEY,
			size INTEGER NOT NULL,
			mtime_ns INTEGER NOT NULL,
			sha256 TEXT NOT NULL,
			namespace TEXT NOT NULL,
			indexed_at INTEGER NOT NULL
		)`,
		`CREATE TABLE chunks (
			rowid INTEGER PRIMARY KEY,
			id TEXT NOT NULL UNIQUE,
			source TEXT NOT NULL,
			filename TEXT NOT NULL,
			heading TEXT NOT NULL,
			hierarchy TEXT NOT NULL,
			content TEXT NOT NULL,
			start_line INTEGER NOT NULL,
			end_line INTEGER NOT NULL,
			content_hash TEXT NOT NULL,
			namespace TEXT NOT NULL,
			tags TEXT NOT NULL,
			entry_id TEXT NOT NULL,
			created_at INTEGER NOT NULL,
			updated_at INTEGER NOT NULL
		)`,
		`CREATE INDEX chunks_source ON chunks(source, start_line)`,
		`CREATE INDEX chunks_created ON chunks(created_at)`,
		`CREATE INDEX chunks_namespace ON chunks(namespace)`,
		`CREATE INDEX chunks_entry ON chunks(entry_id) WHERE entry_id != ''`,
		`CREATE TABLE chunk_tags (
			tag TEXT NOT NULL,
			chunk_rowid INTEGER NOT NULL REFERENCES chunks(rowid) ON DELETE CASCADE,
			PRIMARY KEY (tag, chunk_rowid)
		) WITHOUT ROWID`,
		`CREATE INDEX chunk_tags_chunk ON chunk_tags(chunk_rowid)`,
		// External-content FTS5: the text lives once, in chunks; triggers keep
		// the index in step inside the same transaction.
		`CREATE VIRTUAL TABLE chunks_fts USING fts5(
			heading, content, filename,
			content='chunks', content_rowid='rowid',
			tokenize='porter unicode61 remove_diacritics 2'
		)`,
		`CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
			INSERT INTO chunks_fts(rowid, heading, content, filename) VALUES (new.rowid, new.heading, new.content, new.filename);
		END`,
		`CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
			INSERT INTO chunks_fts(chunks_fts, rowid, heading, content, filename) VALUES ('delete', old.rowid, old.heading, old.content, old.filename);
		END`,
		`CREATE TRIGGER chunks_au AFTER UPDATE OF heading, content, filename ON chunks BEGIN
			INSERT INTO chunks_fts(chunks_fts, rowid, heading, content, filename) VALUES ('delete', old.rowid, old.heading, old.content, old.filename);
			INSERT INTO chunks_fts(rowid, heading, content, filename) VALUES (new.rowid, new.heading, new.content, new.filename);
		END`,
	}},
	// v2: dense vectors (see vectors.go). Purely additive, and safe for v1
	// binaries to keep writing, so both floors stay at 1: a v1 binary never
	// touches chunk_vectors, and the only way it could leave a vector that
	// no longer matches its text is by deleting or replacing the chunk —
	// which the cascade turns into deleting the vector too (every memtomem
	// connection runs with foreign_keys on). A v1 binary never rewrites a
	// chunk's text in place: changed text is always a new chunk row. Rows
	// also carry the chunk's content hash, and every read requires it to
	// match, which covers a delete made with foreign keys off.
	{version: 2, readFloor: 1, writeFloor: 1, stmts: []string{
		`CREATE TABLE chunk_vectors (
			chunk_rowid INTEGER PRIMARY KEY REFERENCES chunks(rowid) ON DELETE CASCADE,
			generation TEXT NOT NULL,
			content_hash TEXT NOT NULL,
			vec BLOB NOT NULL
		)`,
		// Counting and dropping per generation reads this index alone.
		`CREATE INDEX chunk_vectors_generation ON chunk_vectors(generation)`,
	}},
	// v3: what indexing an append to the file needs of the file before it
	// (store.File.Tail). Older binaries neither read nor write it: a row they
	// update keeps a tail naming the old hash, which the index then ignores.
	{version: 3, readFloor: 1, writeFloor: 1, stmts: []string{
		`ALTER TABLE files ADD COLUMN tail TEXT NOT NULL DEFAULT ''`,
	}},
	// v4: CJK and Hangul runs indexed as bigrams (words.go). The keyword
	// index is rebuilt over a view that splits them. Its triggers call a
	// function older binaries lack, so they may read (their queries find
	// what they found before) but not write: write floor 4.
	{version: 4, readFloor: 1, writeFloor: 4, stmts: wordsSteps},
}

// SchemaVersion is the newest schema this binary writes. It is a variable only
// so that tests can build binaries that behave like older or newer releases:
//
//	go build -ldflags "-X github.com/memtomem/memtomem/internal/store/sqlite.schemaOverride=N
//	  -X .../sqlite.testReadFloor=R -X .../sqlite.testWriteFloor=W"
//
// A version above the real ones gets synthetic additive steps whose floors
// are R and W, which is how the schema-gate tests fake a future release.
var SchemaVersion = latest()

var schemaOverride, testReadFloor, testWriteFloor, testExclusive string

func latest() int {
	if n, err := strconv.Atoi(schemaOverride); err == nil && n > 0 {
		return n
	}
	return migrations[len(migrations)-1].version
}

// step returns the migration to schema version v.
func step(v int) migration {
	if v <= len(migrations) {
		return migrations[v-1] // migrations[i].version == i+1
	}
	floor := func(s string) int {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
		return 1
	}
	return migration{version: v, readFloor: floor(testReadFloor), writeFloor: floor(testWriteFloor),
		stmts: []string{fmt.Sprintf("CREATE TABLE schema_test_v%d (x INTEGER)", v)}, exclusive: testExclusive != ""}
}

// migrate brings the schema up to SchemaVersion. Many processes may start at
// once: each step re-reads user_version inside its BEGIN IMMEDIATE
// transaction, so every step runs exactly once whoever gets there first.
func (db *DB) migrate(ctx context.Context, readOnly, exclusive bool) error {
	for {
		v, err := db.userVersion(ctx)
		if err != nil {
			return err
		}
		if v > SchemaVersion {
			return db.gateNewer(ctx, v)
		}
		if v == SchemaVersion {
			db.schema = v
			return nil
		}
		if readOnly {
			return fmt.Errorf("database %s has schema v%d and needs migrating to v%d: open it once without read-only mode", db.path, v, SchemaVersion)
		}
		if next := step(v + 1); next.exclusive && !exclusive {
			return fmt.Errorf("%w (schema v%d to v%d of %s): close every editor session and mm process using this store, then run `mm migrate`; nothing was changed", store.ErrNeedsExclusive, v, next.version, db.path)
		}
		err = retryBusy(ctx, func() error {
			tx, err := db.writer.BeginTx(ctx, nil)
			if err != nil {
				return err
			}
			defer tx.Rollback()
			var cur int
			if err := tx.QueryRowContext(ctx, "PRAGMA user_version").Scan(&cur); err != nil {
				return err
			}
			if cur != v {
				return nil // someone else migrated meanwhile; re-evaluate
			}
			step := step(v + 1)
			for i, s := range step.stmts {
				if _, err := tx.ExecContext(ctx, s); err != nil {
					return fmt.Errorf("migrate to schema v%d: %w", step.version, err)
				}
				if i == 0 {
					crashpoint.Hit(crashpoint.MidMigration)
				}
			}
			// A plain INSERT: if a step ever ran twice, this would fail
			// the second run; tests read these rows to prove "exactly once".
			if _, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?)`,
				fmt.Sprintf("migrated_v%d", step.version), strconv.Itoa(os.Getpid())); err != nil {
				return fmt.Errorf("migrate to schema v%d: %w", step.version, err)
			}
			if err := setMeta(ctx, tx, "read_floor", strconv.Itoa(step.readFloor)); err != nil {
				return err
			}
			if err := setMeta(ctx, tx, "write_floor", strconv.Itoa(step.writeFloor)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA application_id = %d", ApplicationID)); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", step.version)); err != nil {
				return err
			}
			return tx.Commit()
		})
		if err != nil {
			return fmt.Errorf("migrate database %s: %w", db.path, friendly(err))
		}
	}
}

// gateNewer decides what to do with a schema written by a newer binary: the
// floors it recorded say whether we may still write, only read, or nothing.
func (db *DB) gateNewer(ctx context.Context, v int) error {
	readFloor, writeFloor := v, v
	rows, err := db.writer.QueryContext(ctx, "SELECT key, value FROM meta WHERE key IN ('read_floor','write_floor')")
	if err != nil {
		return fmt.Errorf("read schema floors: %w", friendly(err))
	}
	for rows.Next() {
		var k, val string
		if err := rows.Scan(&k, &val); err != nil {
			rows.Close()
			return err
		}
		n, _ := strconv.Atoi(val)
		if k == "read_floor" {
			readFloor = n
		} else {
			writeFloor = n
		}
	}
	rows.Close()
	db.schema = v
	switch {
	case SchemaVersion >= writeFloor:
		return nil
	case SchemaVersion >= readFloor:
		db.readOnly = true
		db.readOnlyWhy = fmt.Sprintf("the database has schema v%d, which needs an mm that writes schema v%d or newer (this one writes v%d); upgrade mm to write, searches still work", v, writeFloor, SchemaVersion)
		return nil
	default:
		return fmt.Errorf("%w: %s has schema v%d and needs an mm that reads schema v%d or newer (this one reads up to v%d); upgrade mm — the database was left untouched", store.ErrSchemaTooNew, db.path, v, readFloor, SchemaVersion)
	}
}

func (db *DB) userVersion(ctx context.Context) (int, error) {
	var v int
	err := retryBusy(ctx, func() error {
		return db.writer.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v)
	})
	return v, friendly(err)
}

func setMeta(ctx context.Context, tx *sql.Tx, key, value string) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// Schema is the schema version found in the database.
func (db *DB) Schema() int { return db.schema }

// ReadOnlyReason explains why the store is read-only ("" when it is not).
func (db *DB) ReadOnlyReason() string { return db.readOnlyWhy }
