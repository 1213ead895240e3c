package sqlite

import (
	"context"
	"database/sql"
)

// stmtTx is a write transaction that prepares each statement once. A file
// of n chunks runs the same few statements n times (insert chunk, insert
// tag, update place); database/sql prepares a statement anew on every
// ExecContext of a Tx, and SQLite's parser was a tenth of indexing time.
// The statements close with the transaction.
type stmtTx struct {
	*sql.Tx
	stmts map[string]*sql.Stmt
}

func newStmtTx(tx *sql.Tx) *stmtTx { return &stmtTx{Tx: tx, stmts: map[string]*sql.Stmt{}} }

// ExecContext runs query through its prepared statement, preparing it on
// first use.
func (t *stmtTx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, ok := t.stmts[query]
	if !ok {
		var err error
		if s, err = t.Tx.PrepareContext(ctx, query); err != nil {
			return nil, err
		}
		t.stmts[query] = s
	}
	return s.ExecContext(ctx, args...)
}
