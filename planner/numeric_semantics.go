package planner

import (
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	"github.com/lakegate/lakegate/engine"
	"github.com/lakegate/lakegate/wire"
)

// PostgreSQL divides numerics (numeric / numeric, numeric / integer, and avg of
// integers and numerics, which is sum / count) exactly, rounding half away from
// zero at a scale it picks per value (select_div_scale in numeric.c): enough for
// 16 significant digits, at least the operands' scales. DuckDB answers a double.
// lakegate computes PostgreSQL's quotient with 128-bit integers in DuckDB and
// renders it as PostgreSQL's text, so every row carries its own scale:
//
//   - a result column that is such a quotient is sent as that text, described as
//     numeric (its name carries numericTextMarker until fieldsFor reads it);
//   - inside an expression the quotient continues as DECIMAL(38,20).
//
// Only quotients computed once per group (avg, sums divided by counts, constants)
// are rewritten: see oncePerGroup. A quotient of 10^18 or more inside an
// expression, or a dividend that overflows 128 bits when scaled, is an error
// instead of a wrong value.

// numericTextMarker ends the engine name of a result column holding numeric text.
// It begins with dupMarker, so clientName removes it.
const numericTextMarker = dupMarker + "numeric"

// numericDivFunc computes PostgreSQL's numeric quotient text of two DuckDB
// DECIMAL or integer values.
const numericDivFunc = "lakegate_numeric_div"

// numericSetup defines lakegate_numeric_div over the engine's Go function, which
// reads both operands from their text (DuckDB writes a DECIMAL with exactly its
// type's scale) and raises division by zero.
var numericSetup = []string{
	`CREATE MACRO lakegate_numeric_div(a, b) AS ` + engine.NumericDivFunc + `(CAST(a AS VARCHAR), CAST(b AS VARCHAR))`,
}

func init() { CompatSetup = append(CompatSetup, numericSetup...) }

// exactNumeric reports whether PostgreSQL divides values of these types as numerics.
func exactNumeric(l, r string) bool {
	ok := func(t string) bool { return t == "numeric" || t == "int2" || t == "int4" || t == "int8" }
	return ok(l) && ok(r) && (l == "numeric" || r == "numeric")
}

// aggregateFuncs are the aggregates whose result oncePerGroup accepts.
var aggregateFuncs = map[string]bool{"sum": true, "count": true, "avg": true, "min": true, "max": true}

// oncePerGroup reports whether an expression is evaluated once per group or per
// statement: constants and aggregates, no column outside an aggregate. Exact
// division costs tens of microseconds a value, too much for every row of a scan,
// so row-level numeric division keeps DuckDB's double.
func oncePerGroup(n *pg.Node) bool {
	ok := true
	walk(n, func(m protoreflect.Message) bool {
		switch x := m.Interface().(type) {
		case *pg.ColumnRef, *pg.SubLink, *pg.ParamRef:
			ok = false
		case *pg.FuncCall:
			fn := names(x.Funcname)
			if x.Over == nil && len(fn) == 1 && aggregateFuncs[strings.ToLower(fn[0])] {
				return false
			}
		}
		return ok
	})
	return ok
}

// numericQuotient is PostgreSQL's quotient of a and b as a DECIMAL(38,20) for use
// inside expressions; numericText takes the text back out for a result column.
func numericQuotient(a, b *pg.Node) *pg.Node {
	return castTypmod(&pg.Node{Node: call(numericDivFunc, a, b)}, "numeric", 38, 20)
}

// quotientText returns the text form of a numericQuotient node, or nil.
func quotientText(n *pg.Node) *pg.Node {
	tc := n.GetTypeCast()
	if tc == nil {
		return nil
	}
	if fc := tc.Arg.GetFuncCall(); fc != nil && len(fc.Funcname) == 1 && strVal(fc.Funcname[0]) == numericDivFunc {
		return tc.Arg
	}
	return nil
}

// avgQuotient rewrites avg(x) of integers or numerics as sum(x) / count(x).
func avgQuotient(fc *pg.FuncCall) *pg.Node {
	agg := func(name string) *pg.Node {
		return &pg.Node{Node: &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode(name)},
			Args: fc.Args, AggDistinct: fc.AggDistinct, AggFilter: fc.AggFilter, Funcformat: fc.Funcformat}}}
	}
	return numericQuotient(agg("sum"), agg("count"))
}

