package planner

import (
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
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
			if scalarInFrom(n, rf) {
				return
			}
			if rf.Alias != nil && len(rf.Alias.Colnames) == 0 && len(rf.Functions) == 1 && !rf.Ordinality && !returnsTable(rf) {
				rf.Alias.Colnames = []*pg.Node{pg.MakeStrNode(rf.Alias.Aliasname)}
			}
		case *pg.Node_AExpr:
			if len(x.AExpr.Name) == 2 && strVal(x.AExpr.Name[0]) == "pg_catalog" {
				x.AExpr.Name = x.AExpr.Name[1:]
			}
			if rewriteRegexOp(n, x.AExpr) {
				return
			}
			// array || array: PostgreSQL ignores a NULL array; DuckDB's || would be NULL.
			if len(x.AExpr.Name) == 1 && strVal(x.AExpr.Name[0]) == "||" && (isArrayExpr(x.AExpr.Lexpr) || isArrayExpr(x.AExpr.Rexpr)) {
				n.Node = call("list_concat", x.AExpr.Lexpr, x.AExpr.Rexpr)
				return
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
			if fn := names(x.FuncCall.Funcname); len(fn) == 2 && fn[0] == "information_schema" && fn[1] == "_pg_expandarray" {
				x.FuncCall.Funcname = []*pg.Node{pg.MakeStrNode("lakegate_pg_expandarray")}
			}
			if fn := names(x.FuncCall.Funcname); len(fn) == 1 && fn[0] == "format" {
				rewriteFormat(n, x.FuncCall)
			}
			// Functions taking a regclass accept the relation's name as a literal.
			if fn := names(x.FuncCall.Funcname); len(fn) == 1 && regclassFunctions[fn[0]] && len(x.FuncCall.Args) > 0 {
				if c := x.FuncCall.Args[0].GetAConst(); c != nil && c.GetSval() != nil {
					x.FuncCall.Args[0] = &pg.Node{Node: call("lakegate_regclass", x.FuncCall.Args[0])}
				}
			}
		case *pg.Node_TypeCast:
			rewriteRegCast(n, x.TypeCast)
		}
	})
}

// regclassFunctions take a regclass as their first argument.
var regclassFunctions = map[string]bool{"pg_relation_size": true, "pg_total_relation_size": true,
	"pg_table_size": true, "pg_indexes_size": true}

// setReturning are the functions in FROM that DuckDB has as table functions.
var setReturning = map[string]bool{"generate_series": true, "unnest": true, "generate_subscripts": true,
	"range": true, "pg_get_keywords": true, "json_each": true, "json_array_elements": true, "regexp_matches": true}

// scalarInFrom turns FROM f(...) s, with f a scalar function (string_to_array,
// current_schemas, ...), into FROM (SELECT f(...) AS s) s: PostgreSQL allows any
// function in FROM, DuckDB only table functions.
func scalarInFrom(n *pg.Node, rf *pg.RangeFunction) bool {
	if len(rf.Functions) != 1 || rf.Ordinality || rf.Lateral {
		return false
	}
	l := rf.Functions[0].GetList()
	if l == nil || len(l.Items) == 0 || l.Items[0].GetFuncCall() == nil {
		return false
	}
	fn := names(l.Items[0].GetFuncCall().Funcname)
	if fn[0] == pgSchema || setReturning[fn[len(fn)-1]] {
		return false
	}
	alias := rf.Alias
	if alias == nil {
		alias = &pg.Alias{Aliasname: fn[len(fn)-1]}
	}
	col := alias.Aliasname
	if len(alias.Colnames) == 1 {
		col = strVal(alias.Colnames[0])
	}
	sel := &pg.SelectStmt{TargetList: []*pg.Node{{Node: &pg.Node_ResTarget{ResTarget: &pg.ResTarget{Name: col, Val: l.Items[0]}}}},
		LimitOption: pg.LimitOption_LIMIT_OPTION_DEFAULT, Op: pg.SetOperation_SETOP_NONE}
	n.Node = &pg.Node_RangeSubselect{RangeSubselect: &pg.RangeSubselect{
		Subquery: &pg.Node{Node: &pg.Node_SelectStmt{SelectStmt: sel}},
		Alias:    &pg.Alias{Aliasname: alias.Aliasname},
	}}
	return true
}

