package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/catalog"
)

// rewriteCompat turns PostgreSQL spellings DuckDB does not parse or resolve into ones
// it does: OPERATOR(pg_catalog.~) becomes ~, COLLATE pg_catalog."default" is dropped,
// and pg_catalog.f(...) calls become f(...), found among DuckDB's built-ins or the
// macros in CompatSetup.
func rewriteCompat(root *pg.Node) {
	walkNodes(root, func(n *pg.Node) {
		switch x := n.Node.(type) {
		case *pg.Node_RangeFunction:
			// FROM f(...) s: in PostgreSQL s also names the column of a scalar function;
			// DuckDB needs it said: f(...) s(s).
			rf := x.RangeFunction
			if rf.Alias != nil && len(rf.Alias.Colnames) == 0 && len(rf.Functions) == 1 && !rf.Ordinality {
				rf.Alias.Colnames = []*pg.Node{pg.MakeStrNode(rf.Alias.Aliasname)}
			}
		case *pg.Node_AExpr:
			if len(x.AExpr.Name) == 2 && strVal(x.AExpr.Name[0]) == "pg_catalog" {
				x.AExpr.Name = x.AExpr.Name[1:]
			}
			// PostgreSQL raises 22012 on division by zero where DuckDB returns NULL.
			if op := strVal(x.AExpr.Name[0]); x.AExpr.Kind == pg.A_Expr_Kind_AEXPR_OP && len(x.AExpr.Name) == 1 &&
				(op == "/" || op == "%") && x.AExpr.Lexpr != nil && x.AExpr.Rexpr != nil {
				fn := map[string]string{"/": "lakegate_div", "%": "lakegate_mod"}[op]
				n.Node = &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode(fn)},
					Args: []*pg.Node{x.AExpr.Lexpr, x.AExpr.Rexpr}, Location: x.AExpr.Location}}
			}
		case *pg.Node_CollateClause:
			if x.CollateClause.Arg != nil {
				n.Node = x.CollateClause.Arg.Node
			}
		case *pg.Node_FuncCall:
			if len(x.FuncCall.Funcname) == 2 && strVal(x.FuncCall.Funcname[0]) == "pg_catalog" {
				x.FuncCall.Funcname = x.FuncCall.Funcname[1:]
			}
		case *pg.Node_TypeCast:
			rewriteRegCast(n, x.TypeCast)
		}
	})
}

// regTypes are PostgreSQL's OID alias types; DuckDB has none, so values stay OIDs.
var regTypes = map[string]bool{"regclass": true, "regtype": true, "regproc": true, "regprocedure": true,
	"regnamespace": true, "regrole": true, "regoper": true, "oid": true}

func typeName(tn *pg.TypeName) string {
	if tn == nil || len(tn.Names) == 0 {
		return ""
	}
	return strVal(tn.Names[len(tn.Names)-1])
}

// rewriteRegCast rewrites casts to OID alias types: 'name'::regclass becomes a lookup
// of the relation's OID, x::regtype::text becomes format_type(x, NULL), other casts
// to OID types become BIGINT.
func rewriteRegCast(n *pg.Node, tc *pg.TypeCast) {
	tn := tc.TypeName
	if tn != nil && len(tn.Names) == 2 && strVal(tn.Names[0]) == "pg_catalog" {
		tn.Names = tn.Names[1:]
	}
	name := typeName(tn)
	if inner := tc.Arg.GetTypeCast(); inner != nil && typeName(inner.TypeName) == "regtype" && (name == "text" || name == "varchar") {
		n.Node = &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode("format_type")},
			Args: []*pg.Node{inner.Arg, {Node: &pg.Node_AConst{AConst: &pg.A_Const{Isnull: true}}}}}}
		return
	}
	if !regTypes[name] {
		return
	}
	if c := tc.Arg.GetAConst(); c != nil && c.GetSval() != nil && name == "regclass" {
		rel := c.GetSval().Sval
		if i := strings.LastIndexByte(rel, '.'); i >= 0 {
			rel = rel[i+1:]
		}
		rel = strings.Trim(rel, `"`)
		sub, err := pg.Parse("SELECT (SELECT min(oid) FROM " + pgSchema + ".pg_class WHERE relname = " + catalog.QuoteLiteral(rel) + ")")
		if err == nil {
			n.Node = sub.Stmts[0].Stmt.GetSelectStmt().TargetList[0].GetResTarget().Val.Node
			return
		}
	}
	if c := tc.Arg.GetAConst(); c != nil && c.GetSval() != nil && name == "regtype" {
		n.Node = &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode("lakegate_type_oid")},
			Args: []*pg.Node{tc.Arg}}}
		return
	}
	tn.Names = []*pg.Node{pg.MakeStrNode("int8")}
}

