// Package postgres is the PostgreSQL store: one database shared by the
// servers of every host of a team (storage.backend = postgres, storage.url).
//
// Everything lives in the schema "memtomem" of the database the URL names,
// so the database may hold other applications' schemas; a schema of that
// name that is not ours is refused and never modified. Keyword search is
// BM25 computed from the chunks' term statistics (search.go), vectors are
// float32 blobs scored in Go (vectors.go), and the processes of every host
// coordinate through advisory locks and a registry table (coord.go).
package postgres

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/memtomem/memtomem/internal/coord"
	"github.com/memtomem/memtomem/internal/store"
)

// Name is the backend's name in storage.backend.
const Name = "postgres"

// schemaName is the PostgreSQL schema that holds the store.
const schemaName = "memtomem"

func init() { store.Register(Name, backend{}) }

type backend struct{}

// DB is an open PostgreSQL store.
type DB struct {
	pool        *pgxpool.Pool
	host        string // this host's name for its files (store.Location.Host)
	where       string
	schema      int
	readOnlyWhy string
	storeID     string // meta.store_id when opened, for Verify

	verifyMu   sync.Mutex
	verifiedAt time.Time
}

var _ store.DB = (*DB)(nil)

// OpenTimeout bounds connecting and the schema steps of Open.
const OpenTimeout = 30 * time.Second

// poolConfig parses the location's connection string and adds the password
// file, the schema and the bounds every connection gets.
func poolConfig(loc store.Location) (*pgxpool.Config, error) {
	if strings.TrimSpace(loc.URL) == "" {
		return nil, errors.New("storage.url is empty: set it to the PostgreSQL connection string, e.g. postgres://mm@db.example:5432/memtomem")
	}
	cfg, err := pgxpool.ParseConfig(loc.URL)
	if err != nil {
		// pgx's message may quote the string; ours never does.
		return nil, fmt.Errorf("storage.url is not a PostgreSQL connection string (postgres://user@host:port/database or key=value pairs): %v", redactErr(err, loc.URL))
	}
	if loc.PasswordFile != "" {
		pw, err := readPasswordFile(loc.PasswordFile)
		if err != nil {
			return nil, err
		}
		cfg.ConnConfig.Password = pw
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schemaName
	// Every connection says whose it is, for the server's administrators
	// (pg_stat_activity).
	cfg.ConnConfig.RuntimeParams["application_name"] = appName(loc.Host, os.Getpid())
	// pgx prepares every statement; after five runs PostgreSQL may switch
	// to a plan made without the parameters' values, which for the BM25
	// statement scans the whole inverted index (measured: 975 ms against
	// 118 ms a query on SciFact). Always plan with the values.
	cfg.ConnConfig.RuntimeParams["plan_cache_mode"] = "force_custom_plan"
	// JIT compiles a plan when its estimated cost is high, which the
	// planner's guesses for unnest() and the term statistics make it for
	// every keyword search: compiling took 1.2 s of a 15 ms search on SciFact.
	// Our statements are short; JIT never pays for itself here.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	if cfg.MaxConns < 4 {
		cfg.MaxConns = 4
	}
	// Keep one connection however idle the process is, so the first call
	// after a quiet hour does not pay for a connection.
	cfg.MinConns = max(cfg.MinConns, 1)
	return cfg, nil
}

// readPasswordFile reads the database password, refusing a file others can
// read: a password readable by every user of the machine is not a secret.
func readPasswordFile(path string) (string, error) {
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("storage.password_file: %w", err)
	}
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("storage.password_file %s is readable by others (mode %04o): run chmod 600 %s", path, perm, path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("storage.password_file: %w", err)
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", fmt.Errorf("storage.password_file %s is empty", path)
	}
	return pw, nil
}

// redactErr removes the connection string (and so its password) from an
// error's text.
func redactErr(err error, dsn string) string {
	msg := err.Error()
	if dsn != "" {
		msg = strings.ReplaceAll(msg, dsn, "(storage.url)")
	}
	return msg
}

// describe names the store for messages: user, host, port and database,
// never the password.
func describe(cfg *pgxpool.Config) string {
	c := cfg.ConnConfig
	return fmt.Sprintf("postgres://%s@%s:%d/%s", c.User, c.Host, c.Port, c.Database)
}

func (backend) Open(ctx context.Context, loc store.Location, opts store.OpenOptions) (store.DB, error) {
	cfg, err := poolConfig(loc)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, OpenTimeout)
	defer cancel()
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, friendly(err, describe(cfg))
	}
	db := &DB{pool: pool, host: loc.Host, where: describe(cfg)}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, friendly(err, db.where)
	}
	if err := db.migrate(ctx, opts); err != nil {
		pool.Close()
		return nil, err
	}
	return db, nil
}

