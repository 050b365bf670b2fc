package planner

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lakegate/lakegate/catalog"
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
	nameResultColumns(root) // before calls become constants, which would lose their names
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
				return
			}
			if repl, e := s.sessionFunction(name, x.FuncCall.Args); e != nil {
				err = e
			} else if repl != nil {
				n.Node = repl.Node
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
	if err != nil {
		return err
	}
	// Session-dependent catalog relations, after the function checks above (the
	// replacements call lakegate's own table macros).
	walkNodes(root, func(n *pg.Node) {
		rv := n.GetRangeVar()
		if rv == nil || rv.Catalogname != "" {
			return
		}
		switch {
		case rv.Schemaname == "information_schema":
			infoSchemaRelation(n, rv, s.db.Database)
		case rv.Relname == "pg_settings" && (rv.Schemaname == "" || rv.Schemaname == "pg_catalog"):
			s.settingsRelation(n, rv)
		}
	})
	return nil
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
	case "set_config":
		if len(args) == 3 {
			name, ok1 := stringConst(args[0])
			value, ok2 := stringConst(args[1])
			if ok1 && ok2 {
				if _, err := s.settings.Set(name, value, false); err == nil {
					v, _ := s.settings.Get(name)
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

// currentSchema is the first schema of search_path that exists, as PostgreSQL's
// current_schema() answers.
func (s *Session) currentSchema() string {
	for _, p := range s.existingSearchPath() {
		if p == "pg_catalog" || p == "information_schema" {
			continue
		}
		return p
	}
	return ""
}

func stringConst(n *pg.Node) (string, bool) {
	if tc := n.GetTypeCast(); tc != nil {
		n = tc.Arg
	}
	if c := n.GetAConst(); c != nil && c.GetSval() != nil {
		return c.GetSval().Sval, true
	}
	return "", false
}

// sessionFunction replaces calls whose answer depends on the session but is not a
// constant string: current_schemas(bool), pg_table_is_visible(oid), and
// current_setting of an unknown name (PostgreSQL's error, or NULL when missing_ok).
func (s *Session) sessionFunction(name string, args []*pg.Node) (*pg.Node, error) {
	switch name {
	case "current_schemas":
		if len(args) != 1 {
			return nil, nil
		}
		implicit := true
		if c := args[0].GetAConst(); c != nil && c.GetBoolval() != nil {
			implicit = c.GetBoolval().Boolval
		}
		var items []*pg.Node
		if implicit {
			items = append(items, &pg.Node{Node: constNode("pg_catalog")})
		}
		for _, p := range s.existingSearchPath() {
			if p != "pg_catalog" || !implicit {
				items = append(items, &pg.Node{Node: constNode(p)})
			}
		}
		return textArray(items), nil
	case "pg_table_is_visible":
		if len(args) != 1 {
			return nil, nil
		}
		var items []*pg.Node
		for _, p := range s.settings.SearchPath() {
			items = append(items, &pg.Node{Node: constNode(p)})
		}
		return &pg.Node{Node: call("lakegate_table_visible", args[0], textArray(items))}, nil
	case "current_setting":
		if len(args) == 0 {
			return nil, nil
		}
		c, ok := stringConst(args[0])
		if !ok {
			return nil, pgerr.New(pgerr.FeatureNotSupported, "current_setting needs a constant setting name")
		}
		if _, known := s.settings.Get(c); known {
			return nil, nil
		}
		if len(args) == 2 {
			if b := args[1].GetAConst(); b != nil && b.GetBoolval() != nil && b.GetBoolval().Boolval {
				return &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Isnull: true}}}, nil
			}
		}
		return nil, pgerr.New(pgerr.UndefinedParameter, "unrecognized configuration parameter %q", c)
	}
	return nil, nil
}

// textArray is ARRAY['a', 'b']::text[] (typed, so that an empty one is text[] too).
func textArray(items []*pg.Node) *pg.Node {
	arr := &pg.Node{Node: &pg.Node_AArrayExpr{AArrayExpr: &pg.A_ArrayExpr{Elements: items}}}
	return &pg.Node{Node: &pg.Node_TypeCast{TypeCast: &pg.TypeCast{Arg: arr, TypeName: &pg.TypeName{
		Names: []*pg.Node{pg.MakeStrNode("varchar")}, ArrayBounds: []*pg.Node{{Node: &pg.Node_Integer{Integer: &pg.Integer{Ival: -1}}}}, Typemod: -1}}}}
}

// existingSearchPath is search_path without the schemas that do not exist, as
// current_schemas reports it.
func (s *Session) existingSearchPath() []string {
	var out []string
	for _, p := range s.settings.SearchPath() {
		if p == "pg_catalog" || p == "information_schema" || p == "public" || s.schemaExists(p) {
			out = append(out, p)
		}
	}
	return out
}

// schemaExists reports whether a namespace of the session's catalog has the name.
func (s *Session) schemaExists(name string) bool {
	nss, err := s.db.Namespaces(context.Background())
	if err != nil {
		return false
	}
	return slices.Contains(nss, name)
}

// settingsRelation turns pg_settings into the session's settings as a VALUES list
// with PostgreSQL 15's columns.
func (s *Session) settingsRelation(n *pg.Node, rv *pg.RangeVar) {
	keys := make([]string, 0, len(s.settings.values))
	for k := range s.settings.values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	rows := make([]string, 0, len(keys))
	for _, k := range keys {
		v := s.settings.values[k]
		def := settings[k]
		context := "user"
		if def.readOnly {
			context = "internal"
		}
		vartype := "string"
		if _, err := strconv.Atoi(def.def); err == nil {
			vartype = "integer"
		}
		rows = append(rows, fmt.Sprintf("(%s, %s, NULL, 'lakegate', '', NULL, '%s', '%s', 'default', NULL, NULL, NULL, %s, %s, NULL, NULL, false)",
			catalog.QuoteLiteral(displayName(k)), catalog.QuoteLiteral(v), context, vartype,
			catalog.QuoteLiteral(def.def), catalog.QuoteLiteral(def.def)))
	}
	alias := "pg_settings"
	if rv.Alias != nil {
		alias = rv.Alias.Aliasname
	}
	sql := "SELECT * FROM (VALUES " + strings.Join(rows, ", ") + ") AS " + catalog.QuoteIdent(alias) +
		"(name, setting, unit, category, short_desc, extra_desc, context, vartype, source, min_val, max_val, enumvals, boot_val, reset_val, sourcefile, sourceline, pending_restart)"
	tree, err := pg.Parse(sql)
	if err != nil {
		return
	}
	n.Node = tree.Stmts[0].Stmt.GetSelectStmt().FromClause[0].Node
}
