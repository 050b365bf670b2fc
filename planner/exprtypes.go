package planner

import (
	"strconv"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"github.com/lakegate/lakegate/catalog"
)

// PostgreSQL types of expressions, as far as the planner needs them to rewrite
// what DuckDB computes differently (tzrewrite.go). Types are PostgreSQL's
// canonical names ("timestamptz", "int4", "numeric", ...); "unknown" is an
// untyped string literal, whose type PostgreSQL takes from its context; ""
// means the type is not known, and callers then leave the expression alone.

// Type names the inference produces.
const (
	tyUnknownLit  = "unknown"
	tyTimestamptz = "timestamptz"
	tyTimestamp   = "timestamp"
	tyDate        = "date"
	tyTime        = "time"
	tyInterval    = "interval"
)

// exprTyper infers expression types over a statement whose lake tables are
// scan placeholders.
type exprTyper struct {
	scans   map[string]*scanRef
	ctes    map[string][]scopeCol
	outputs map[*pg.SelectStmt][]scopeCol
	// textBranches are CASE and COALESCE branches whose DuckDB text is
	// PostgreSQL's numeric text (numeric_text.go).
	textBranches map[*pg.Node]bool
}

func newExprTyper(scans []*scanRef) *exprTyper {
	ty := &exprTyper{scans: map[string]*scanRef{}, ctes: map[string][]scopeCol{}, outputs: map[*pg.SelectStmt][]scopeCol{}}
	for _, r := range scans {
		ty.scans[r.placeholder] = r
	}
	return ty
}

// scanColumnTypes lists a lake scan's columns with their PostgreSQL types.
func scanColumnTypes(r *scanRef) ([]scopeCol, bool) {
	if r.meta != "" {
		mt, ok := metaTables[r.meta]
		if !ok {
			return nil, false
		}
		out := make([]scopeCol, len(mt.columns))
		for i, c := range mt.columns {
			out[i] = scopeCol{c.name, duckToPGType(c.typ)}
		}
		return out, true
	}
	if r.schema == nil {
		return nil, false
	}
	fields := r.schema.Fields()
	out := make([]scopeCol, len(fields))
	for i, f := range fields {
		out[i] = scopeCol{f.Name, oidTypeName(catalog.PostgresType(f.Type).OID)}
	}
	return out, true
}

func oidTypeName(oid uint32) string {
	switch oid {
	case catalog.OIDBool:
		return "bool"
	case catalog.OIDInt2:
		return "int2"
	case catalog.OIDInt4:
		return "int4"
	case catalog.OIDInt8:
		return "int8"
	case catalog.OIDFloat4:
		return "float4"
	case catalog.OIDFloat8:
		return "float8"
	case catalog.OIDNumeric:
		return "numeric"
	case catalog.OIDText:
		return "text"
	case catalog.OIDDate:
		return tyDate
	case catalog.OIDTime:
		return tyTime
	case catalog.OIDTimestamp:
		return tyTimestamp
	case catalog.OIDTimestamptz:
		return tyTimestamptz
	}
	return ""
}

func duckToPGType(t string) string {
	switch t {
	case "TIMESTAMPTZ":
		return tyTimestamptz
	case "TIMESTAMP":
		return tyTimestamp
	case "BIGINT":
		return "int8"
	case "INTEGER":
		return "int4"
	case "VARCHAR":
		return "text"
	case "BOOLEAN":
		return "bool"
	case "DATE":
		return tyDate
	}
	return ""
}

// typeNameOf normalises a cast's type name; arrays and unknown names give "".
func typeNameOf(tn *pg.TypeName) string {
	if tn == nil || len(tn.ArrayBounds) > 0 || len(tn.Names) == 0 {
		return ""
	}
	switch n := strings.ToLower(strVal(tn.Names[len(tn.Names)-1])); n {
	case "timestamptz", "timestamp", "date", "time", "timetz", "interval", "numeric", "int2", "int4", "int8",
		"float4", "float8", "text", "bool", "bytea", "uuid", "json", "jsonb":
		return n
	case "decimal":
		return "numeric"
	case "smallint":
		return "int2"
	case "int", "integer":
		return "int4"
	case "bigint":
		return "int8"
	case "real":
		return "float4"
	case "varchar", "bpchar", "char", "name", "character varying", "character":
		return "text"
	case "boolean":
		return "bool"
	}
	return ""
}

// numericRank orders the numeric types by PostgreSQL's implicit promotions.
var numericRank = map[string]int{"int2": 1, "int4": 2, "int8": 3, "numeric": 4, "float4": 5, "float8": 6}

