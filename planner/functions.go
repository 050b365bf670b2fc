package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lakegate/lakegate/pgerr"
)

// checkReadOnly refuses SELECT INTO and row locks, which write in PostgreSQL.
func checkReadOnly(root *pg.Node) error {
	var err error
	walk(root, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.IntoClause:
			err = pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute SELECT INTO in a read-only transaction")
		case *pg.LockingClause:
			err = pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute SELECT %s in a read-only transaction", lockName(x.Strength))
		case *pg.InsertStmt, *pg.UpdateStmt, *pg.DeleteStmt, *pg.MergeStmt:
			err = pgerr.New(pgerr.ReadOnlySQLTransaction, "cannot execute a data-modifying WITH in a read-only transaction")
		}
		return err == nil
	})
	return err
}

func lockName(s pg.LockClauseStrength) string {
	switch s {
	case pg.LockClauseStrength_LCS_FORKEYSHARE:
		return "FOR KEY SHARE"
	case pg.LockClauseStrength_LCS_FORSHARE:
		return "FOR SHARE"
	case pg.LockClauseStrength_LCS_FORNOKEYUPDATE:
		return "FOR NO KEY UPDATE"
	}
	return "FOR UPDATE"
}

// deniedFunctions reach outside the lake (files, the engine's own state) through
// DuckDB. The sandbox blocks most of them already; refusing them here gives a clear
// error and keeps raw warehouse files (which would bypass Iceberg deletes) unreadable.
var deniedPrefixes = []string{"read_", "parquet_", "iceberg_", "delta_", "sniff_", "duckdb_", "pragma_", "json_execute", "query", "glob", "getenv", "write_", "export_", "import_", "copy_", "checkpoint", "force_checkpoint", "install", "load_", "enable_", "disable_", "set_"}

func denied(name string) bool {
	if name == "set_config" {
		return false
	}
	for _, p := range deniedPrefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// rewriteFunctions refuses denied functions and answers session functions
// (current_database(), version(), current_user, ...) with constants, since the
// engine would give its own answers.
func (s *Session) rewriteFunctions(root *pg.Node) error {
	var err error
	walkNodes(root, func(n *pg.Node) {
		if err != nil {
			return
		}
		switch x := n.Node.(type) {
		case *pg.Node_FuncCall:
			fn := names(x.FuncCall.Funcname)
			name := strings.ToLower(fn[len(fn)-1])
			if len(fn) > 1 && fn[0] != "pg_catalog" && fn[0] != "information_schema" {
				err = pgerr.New(pgerr.UndefinedFunction, "function %s does not exist", strings.Join(fn, "."))
				return
			}
			if denied(name) {
				err = pgerr.New(pgerr.InsufficientPrivilege, "function %s is not allowed: lakegate reads Iceberg tables only", name)
				return
			}
			if v, ok := s.constantFunction(name, x.FuncCall.Args); ok {
				n.Node = constNode(v)
			}
		case *pg.Node_SqlvalueFunction:
			if v, ok := s.sqlValue(x.SqlvalueFunction.Op); ok {
				n.Node = constNode(v)
			}
		case *pg.Node_RangeFunction:
			// Table functions in FROM: generate_series and unnest are fine; anything
			// reading files is caught by the FuncCall case above.
		}
	})
	return err
}

func constNode(v string) *pg.Node_AConst {
	return &pg.Node_AConst{AConst: &pg.A_Const{Val: &pg.A_Const_Sval{Sval: &pg.String{Sval: v}}}}
}

func (s *Session) constantFunction(name string, args []*pg.Node) (string, bool) {
	switch name {
	case "current_database", "current_catalog":
		return s.db.Database, len(args) == 0
	case "version":
		return VersionString, len(args) == 0
	case "current_user", "session_user", "user", "current_role":
		return s.user, len(args) == 0
	case "current_schema":
		if len(args) == 0 {
			return s.currentSchema(), true
		}
	case "current_setting":
		if len(args) >= 1 {
			if c := args[0].GetAConst(); c != nil && c.GetSval() != nil {
				if v, ok := s.settings.Get(c.GetSval().Sval); ok {
					return v, true
				}
			}
		}
	case "pg_backend_pid":
		return "", false
	}
	return "", false
}

func (s *Session) sqlValue(op pg.SQLValueFunctionOp) (string, bool) {
	switch op {
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_USER, pg.SQLValueFunctionOp_SVFOP_SESSION_USER,
		pg.SQLValueFunctionOp_SVFOP_USER, pg.SQLValueFunctionOp_SVFOP_CURRENT_ROLE:
		return s.user, true
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_CATALOG:
		return s.db.Database, true
	case pg.SQLValueFunctionOp_SVFOP_CURRENT_SCHEMA:
		return s.currentSchema(), true
	}
	return "", false
}

// currentSchema is the first schema of search_path that exists.
func (s *Session) currentSchema() string {
	path := s.settings.SearchPath()
	for _, p := range path {
		if p == "pg_catalog" || p == "information_schema" {
			continue
		}
		return p
	}
	return ""
}