// returnsTable reports whether a FROM function returns rows of several named
// columns: lakegate's table macros and pg_get_keywords.
func returnsTable(rf *pg.RangeFunction) bool {
	l := rf.Functions[0].GetList()
	if l == nil || len(l.Items) == 0 || l.Items[0].GetFuncCall() == nil {
		return false
	}
	fn := names(l.Items[0].GetFuncCall().Funcname)
	return fn[0] == pgSchema || fn[len(fn)-1] == "pg_get_keywords"
}

// rewriteRegexOp turns PostgreSQL's regular-expression match operators (~, ~*, !~,
// !~*), which find a match anywhere, into regexp_matches: DuckDB's ~ must match the
// whole string.
func rewriteRegexOp(n *pg.Node, a *pg.A_Expr) bool {
	if a.Kind != pg.A_Expr_Kind_AEXPR_OP || len(a.Name) != 1 || a.Lexpr == nil || a.Rexpr == nil {
		return false
	}
	var negate bool
	args := []*pg.Node{a.Lexpr, a.Rexpr}
	switch strVal(a.Name[0]) {
	case "~":
	case "!~":
		negate = true
	case "~*":
		args = append(args, &pg.Node{Node: constNode("i")})
	case "!~*":
		negate = true
		args = append(args, &pg.Node{Node: constNode("i")})
	default:
		return false
	}
	m := &pg.Node{Node: call("regexp_matches", args...)}
	if !negate {
		n.Node = m.Node
		return true
	}
	n.Node = &pg.Node_BoolExpr{BoolExpr: &pg.BoolExpr{Boolop: pg.BoolExprType_NOT_EXPR, Args: []*pg.Node{m}}}
	return true
}

// rewriteFormat turns PostgreSQL's format('...%s...%I...', args) with a constant
// format string into concat(...) (DuckDB's format has another syntax). %s renders
// NULL as empty, %I quotes an identifier, %L a literal, %% is a percent sign.
func rewriteFormat(n *pg.Node, fc *pg.FuncCall) {
	if len(fc.Args) == 0 {
		return
	}
	f, ok := stringConst(fc.Args[0])
	if !ok {
		return
	}
	var parts []*pg.Node
	var lit strings.Builder
	next := 1
	flush := func() {
		if lit.Len() > 0 {
			parts = append(parts, &pg.Node{Node: constNode(lit.String())})
			lit.Reset()
		}
	}
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 >= len(f) {
			lit.WriteByte(f[i])
			continue
		}
		i++
		if f[i] == '%' {
			lit.WriteByte('%')
			continue
		}
		if next >= len(fc.Args) || (f[i] != 's' && f[i] != 'I' && f[i] != 'L') {
			return // positional or width specifiers: leave the call as it is
		}
		flush()
		arg := fc.Args[next]
		next++
		switch f[i] {
		case 's':
			parts = append(parts, arg)
		case 'I':
			parts = append(parts, &pg.Node{Node: call("quote_ident", arg)})
		case 'L':
			parts = append(parts, &pg.Node{Node: call("quote_nullable", arg)})
		}
	}
	flush()
	if len(parts) == 0 {
		n.Node = constNode("")
		return
	}
	n.Node = call("concat", parts...)
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

