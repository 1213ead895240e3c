package sqlite

import (
	"context"
	"database/sql"
	"sync"
)

// stmtTx is a write transaction that prepares each statement once. A file
// of n chunks runs the same few statements n times (insert chunk, insert
// tag, update place); database/sql prepares a statement anew on every
// ExecContext of a Tx, and SQLite's parser was a tenth of indexing time.
// The statements close with the transaction. With shared set (DB.stmtTx),
// statements also outlive it, kept with the writer connection.
type stmtTx struct {
	*sql.Tx
	stmts  map[string]*sql.Stmt
	shared *keptStmts
}

func newStmtTx(tx *sql.Tx) *stmtTx { return &stmtTx{Tx: tx, stmts: map[string]*sql.Stmt{}} }

// stmtTx is newStmtTx whose statements are prepared once per writer
// connection rather than once per transaction: an add is one small
// transaction, and preparing its five statements every time was a tenth
// of the CPU an add spends under the day file's lock.
func (db *DB) stmtTx(tx *sql.Tx) *stmtTx {
	t := newStmtTx(tx)
	t.shared = &db.kept
	return t
}

// readTx is stmtTx for a search's read transaction on the reader pool:
// a search runs a handful of statements whose text depends only on the
// query's shape (its filter, how many rows it fetches), and parsing them
// anew every time was a tenth of a small store's search. The caller runs
// db.readKept.prepareNoted on db.reader before it begins the transaction.
func (db *DB) readTx(tx *sql.Tx) *stmtTx {
	t := newStmtTx(tx)
	t.shared = &db.readKept
	return t
}

// ExecContext runs query through its prepared statement, preparing it on
// first use.
func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

// QueryContext is ExecContext for a query of rows.
func (t *stmtTx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

// QueryRowContext is ExecContext for a query of one row.
func (t *stmtTx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := t.stmt(ctx, query)
	if err != nil {
		return t.Tx.QueryRowContext(ctx, query, args...) // carries the same error
	}
	return s.QueryRowContext(ctx, args...)
}

func (t *stmtTx) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := t.stmts[query]; ok {
		return s, nil
	}
	s, err := t.shared.in(ctx, t.Tx, query)
	if err != nil {
		return nil, err
	}
	t.stmts[query] = s
	return s, nil
}

// keptStmts are statements prepared on the writer's *sql.DB, which keeps
// each prepared on its connection for every later transaction
// (sql.Tx.StmtContext reuses it). Preparing on that *sql.DB needs its one
// connection free, so it cannot happen inside a transaction: a statement
// first met in one is prepared for that transaction alone and noted, and
// the next write prepares the noted ones before it begins (prepareNoted).
// Only this package's statements come here, whose text depends on a
// query's shape, never on its values (those are bound); maxKept bounds
// them all the same.
type keptStmts struct {
	mu    sync.Mutex
	stmts map[string]*sql.Stmt
	noted []string
}

const maxKept = 64

// in returns query's statement for tx. A nil k prepares for tx alone.
func (k *keptStmts) in(ctx context.Context, tx *sql.Tx, query string) (*sql.Stmt, error) {
	if k == nil {
		return tx.PrepareContext(ctx, query)
	}
	k.mu.Lock()
	s, ok := k.stmts[query]
	if !ok && len(k.stmts)+len(k.noted) < maxKept && !contains(k.noted, query) {
		k.noted = append(k.noted, query)
	}
	k.mu.Unlock()
	if ok {
		return tx.StmtContext(ctx, s), nil
	}
	return tx.PrepareContext(ctx, query)
}

// prepareNoted prepares the noted statements on w; it runs with no
// transaction of this process open on w (db.write, before BEGIN; a search
// before its read transaction, so that preparing never waits for a pool
// connection the caller itself holds). A
// statement that fails to prepare is left to be prepared per transaction,
// which reports the error.
func (k *keptStmts) prepareNoted(ctx context.Context, w *sql.DB) {
	k.mu.Lock()
	noted := k.noted
	k.noted = nil
	k.mu.Unlock()
	for _, q := range noted {
		s, err := w.PrepareContext(ctx, q)
		if err != nil {
			continue
		}
		k.mu.Lock()
		if k.stmts == nil {
			k.stmts = map[string]*sql.Stmt{}
		}
		k.stmts[q] = s
		k.mu.Unlock()
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// readStmts are the reader pool's statements for the queries every add
// runs (FileState, ChunksByEntry), prepared once per reader connection.
type readStmts struct{ m sync.Map }

// query runs a constant query through its kept statement.
func (db *DB) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := db.reads.m.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := db.reader.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if prev, loaded := db.reads.m.LoadOrStore(query, s); loaded {
		s.Close()
		return prev.(*sql.Stmt), nil
	}
	return s, nil
}