// typeOf returns the PostgreSQL type of an expression, "" when not known.
func (ty *exprTyper) typeOf(n *pg.Node, sc *exprScope) string {
	if n == nil {
		return ""
	}
	switch x := n.Node.(type) {
	case *pg.Node_ColumnRef:
		f := names(x.ColumnRef.Fields)
		if len(f) == 0 || x.ColumnRef.Fields[len(f)-1].GetAStar() != nil {
			return ""
		}
		if len(f) > 2 {
			f = f[len(f)-2:]
		}
		return sc.lookup(f)
	case *pg.Node_AConst:
		c := x.AConst
		switch {
		case c.Isnull:
			return ""
		case c.GetIval() != nil:
			return "int4"
		case c.GetFval() != nil:
			s := c.GetFval().Fval
			if strings.ContainsAny(s, "eE") {
				return "" // numeric in PostgreSQL, a double in DuckDB
			}
			if !strings.Contains(s, ".") {
				if _, err := strconv.ParseInt(s, 10, 64); err == nil {
					return "int8"
				}
			}
			return "numeric"
		case c.GetSval() != nil:
			return tyUnknownLit
		case c.GetBoolval() != nil:
			return "bool"
		}
	case *pg.Node_TypeCast:
		return typeNameOf(x.TypeCast.TypeName)
	case *pg.Node_CollateClause:
		return ty.typeOf(x.CollateClause.Arg, sc)
	case *pg.Node_BoolExpr, *pg.Node_NullTest, *pg.Node_BooleanTest:
		return "bool"
	case *pg.Node_GroupingFunc:
		return "int4"
	case *pg.Node_SqlvalueFunction:
		switch x.SqlvalueFunction.Op {
		case pg.SQLValueFunctionOp_SVFOP_CURRENT_DATE:
			return tyDate
		case pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP, pg.SQLValueFunctionOp_SVFOP_CURRENT_TIMESTAMP_N:
			return tyTimestamptz
		case pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP, pg.SQLValueFunctionOp_SVFOP_LOCALTIMESTAMP_N:
			return tyTimestamp
		case pg.SQLValueFunctionOp_SVFOP_LOCALTIME, pg.SQLValueFunctionOp_SVFOP_LOCALTIME_N:
			return tyTime
		}
		return "text"
	case *pg.Node_CaseExpr:
		var args []*pg.Node
		for _, w := range x.CaseExpr.Args {
			if cw := w.GetCaseWhen(); cw != nil {
				args = append(args, cw.Result)
			}
		}
		if x.CaseExpr.Defresult != nil {
			args = append(args, x.CaseExpr.Defresult)
		}
		return ty.commonType(args, sc)
	case *pg.Node_CoalesceExpr:
		return ty.commonType(x.CoalesceExpr.Args, sc)
	case *pg.Node_MinMaxExpr:
		return ty.commonType(x.MinMaxExpr.Args, sc)
	case *pg.Node_SubLink:
		if x.SubLink.SubLinkType != pg.SubLinkType_EXPR_SUBLINK {
			if x.SubLink.SubLinkType == pg.SubLinkType_ARRAY_SUBLINK {
				return ""
			}
			return "bool"
		}
		if sel := x.SubLink.Subselect.GetSelectStmt(); sel != nil {
			if cols := ty.outputs[sel]; len(cols) == 1 {
				return cols[0].typ
			}
		}
	case *pg.Node_AExpr:
		return ty.aexprType(x.AExpr, sc)
	case *pg.Node_FuncCall:
		return ty.funcType(x.FuncCall, sc)
	}
	return ""
}

// commonType is the type of CASE/COALESCE branches: the one known type all typed
// branches share (untyped literals and NULLs take it), else "".
func (ty *exprTyper) commonType(args []*pg.Node, sc *exprScope) string {
	out := ""
	for _, a := range args {
		if c := a.GetAConst(); c != nil && c.Isnull {
			continue
		}
		t := ty.typeOf(a, sc)
		switch {
		case t == "":
			return ""
		case t == tyUnknownLit:
			continue
		case out == "":
			out = t
		case out != t && numericRank[out] > 0 && numericRank[t] > 0 && (out == "float4") == (t == "float4"):
			if numericRank[t] > numericRank[out] {
				out = t // integers and numerics resolve to the widest
			}
		case out != t:
			return ""
		}
	}
	return out
}