// rewriteRegCast rewrites casts to OID alias types, which DuckDB lacks:
//   - text to regclass/regtype/regnamespace looks the name up and yields its OID;
//   - text to regproc/regprocedure yields the function's bare name, the form the
//     regproc columns of lakegate_pg hold;
//   - an OID to regclass/regtype/regnamespace cast on to text yields the name;
//   - other casts to OID types become BIGINT.
func rewriteRegCast(n *pg.Node, tc *pg.TypeCast) {
	if rewriteArrayLiteral(tc) {
		return
	}
	tn := tc.TypeName
	if tn != nil && len(tn.Names) == 2 && strVal(tn.Names[0]) == "pg_catalog" {
		tn.Names = tn.Names[1:]
	}
	name := typeName(tn)
	if inner := tc.Arg.GetTypeCast(); inner != nil && (name == "text" || name == "varchar" || name == "name") {
		fn := map[string]string{"regtype": "format_type", "regclass": "lakegate_relname", "regnamespace": "lakegate_nspname",
			"regproc": "", "regprocedure": ""}
		if f, ok := fn[typeName(inner.TypeName)]; ok {
			if f == "" {
				rewriteRegCast(tc.Arg, inner) // regproc: the bare name
				return
			}
			arg := inner.Arg
			if isTextual(arg) { // 'name'::regclass::text: look the name up first
				rewriteRegCast(tc.Arg, inner)
				arg = tc.Arg
			}
			args := []*pg.Node{arg}
			if f == "format_type" {
				args = append(args, &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Isnull: true}}})
			}
			n.Node = call(f, args...)
			return
		}
	}
	if !regTypes[name] {
		return
	}
	textual := isTextual(tc.Arg)
	switch {
	case textual && name == "regclass":
		n.Node = call("lakegate_regclass", tc.Arg)
	case textual && name == "regtype":
		n.Node = call("lakegate_type_oid", tc.Arg)
	case textual && name == "regnamespace":
		n.Node = call("lakegate_nspoid", tc.Arg)
	case textual && (name == "regproc" || name == "regprocedure"):
		if c := tc.Arg.GetAConst(); c != nil && c.GetSval() != nil {
			fn := strings.TrimPrefix(c.GetSval().Sval, "pg_catalog.")
			if i := strings.IndexByte(fn, '('); i >= 0 {
				fn = fn[:i]
			}
			n.Node = constNode(fn)
			return
		}
		n.Node = tc.Arg.Node
	case name == "regproc" || name == "regprocedure":
		n.Node = tc.Arg.Node // regproc columns already hold names
	default:
		tn.Names = []*pg.Node{pg.MakeStrNode("int8")}
	}
}

// rewriteArrayLiteral turns '{a,"b c",NULL}'::t[] (PostgreSQL's array input syntax,
// which DuckDB does not read) into ARRAY['a', 'b c', NULL]::t[]. Only
// one-dimensional literals are rewritten.
func rewriteArrayLiteral(tc *pg.TypeCast) bool {
	c := tc.Arg.GetAConst()
	if c == nil || c.GetSval() == nil || tc.TypeName == nil || len(tc.TypeName.ArrayBounds) != 1 {
		return false
	}
	elems, ok := parseArrayLiteral(c.GetSval().Sval)
	if !ok {
		return false
	}
	items := make([]*pg.Node, len(elems))
	for i, e := range elems {
		if e == nil {
			items[i] = &pg.Node{Node: &pg.Node_AConst{AConst: &pg.A_Const{Isnull: true}}}
		} else {
			items[i] = &pg.Node{Node: constNode(*e)}
		}
	}
	tc.Arg = &pg.Node{Node: &pg.Node_AArrayExpr{AArrayExpr: &pg.A_ArrayExpr{Elements: items}}}
	return true
}

