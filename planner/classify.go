package planner

import (
	"context"
	"fmt"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/pgerr"
	"github.com/lakegate/lakegate/wire"
)

// analyse classifies one statement: reads become query statements, session statements
// are answered here, everything else is refused as a write.
func (s *Session) analyse(ctx context.Context, raw *pg.RawStmt, text string, paramOIDs []uint32) (wire.Statement, error) {
	node := raw.Stmt
	if s.tx == txFailed {
		if ts := node.GetTransactionStmt(); ts == nil || !endsTransaction(ts.Kind) {
			return nil, inFailedTx()
		}
	}
	switch n := node.Node.(type) {
	case *pg.Node_SelectStmt:
		return s.newQuery(ctx, raw, text, paramOIDs, false)
	case *pg.Node_ExplainStmt:
		return s.newExplain(ctx, n.ExplainStmt, text, paramOIDs)
	case *pg.Node_VariableSetStmt:
		return s.setStatement(n.VariableSetStmt)
	case *pg.Node_VariableShowStmt:
		return s.showStatement(n.VariableShowStmt.Name), nil
	case *pg.Node_TransactionStmt:
		return s.transactionStatement(n.TransactionStmt)
	case *pg.Node_CopyStmt:
		return s.copyStatement(ctx, n.CopyStmt, text)
	case *pg.Node_DiscardStmt:
		return tagOnly("DISCARD ALL", nil), nil
	case *pg.Node_DeallocateStmt:
		return tagOnly("DEALLOCATE", nil), nil
	case *pg.Node_DeclareCursorStmt:
		return s.declareCursor(ctx, n.DeclareCursorStmt, text, paramOIDs)
	case *pg.Node_FetchStmt:
		return s.fetchStatement(n.FetchStmt), nil
	case *pg.Node_ClosePortalStmt:
		return s.closeStatement(n.ClosePortalStmt), nil
	case *pg.Node_PrepareStmt, *pg.Node_ExecuteStmt:
		return nil, pgerr.New(pgerr.FeatureNotSupported, "PREPARE and EXECUTE are not supported; use the extended protocol")
	case *pg.Node_ListenStmt, *pg.Node_UnlistenStmt, *pg.Node_NotifyStmt:
		return nil, pgerr.New(pgerr.FeatureNotSupported, "LISTEN and NOTIFY are not supported")
	}
	return nil, pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute %s in a read-only transaction", commandName(raw.Stmt)).
		WithDetail("lakegate serves Iceberg tables read-only.")
}

func endsTransaction(k pg.TransactionStmtKind) bool {
	switch k {
	case pg.TransactionStmtKind_TRANS_STMT_ROLLBACK, pg.TransactionStmtKind_TRANS_STMT_COMMIT,
		pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_TO, pg.TransactionStmtKind_TRANS_STMT_ROLLBACK_PREPARED:
		return true
	}
	return false
}

// commandName is the SQL command a statement is, as PostgreSQL names it in messages.
func commandName(n *pg.Node) string {
	switch x := n.Node.(type) {
	case *pg.Node_InsertStmt:
		return "INSERT"
	case *pg.Node_UpdateStmt:
		return "UPDATE"
	case *pg.Node_DeleteStmt:
		return "DELETE"
	case *pg.Node_MergeStmt:
		return "MERGE"
	case *pg.Node_CreateStmt, *pg.Node_CreateTableAsStmt:
		return "CREATE TABLE"
	case *pg.Node_ViewStmt:
		return "CREATE VIEW"
	case *pg.Node_DropStmt:
		return "DROP " + strings.TrimPrefix(x.DropStmt.RemoveType.String(), "OBJECT_")
	case *pg.Node_TruncateStmt:
		return "TRUNCATE TABLE"
	case *pg.Node_AlterTableStmt:
		return "ALTER TABLE"
	case *pg.Node_CreateSchemaStmt:
		return "CREATE SCHEMA"
	case *pg.Node_IndexStmt:
		return "CREATE INDEX"
	case *pg.Node_GrantStmt:
		return "GRANT"
	case *pg.Node_VacuumStmt:
		return "VACUUM"
	case *pg.Node_LoadStmt:
		return "LOAD"
	case *pg.Node_CreatedbStmt:
		return "CREATE DATABASE"
	case *pg.Node_CreateFunctionStmt:
		return "CREATE FUNCTION"
	case *pg.Node_DoStmt:
		return "DO"
	case *pg.Node_CallStmt:
		return "CALL"
	}
	name := fmt.Sprintf("%T", n.Node)
	name = strings.TrimSuffix(strings.TrimPrefix(name, "*pg_query.Node_"), "Stmt")
	return strings.ToUpper(name)
}