// numericResultColumns sends the quotients that are whole result columns of the
// outermost SELECT as PostgreSQL's text. ORDER BY items naming such a column
// order by the quotient itself; columns the statement groups by, and statements
// with DISTINCT, keep the DECIMAL.
func numericResultColumns(sel *pg.SelectStmt) {
	if sel == nil || sel.Op != pg.SetOperation_SETOP_NONE || len(sel.DistinctClause) > 0 {
		return
	}
	refersTo := func(n *pg.Node, i int, name string) bool {
		if cr := n.GetColumnRef(); cr != nil && len(cr.Fields) == 1 {
			return strVal(cr.Fields[0]) == name
		}
		c := n.GetAConst()
		return c != nil && c.GetIval() != nil && int(c.GetIval().Ival) == i+1
	}
	for i, t := range sel.TargetList {
		rt := t.GetResTarget()
		if rt == nil || rt.Val == nil || rt.Name == "" || slices.ContainsFunc(sel.GroupClause, func(g *pg.Node) bool {
			return refersTo(g, i, rt.Name)
		}) {
			continue
		}
		text := quotientText(rt.Val)
		if text == nil {
			continue
		}
		for _, o := range sel.SortClause {
			if sb := o.GetSortBy(); sb != nil && refersTo(sb.Node, i, rt.Name) {
				sb.Node = proto.Clone(rt.Val).(*pg.Node)
			}
		}
		rt.Val = text
		rt.Name += numericTextMarker
	}
}

// plainQuotients turns the exact quotients outside the outermost SELECT's result
// columns and ORDER BY (in WHERE, HAVING, GROUP BY, FROM and WITH subqueries) back
// into DuckDB's division. Exactness matters where the value reaches the client;
// elsewhere the macro's cost per group (tens of microseconds: ~7 s for TPC-H Q17's
// 200,000 groups at SF 1) buys little that a double comparison does not decide.
func plainQuotients(root *pg.Node) {
	if sel := root.GetSelectStmt(); sel != nil && sel.Op == pg.SetOperation_SETOP_NONE {
		tl, sc := sel.TargetList, sel.SortClause
		sel.TargetList, sel.SortClause = nil, nil
		defer func() { sel.TargetList, sel.SortClause = tl, sc }()
	}
	walk(root, func(m protoreflect.Message) bool {
		n, ok := m.Interface().(*pg.Node)
		if !ok {
			return true
		}
		if text := quotientText(n); text != nil {
			a, b := text.GetFuncCall().Args[0], text.GetFuncCall().Args[1]
			if avg := avgOf(a, b); avg != nil {
				// avgQuotient's sum(x) / count(x): back to avg(x), a double (the
				// engine divides integers as integers).
				n.Node = avg.Node
				return true
			}
			n.Node = &pg.Node_AExpr{AExpr: &pg.A_Expr{Kind: pg.A_Expr_Kind_AEXPR_OP,
				Name: []*pg.Node{pg.MakeStrNode("/")}, Lexpr: a, Rexpr: b}}
		}
		return true
	})
}

// avgOf returns avg(x) when a and b are avgQuotient's sum(x) and count(x), or nil.
func avgOf(a, b *pg.Node) *pg.Node {
	sa, sb := a.GetFuncCall(), b.GetFuncCall()
	if sa == nil || sb == nil || len(sa.Funcname) != 1 || len(sb.Funcname) != 1 ||
		strVal(sa.Funcname[0]) != "sum" || strVal(sb.Funcname[0]) != "count" || sb.AggStar ||
		len(sa.Args) != 1 || len(sb.Args) != 1 || !proto.Equal(sa.Args[0], sb.Args[0]) ||
		sa.AggDistinct != sb.AggDistinct || !proto.Equal(sa.AggFilter, sb.AggFilter) || sa.Over != nil || sb.Over != nil {
		return nil
	}
	return &pg.Node{Node: &pg.Node_FuncCall{FuncCall: &pg.FuncCall{Funcname: []*pg.Node{pg.MakeStrNode("avg")},
		Args: sa.Args, AggDistinct: sa.AggDistinct, AggFilter: sa.AggFilter, Funcformat: sa.Funcformat}}}
}

// markNumericText describes a result column holding numeric text as numeric.
func markNumericText(f *wire.Field, engineName string) {
	if strings.HasSuffix(engineName, numericTextMarker) && f.TypeOID == wire.OIDText {
		f.TypeOID, f.TypeSize, f.TypeMod = wire.OIDNumeric, -1, -1
	}
}
