package planner

import (
	"context"
	"errors"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/lakegate/lakegate/catalog"
	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

type txState byte

const (
	txIdle   txState = 'I'
	txOpen   txState = 'T'
	txFailed txState = 'E'
)

// Session is one client's SQL state.
type Session struct {
	g        *Gateway
	db       *catalog.Catalog
	user     string
	settings *Settings
	tx       txState
	snaps    txSnapshots // snapshots pinned by a REPEATABLE READ transaction (timetravel.go)

	// cursors are the open SQL cursors (cursor.go).
	cursors map[string]*cursor

	parseVersion int32 // of the grammar's parse trees, needed to deparse
}

var _ wire.Session = (*Session)(nil)

// TxStatus implements wire.Session.
func (s *Session) TxStatus() byte {
	if s.tx == 0 {
		return byte(txIdle)
	}
	return byte(s.tx)
}

// FailTransaction implements wire.Session.
func (s *Session) FailTransaction() {
	if s.tx == txOpen {
		s.tx = txFailed
	}
}

// Setting implements wire.Session.
func (s *Session) Setting(name string) string {
	v, _ := s.settings.Get(name)
	return v
}

// Close implements wire.Session.
func (s *Session) Close() { s.closeCursors() }

// Parse implements wire.Session: it parses sql with the PostgreSQL grammar and
// analyses each statement.
func (s *Session) Parse(ctx context.Context, sql string, paramOIDs []uint32) ([]wire.Statement, error) {
	tree, err := pg.Parse(sql)
	if err != nil {
		return nil, parseError(err)
	}
	s.parseVersion = tree.Version
	out := make([]wire.Statement, 0, len(tree.Stmts))
	for _, raw := range tree.Stmts {
		text := statementText(sql, raw)
		st, err := s.analyse(ctx, raw, text, paramOIDs)
		if err != nil {
			for _, prev := range out {
				prev.Close()
			}
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func statementText(sql string, raw *pg.RawStmt) string {
	start, n := int(raw.StmtLocation), int(raw.StmtLen)
	if n == 0 || start+n > len(sql) {
		return strings.TrimSpace(sql[start:])
	}
	return strings.TrimSpace(sql[start : start+n])
}

func parseError(err error) error {
	var pe *parser.Error
	if errors.As(err, &pe) {
		return &pgerr.Error{Code: pgerr.SyntaxError, Message: pe.Message, Position: int32(pe.Cursorpos), Err: err}
	}
	return pgerr.Wrap(err, pgerr.SyntaxError, "%v", err)
}

// inFailedTx is the error every statement but ROLLBACK gets in a failed transaction.
func inFailedTx() error {
	return pgerr.New(pgerr.InFailedSQLTransaction, "current transaction is aborted, commands ignored until end of transaction block")
}