// CompatSetup creates the functions PostgreSQL clients call on the catalog that DuckDB
// lacks. It runs once in the engine before its configuration is locked.
var CompatSetup = []string{
	`CREATE MACRO pg_get_userbyid(id) AS 'lakegate'`,
	`CREATE MACRO pg_encoding_to_char(id) AS 'UTF8'`,
	`CREATE MACRO pg_get_function_result(id) AS NULL::VARCHAR`,
	`CREATE MACRO pg_get_function_arguments(id) AS NULL::VARCHAR`,
	`CREATE MACRO pg_get_indexdef(a, b := 0, c := false) AS NULL::VARCHAR`,
	`CREATE MACRO pg_get_statisticsobjdef_columns(id) AS NULL::VARCHAR`,
	`CREATE MACRO pg_relation_is_publishable(id) AS false`,
	`CREATE MACRO pg_tablespace_location(id) AS ''`,
	`CREATE MACRO pg_backend_pid() AS 0`,
	`CREATE MACRO pg_postmaster_start_time() AS TIMESTAMPTZ '2026-01-01 00:00:00+00'`,
	`CREATE MACRO lakegate_type_oid(name) AS (SELECT min(oid) FROM pg_catalog.pg_type WHERE typname = name)`,
	`CREATE MACRO pg_get_expr(e, rel) AS e::VARCHAR, (e, rel, pretty) AS e::VARCHAR`,
	`CREATE MACRO pg_get_constraintdef(id) AS NULL::VARCHAR, (id, pretty) AS NULL::VARCHAR`,
	`CREATE MACRO pg_function_is_visible(id) AS true`,
	`CREATE MACRO array_upper(a, d) AS CASE WHEN len(a) > 0 THEN len(a) END`,
	`CREATE MACRO array_lower(a, d) AS CASE WHEN len(a) > 0 THEN 1 END`,
	`CREATE MACRO format_type(t, typmod) AS CASE t
		WHEN 16 THEN 'boolean' WHEN 17 THEN 'bytea' WHEN 20 THEN 'bigint' WHEN 21 THEN 'smallint'
		WHEN 23 THEN 'integer' WHEN 25 THEN 'text' WHEN 700 THEN 'real' WHEN 701 THEN 'double precision'
		WHEN 1043 THEN 'text' WHEN 1082 THEN 'date' WHEN 1083 THEN 'time without time zone'
		WHEN 1114 THEN 'timestamp without time zone' WHEN 1184 THEN 'timestamp with time zone'
		WHEN 1700 THEN CASE WHEN typmod > 4 THEN 'numeric(' || ((typmod - 4) >> 16) || ',' || ((typmod - 4) & 65535) || ')' ELSE 'numeric' END
		WHEN 2950 THEN 'uuid' WHEN 114 THEN 'json'
		ELSE (SELECT min(typname) FROM pg_catalog.pg_type WHERE oid = t) END`,
	`CREATE MACRO lakegate_div(a, b) AS CASE WHEN b = 0 THEN error('division by zero') ELSE a / b END`,
	`CREATE MACRO lakegate_mod(a, b) AS CASE WHEN b = 0 THEN error('division by zero') ELSE a % b END`,
	`CREATE MACRO txid_current() AS 1::BIGINT`,
	`CREATE MACRO quote_ident(s) AS CASE WHEN regexp_matches(s, '^[a-z_][a-z0-9_$]*$') THEN s ELSE '"' || replace(s, '"', '""') || '"' END`,
}