func (backend) StoredVersion(ctx context.Context, loc store.Location) (int, error) {
	cfg, err := poolConfig(loc)
	if err != nil {
		return 0, err
	}
	ctx, cancel := context.WithTimeout(ctx, OpenTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return 0, friendly(err, describe(cfg))
	}
	defer conn.Close(ctx)
	v, _, _, err := storedSchema(ctx, conn)
	return v, err
}

// Destroy drops the store's schema and everything in it. It refuses a
// schema named memtomem that is not a memtomem store.
func (backend) Destroy(ctx context.Context, loc store.Location) error {
	cfg, err := poolConfig(loc)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, OpenTimeout)
	defer cancel()
	conn, err := pgx.ConnectConfig(ctx, cfg.ConnConfig)
	if err != nil {
		return friendly(err, describe(cfg))
	}
	defer conn.Close(ctx)
	// Under the schema steps' lock: a server opening meanwhile waits, and
	// then finds no store and creates a fresh one.
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return friendly(err, describe(cfg))
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLock)
	if _, _, _, err := storedSchema(ctx, conn); err != nil {
		return err
	}
	// Every process that has the store open holds the lifecycle lock
	// shared (coord.go); mm reset holds it exclusively on another
	// connection, so for a reset none is found.
	holders, err := sharedHolders(ctx, conn)
	if err != nil {
		return friendly(err, describe(cfg))
	}
	if holders > 0 {
		live, err := liveInstances(ctx, conn)
		if err != nil {
			return friendly(err, describe(cfg))
		}
		return &coord.InUseError{Instances: live}
	}
	_, err = conn.Exec(ctx, `DROP SCHEMA IF EXISTS `+schemaName+` CASCADE`)
	return friendly(err, describe(cfg))
}

// appName is a connection's application_name: "memtomem host pid".
func appName(host string, pid int) string {
	if host == "" {
		host = "-"
	}
	name := fmt.Sprintf("memtomem %s %d", host, pid)
	if len(name) > 63 { // PostgreSQL keeps 63 bytes
		name = fmt.Sprintf("memtomem %s %d", host[:63-len(fmt.Sprintf("memtomem  %d", pid))], pid)
	}
	return name
}

// Where names the store: user, host, port and database.
func (db *DB) Where() string { return db.where }

// Schema is the store's schema version.
func (db *DB) Schema() int { return db.schema }

// ReadOnlyReason says why writes are refused, or is "".
func (db *DB) ReadOnlyReason() string { return db.readOnlyWhy }

// KeywordScale: scores are BM25 computed as FTS5 does (search.go).
func (db *DB) KeywordScale() string {
	if Ranking == RankCD {
		return "ts_rank_cd"
	}
	return store.ScaleBM25
}

// verifyEvery is how often Verify asks the server; between asks it trusts
// the last answer, so a Service call does not pay a round trip.
const verifyEvery = 2 * time.Second

// Verify checks that the store is still the one this handle opened: its
// store id is unchanged (a dropped and recreated store has a new one).
func (db *DB) Verify() error {
	db.verifyMu.Lock()
	defer db.verifyMu.Unlock()
	if time.Since(db.verifiedAt) < verifyEvery {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var id string
	err := db.pool.QueryRow(ctx, `SELECT value FROM meta WHERE key = 'store_id'`).Scan(&id)
	switch {
	case err == nil && id == db.storeID:
		db.verifiedAt = time.Now()
		return nil
	case err == nil || errors.Is(err, pgx.ErrNoRows) || isUndefinedTable(err):
		return fmt.Errorf("%w: the store in %s was dropped or recreated while this process had it open; nothing more is written through this process: restart it to open the store afresh", store.ErrReplaced, db.where)
	default:
		return friendly(err, db.where)
	}
}

// Close closes the connection pool.
func (db *DB) Close() error {
	db.pool.Close()
	return nil
}

// friendly turns connection failures into messages that say what to check,
// and never quotes the connection string.
func friendly(err error, where string) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "28P01", "28000":
			return fmt.Errorf("PostgreSQL at %s refused the login (%s): check the user and the password (storage.password_file, PGPASSWORD or the URL)", where, pe.Message)
		case "3D000":
			return fmt.Errorf("PostgreSQL at %s: %s: create it (createdb) or fix storage.url", where, pe.Message)
		case "42501":
			return fmt.Errorf("PostgreSQL at %s: %s: the role needs CREATE on the database and ownership of schema %s (docs/postgres.md)", where, pe.Message, schemaName)
		case "40001", "40P01", "55P03":
			return fmt.Errorf("%w (%s)", store.ErrBusy, pe.Message)
		}
		return err
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return fmt.Errorf("cannot reach PostgreSQL at %s: %v; check that the server runs and storage.url", where, errors.Unwrap(ce))
	}
	return err
}

func isUndefinedTable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "42P01" || pe.Code == "3F000")
}