func (ty *exprTyper) aexprType(a *pg.A_Expr, sc *exprScope) string {
	switch a.Kind {
	case pg.A_Expr_Kind_AEXPR_OP:
	case pg.A_Expr_Kind_AEXPR_NULLIF:
		return ty.typeOf(a.Lexpr, sc)
	default:
		return "bool" // IN, LIKE, BETWEEN, DISTINCT, ANY/ALL
	}
	if len(a.Name) != 1 {
		return ""
	}
	op := strVal(a.Name[0])
	if a.Lexpr == nil {
		if op == "-" || op == "+" {
			return ty.typeOf(a.Rexpr, sc)
		}
		return ""
	}
	l, r := ty.typeOf(a.Lexpr, sc), ty.typeOf(a.Rexpr, sc)
	switch op {
	case "=", "<>", "!=", "<", ">", "<=", ">=", "~~", "!~~", "~~*", "!~~*", "~", "!~", "~*", "!~*":
		return "bool"
	case "||":
		if l == "text" || r == "text" || l == tyUnknownLit && r == tyUnknownLit {
			return "text"
		}
		return ""
	}
	if t, ok := dateTimeArith(op, l, r); ok {
		return t
	}
	if l == tyUnknownLit {
		l = r
	}
	if r == tyUnknownLit {
		r = l
	}
	rl, rr := numericRank[l], numericRank[r]
	if rl == 0 || rr == 0 {
		return ""
	}
	switch op {
	case "+", "-", "*", "/", "%":
		if (l == "float4") != (r == "float4") && (rl >= 4 || rr >= 4) {
			return "" // float4 mixed with numeric or float8: not worth guessing
		}
		if rl > rr {
			return l
		}
		return r
	}
	return ""
}

// dateTimeArith types + and - over dates, times and intervals as PostgreSQL's
// operators do.
func dateTimeArith(op, l, r string) (string, bool) {
	if op != "+" && op != "-" && op != "*" && op != "/" {
		return "", false
	}
	isNum := func(t string) bool { return numericRank[t] > 0 }
	switch {
	case op == "+" && (l == tyTimestamptz && r == tyInterval || l == tyInterval && r == tyTimestamptz):
		return tyTimestamptz, true
	case op == "-" && l == tyTimestamptz && r == tyInterval:
		return tyTimestamptz, true
	case op == "+" && (l == tyTimestamp && r == tyInterval || l == tyInterval && r == tyTimestamp):
		return tyTimestamp, true
	case op == "-" && l == tyTimestamp && r == tyInterval:
		return tyTimestamp, true
	case op == "-" && (l == tyTimestamptz && r == tyTimestamptz || l == tyTimestamp && r == tyTimestamp):
		return tyInterval, true
	case op == "+" && (l == tyDate && r == tyInterval || l == tyInterval && r == tyDate):
		return tyTimestamp, true
	case op == "-" && l == tyDate && r == tyInterval:
		return tyTimestamp, true
	case op == "+" && (l == tyDate && r == tyTime || l == tyTime && r == tyDate):
		return tyTimestamp, true
	case op == "-" && l == tyDate && r == tyDate:
		return "int4", true
	case (op == "+" || op == "-") && l == tyDate && (r == "int4" || r == "int2" || r == tyUnknownLit):
		return tyDate, true
	case op == "+" && (l == "int4" || l == "int2") && r == tyDate:
		return tyDate, true
	case (op == "+" || op == "-") && l == tyInterval && r == tyInterval:
		return tyInterval, true
	case (op == "*" || op == "/") && l == tyInterval && isNum(r), op == "*" && isNum(l) && r == tyInterval:
		return tyInterval, true
	case l == tyDate || r == tyDate || l == tyTimestamp || r == tyTimestamp || l == tyTimestamptz ||
		r == tyTimestamptz || l == tyInterval || r == tyInterval || l == tyTime || r == tyTime:
		return "", true // some other date/time combination: not typed here
	}
	return "", false
}