// parseArrayLiteral reads a one-dimensional PostgreSQL array literal; nil elements
// are NULLs.
func parseArrayLiteral(s string) ([]*string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, false
	}
	body := s[1 : len(s)-1]
	if strings.TrimSpace(body) == "" {
		return nil, true
	}
	var out []*string
	for i := 0; i <= len(body); {
		for i < len(body) && body[i] == ' ' {
			i++
		}
		var b strings.Builder
		quoted := i < len(body) && body[i] == '"'
		if quoted {
			i++
			for i < len(body) && body[i] != '"' {
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				b.WriteByte(body[i])
				i++
			}
			if i >= len(body) {
				return nil, false
			}
			i++ // closing quote
		} else {
			for i < len(body) && body[i] != ',' {
				if body[i] == '{' || body[i] == '"' {
					return nil, false // nested arrays or stray quotes
				}
				if body[i] == '\\' && i+1 < len(body) {
					i++
				}
				b.WriteByte(body[i])
				i++
			}
		}
		v := b.String()
		if !quoted {
			v = strings.TrimSpace(v)
		}
		if !quoted && strings.EqualFold(v, "NULL") {
			out = append(out, nil)
		} else {
			out = append(out, &v)
		}
		for i < len(body) && body[i] == ' ' {
			i++
		}
		if i < len(body) && body[i] != ',' {
			return nil, false
		}
		i++
	}
	return out, true
}

// isTextual reports whether an expression is text as written: a string constant, a
// cast to text or a call of a string function (format, concat, quote_ident, ||).
func isTextual(n *pg.Node) bool {
	switch x := n.Node.(type) {
	case *pg.Node_AConst:
		return x.AConst.GetSval() != nil
	case *pg.Node_TypeCast:
		t := typeName(x.TypeCast.TypeName)
		return t == "text" || t == "varchar" || t == "name" || t == "bpchar"
	case *pg.Node_FuncCall:
		fn := names(x.FuncCall.Funcname)
		switch strings.ToLower(fn[len(fn)-1]) {
		case "format", "concat", "concat_ws", "quote_ident", "lower", "upper", "replace", "trim", "btrim":
			return true
		}
	case *pg.Node_AExpr:
		return len(x.AExpr.Name) == 1 && strVal(x.AExpr.Name[0]) == "||"
	}
	return false
}

// call builds a function call node.
func call(fn string, args ...*pg.Node) *pg.Node_FuncCall {
	return &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode(fn)}, Args: args}}
}

// CompatSetup creates the functions PostgreSQL clients call on the catalog that DuckDB
// lacks. It runs once in the engine before its configuration is locked.
var CompatSetup = []string{
	`CREATE MACRO pg_get_userbyid(id) AS 'lakegate'`,
	`CREATE MACRO pg_encoding_to_char(id) AS 'UTF8'`,
	`CREATE MACRO pg_get_statisticsobjdef_columns(id) AS NULL::VARCHAR`,
	`CREATE MACRO pg_relation_is_publishable(id) AS false`,
	`CREATE MACRO pg_tablespace_location(id) AS ''`,
	`CREATE MACRO pg_backend_pid() AS 0`,
	`CREATE MACRO pg_postmaster_start_time() AS TIMESTAMPTZ '2026-01-01 00:00:00+00'`,
	`CREATE MACRO pg_get_expr(e, rel) AS e::VARCHAR, (e, rel, pretty) AS e::VARCHAR`,
	`CREATE MACRO array_upper(a, d) AS CASE WHEN len(a) > 0 THEN len(a) END`,
	`CREATE MACRO array_lower(a, d) AS CASE WHEN len(a) > 0 THEN 1 END`,
	`CREATE MACRO lakegate_div(a, b) AS CASE WHEN b = 0 THEN error('division by zero') ELSE a / b END`,
	`CREATE MACRO lakegate_mod(a, b) AS CASE WHEN b = 0 THEN error('division by zero') ELSE a % b END`,
	`CREATE MACRO txid_current() AS 1::BIGINT`,
	`CREATE MACRO quote_ident(s) AS CASE WHEN regexp_matches(s, '^[a-z_][a-z0-9_$]*$') THEN s ELSE '"' || replace(s, '"', '""') || '"' END`,
}

// isArrayExpr reports whether an expression is an array as written: ARRAY[...] or
// ARRAY(subquery).
func isArrayExpr(n *pg.Node) bool {
	if n == nil {
		return false
	}
	if n.GetAArrayExpr() != nil {
		return true
	}
	sl := n.GetSubLink()
	return sl != nil && sl.SubLinkType == pg.SubLinkType_ARRAY_SUBLINK
}