func (ty *exprTyper) funcType(fc *pg.FuncCall, sc *exprScope) string {
	fn := names(fc.Funcname)
	if len(fn) == 2 && fn[0] == "pg_catalog" {
		fn = fn[1:]
	}
	if len(fn) != 1 {
		return ""
	}
	arg := func(i int) string {
		if i < len(fc.Args) {
			return ty.typeOf(fc.Args[i], sc)
		}
		return ""
	}
	switch strings.ToLower(fn[0]) {
	case "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp", "to_timestamp",
		"make_timestamptz", tzUTCFunc, tzAddFunc:
		if fn[0] == "to_timestamp" && len(fc.Args) != 1 {
			return ""
		}
		return tyTimestamptz
	case tzLocalFunc, "make_timestamp":
		return tyTimestamp
	case "make_date", "to_date":
		return tyDate
	case "age", "justify_days", "justify_hours", "justify_interval", "make_interval":
		return tyInterval
	case "date_trunc":
		switch len(fc.Args) {
		case 2:
			switch t := arg(1); t {
			case tyDate, tyTimestamptz:
				return tyTimestamptz
			case tyTimestamp, tyInterval:
				return t
			}
		case 3:
			return tyTimestamptz
		}
	case "timezone":
		if len(fc.Args) == 2 {
			switch arg(1) {
			case tyTimestamptz, tyDate, tyUnknownLit:
				return tyTimestamp
			case tyTimestamp:
				return tyTimestamptz
			}
		}
	case "date_part":
		return "float8"
	case "extract":
		return "numeric"
	case "count", "row_number", "rank", "dense_rank":
		return "int8"
	case "ntile", "length", "char_length", "octet_length", "strpos", "position":
		return "int4"
	case "percent_rank", "cume_dist":
		return "float8"
	case "min", "max", "lag", "lead", "first_value", "last_value", "nth_value", "abs", "any_value":
		if t := arg(0); t != tyUnknownLit {
			return t
		}
	case "sum":
		switch t := arg(0); t {
		case "int2", "int4":
			return "int8"
		case "int8", "numeric":
			return "numeric"
		case "float4", "float8", tyInterval:
			return t
		}
	case "avg":
		switch t := arg(0); t {
		case "int2", "int4", "int8", "numeric":
			return "numeric"
		case "float4", "float8":
			return "float8"
		case tyInterval:
			return t
		}
	case "round", "trunc", "ceil", "ceiling", "floor":
		if t := arg(0); t == "numeric" || t == "float8" {
			return t
		}
	case "to_char", "upper", "lower", "concat", "string_agg", "replace", "substring", "substr", "trim", "btrim",
		"ltrim", "rtrim", "lpad", "rpad", "format", "initcap", "left", "right", "md5":
		return "text"
	case "bool_and", "bool_or", "every":
		return "bool"
	}
	return ""
}

// functionColumns types the columns of a FROM function whose columns the
// planner knows: unnest of one array and generate_series over integers, each
// alone (not ROWS FROM), with WITH ORDINALITY's bigint. It returns the
// function's name (the relation's name without an alias) and the columns, or
// nil.
func (ty *exprTyper) functionColumns(rf *pg.RangeFunction, sc *exprScope) (string, []scopeCol) {
	if rf.IsRowsfrom || len(rf.Functions) != 1 || len(rf.Coldeflist) > 0 {
		return "", nil
	}
	l := rf.Functions[0].GetList()
	if l == nil || len(l.Items) == 0 {
		return "", nil
	}
	if len(l.Items) > 1 && l.Items[1].GetList() != nil && len(l.Items[1].GetList().Items) > 0 {
		return "", nil // a column definition list
	}
	fc := l.Items[0].GetFuncCall()
	if fc == nil || fc.AggStar || fc.AggDistinct || fc.Over != nil {
		return "", nil
	}
	fn := names(fc.Funcname)
	if len(fn) == 2 && fn[0] == "pg_catalog" {
		fn = fn[1:]
	}
	if len(fn) != 1 {
		return "", nil
	}
	name := strings.ToLower(fn[0])
	typ := ""
	switch {
	case name == "unnest" && len(fc.Args) == 1:
		typ = ty.elementType(fc.Args[0], sc)
	case name == "generate_series" && (len(fc.Args) == 2 || len(fc.Args) == 3):
		typ = "int4"
		for _, a := range fc.Args {
			switch t := ty.typeOf(a, sc); t {
			case "int2", "int4":
			case "int8":
				typ = t
			default:
				return "", nil // timestamps (rewritten in tzrewrite.go) and others: not typed here
			}
		}
	default:
		return "", nil
	}
	col := name
	if rf.Alias != nil {
		col = rf.Alias.Aliasname
	}
	cols := []scopeCol{{col, typ}}
	if rf.Ordinality {
		cols = append(cols, scopeCol{"ordinality", "int8"})
	}
	return name, aliasedCols(cols, rf.Alias)
}

// elementType is the type of the elements of an array expression: ARRAY[...]
// of typed elements (nested ARRAYs flatten, as unnest does) or a cast to an
// array type; "" when not known.
func (ty *exprTyper) elementType(n *pg.Node, sc *exprScope) string {
	switch x := n.Node.(type) {
	case *pg.Node_AArrayExpr:
		elems := x.AArrayExpr.Elements
		if len(elems) > 0 && elems[0].GetAArrayExpr() != nil {
			// ARRAY[ARRAY[...], ...]: the sub-arrays' one element type.
			out := ""
			for _, e := range elems {
				t := ty.elementType(e, sc)
				if t == "" || out != "" && t != out {
					return ""
				}
				out = t
			}
			return out
		}
		if t := ty.commonType(elems, sc); t != tyUnknownLit {
			return t
		}
	case *pg.Node_TypeCast:
		tn := x.TypeCast.TypeName
		if tn != nil && len(tn.ArrayBounds) > 0 {
			return typeNameOf(&pg.TypeName{Names: tn.Names})
		}
	}
	return ""
}
